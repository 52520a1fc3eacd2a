// The guest agent's contract as the hooks observe it, without running it (see
// src/guest/PROTOCOL.md): a starting container configures with the generation its ConfigMap
// shows; a ready container that meets a new generation is busy (not ready) for one round.
import type { KubeObject } from '../api/meta.js';
import { CONFIG_VOLUME, SECRETS_VOLUME } from '../guest/index.js';
import type { ContainerOutcome } from './controllers/kubelet.js';
import { asConfigMap, asPod } from './objects.js';

/** Where mounted objects are read from: the simulator, or a real API server. */
export interface ObjectSource {
  get(kind: string, namespace: string, name: string): KubeObject | undefined | Promise<KubeObject | undefined>;
}

/** The ConfigMap and Secret a member mounts, as stored now (undefined until they exist). */
export async function mountedConfig(pod: KubeObject, source: ObjectSource): Promise<{ configMap?: KubeObject; secret?: KubeObject }> {
  const volumes = asPod(pod).spec.volumes ?? [];
  const configMap = volumes.find((v) => v.name === CONFIG_VOLUME)?.configMap?.name;
  const secret = volumes.find((v) => v.name === SECRETS_VOLUME)?.secret?.secretName;
  const namespace = pod.metadata.namespace ?? 'default';
  return {
    configMap: configMap ? await source.get('ConfigMap', namespace, configMap) : undefined,
    secret: secret ? await source.get('Secret', namespace, secret) : undefined,
  };
}

export function agentModel(): (pod: KubeObject, source: ObjectSource) => Promise<ContainerOutcome> {
  const seen = new Map<string, string>();
  return async (pod, source) => {
    const { configMap } = await mountedConfig(pod, source);
    const generation = configMap && asConfigMap(configMap).data?.generation;
    if (generation === undefined) return { ready: false };
    const app = asPod(pod).status?.containerStatuses?.find((c) => c.name === 'app');
    const key = `${pod.metadata.uid}/${app?.containerID ?? ''}`;
    if (seen.get(key) === generation) return { ready: true };
    seen.set(key, generation);
    return { ready: app?.ready !== true };
  };
}
