// The guest agent's contract as the hooks observe it, without running it (see
// src/guest/PROTOCOL.md): a starting container configures with the generation its ConfigMap
// shows; a ready container that meets a new generation is busy (not ready) for one round.
import type { KubeObject } from '../api/meta.js';
import type { ContainerOutcome } from './controllers/kubelet.js';
import type { Simulator } from './simulator.js';

interface PodView {
  spec?: { volumes?: { name: string; configMap?: { name: string } }[] };
  status?: { containerStatuses?: { name: string; containerID?: string; ready?: boolean }[] };
}

export function agentModel(): (pod: KubeObject, sim: Simulator) => ContainerOutcome {
  const seen = new Map<string, string>();
  return (pod, sim) => {
    const view = pod as PodView;
    const name = view.spec?.volumes?.find((v) => v.name === 'kd-config')?.configMap?.name;
    const generation = name ? (sim.get('ConfigMap', pod.metadata.namespace!, name)?.data as Record<string, string> | undefined)?.generation : undefined;
    if (generation === undefined) return { ready: false };
    const app = view.status?.containerStatuses?.find((c) => c.name === 'app');
    const key = `${pod.metadata.uid}/${app?.containerID ?? ''}`;
    if (seen.get(key) === generation) return { ready: true };
    seen.set(key, generation);
    return { ready: app?.ready !== true };
  };
}
