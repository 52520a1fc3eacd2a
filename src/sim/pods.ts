// Reading pod and owner state the way the Kubernetes controllers do.
import type { Obj } from './json.js';

export const condition = (pod: Obj, type: string): Obj | undefined =>
  ((pod.status?.conditions ?? []) as Obj[]).find((c) => c.type === type);

/** Running, Ready and not being deleted: what the StatefulSet controller calls healthy. */
export const isHealthy = (pod: Obj) =>
  !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running' && condition(pod, 'Ready')?.status === 'True';

/** The uid of obj's controller, if it has one. */
export const controllerUid = (obj: Obj): string | undefined =>
  ((obj.metadata.ownerReferences ?? []) as Obj[]).find((ref) => ref.controller === true)?.uid;

/** Names of the PersistentVolumeClaims a pod mounts. */
export const claimNames = (pod: Obj): string[] =>
  ((pod.spec?.volumes ?? []) as Obj[])
    .map((v) => v.persistentVolumeClaim?.claimName)
    .filter((name): name is string => typeof name === 'string');
