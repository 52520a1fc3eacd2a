// Reading pod and owner state the way the Kubernetes controllers do.
import type { KubeObject, Pod, PodCondition } from './objects.js';

export const condition = (pod: Pod, type: string): PodCondition | undefined => (pod.status?.conditions ?? []).find((c) => c.type === type);

/** Running, Ready and not being deleted: what the StatefulSet controller calls healthy. */
export const isHealthy = (pod: Pod) =>
  !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running' && condition(pod, 'Ready')?.status === 'True';

/** The uid of obj's controller, if it has one. */
export const controllerUid = (obj: KubeObject): string | undefined =>
  (obj.metadata.ownerReferences ?? []).find((ref) => ref.controller === true)?.uid;

/** Names of the PersistentVolumeClaims a pod mounts. */
export const claimNames = (pod: Pod): string[] =>
  (pod.spec.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((name): name is string => typeof name === 'string');
