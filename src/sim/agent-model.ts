// The guest agent's contract as the hooks observe it, without running it (see
// src/guest/PROTOCOL.md).
import type { KubeObject } from '../api/meta.js';
import { CONFIG_VOLUME, SECRETS_VOLUME } from '../guest/index.js';
import { PROGRESS_ANNOTATION } from '../member/progress.js';
import type { ContainerOutcome } from './controllers/kubelet.js';
import { asConfigMap, asPod } from './objects.js';

/** Where mounted objects are read from, and where a member's sidecar reports: the simulator, or a real API server. */
export interface ObjectSource {
  get(kind: string, namespace: string, name: string): KubeObject | undefined | Promise<KubeObject | undefined>;
  /** Sets one annotation of an object (the sidecar's merge patch of its Lease). */
  annotate(kind: string, namespace: string, name: string, key: string, value: string): boolean | Promise<boolean>;
  /** Seconds on the members' clock. */
  readonly seconds: number;
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

/**
 * The agent and its sidecar together: a container configures with the generation it is shown
 * and is ready from then on; every generation it meets is processed at once and reported on
 * the member's Lease, as the sidecar reports the agent's progress file.
 */
export function agentModel(): (pod: KubeObject, source: ObjectSource) => Promise<ContainerOutcome> {
  const configuredAt = new Map<string, number>();
  return async (pod, source) => {
    const { configMap } = await mountedConfig(pod, source);
    const generation = Number(configMap && asConfigMap(configMap).data?.generation);
    if (!Number.isInteger(generation)) return { ready: false };
    const app = asPod(pod).status?.containerStatuses?.find((c) => c.name === 'app');
    const key = `${pod.metadata.uid ?? ''}/${app?.containerID ?? ''}`;
    const configured = configuredAt.get(key) ?? generation;
    configuredAt.set(key, configured);
    const progress = JSON.stringify({ configured, pod: pod.metadata.uid, processed: generation, seen: generation });
    await source.annotate('Lease', pod.metadata.namespace ?? 'default', pod.metadata.name, PROGRESS_ANNOTATION, progress);
    return { ready: true };
  };
}
