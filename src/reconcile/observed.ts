// What to send back for a child the hook does not (or cannot) render anew: the
// desired state Metacontroller last applied, so that returning it changes nothing.
import type { ObjectsByType } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';

export const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';

/** Fields the API server owns; sending them back would fight the server. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
  'selfLink',
  'ownerReferences',
];

/** The desired form of an observed child: its last-applied configuration, or the object without server-owned fields. */
export function asDesired(observed: KubeObject): KubeObject {
  const lastApplied = observed.metadata.annotations?.[LAST_APPLIED];
  if (lastApplied) {
    try {
      // The annotation is anything anyone wrote: check its shape before trusting it.
      const parsed = JSON.parse(lastApplied) as Partial<KubeObject> | null;
      if (parsed?.metadata?.name === observed.metadata.name && parsed.kind === observed.kind) return parsed as KubeObject;
    } catch {
      // An unreadable annotation falls through to the observed object.
    }
  }
  const { status: _status, metadata, ...rest } = observed;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([key]) => !SERVER_METADATA.includes(key)));
  const annotations = { ...metadata.annotations };
  delete annotations[LAST_APPLIED];
  if (Object.keys(annotations).length > 0) kept.annotations = annotations;
  else delete kept.annotations;
  return { ...rest, metadata: kept } as KubeObject;
}

/** Every observed child, in a stable order (type, then namespace/name). */
export function observedChildren(children: ObjectsByType): KubeObject[] {
  return Object.keys(children)
    .sort()
    .flatMap((type) => {
      const byName = children[type] ?? {};
      return Object.entries(byName)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, object]) => object);
    });
}
