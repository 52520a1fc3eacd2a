// Which objects are a parent's children (Metacontroller's claimChildren with Kubernetes'
// ControllerRefManager rules): owned ones whose labels still match the parent's selector, plus
// orphans that match and get adopted. Owned ones that stopped matching are released.
import { isObject } from '../json.js';
import { nameKey } from '../kinds.js';
import { referenceTo, uidOf, type KubeObject, type OwnerReference } from '../objects.js';
import { matchesSelector, type LabelSelector } from '../selector.js';
import type { Store } from '../store.js';
import type { ControllerConfig } from './config.js';

export type ObjectsByType = Record<string, Record<string, KubeObject>>;

/** `controller-uid=<uid>` with generateSelector, else the parent's spec.selector. */
export function parentSelector(config: ControllerConfig, parent: KubeObject): LabelSelector {
  if (config.generateSelector) return { matchLabels: { 'controller-uid': uidOf(parent) } };
  // The parent's schema (its CRD) makes a selector a LabelSelector.
  const selector = (isObject(parent.spec) ? parent.spec.selector : undefined) as LabelSelector | undefined;
  if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) {
    throw new Error('.spec.selector must have either matchLabels, matchExpressions, or both');
  }
  return selector;
}

export function controllerRef(parent: KubeObject): OwnerReference {
  return { ...referenceTo(parent), controller: true, blockOwnerDeletion: true };
}

/** The children of parent by type; throws when an adoption or release is refused (Metacontroller then skips the sync). */
export async function claimChildren(store: Store, config: ControllerConfig, parent: KubeObject): Promise<ObjectsByType> {
  const selector = parentSelector(config, parent);
  const deleting = Boolean(parent.metadata.deletionTimestamp);
  const failures: string[] = [];
  const children: ObjectsByType = {};
  for (const type of config.children) {
    const claimed: Record<string, KubeObject> = (children[type.key] = {});
    for (const obj of await store.list(type.info.kind, parent.metadata.namespace)) {
      const refs = obj.metadata.ownerReferences ?? [];
      const owner = refs.find((ref) => ref.controller === true);
      const matches = matchesSelector(selector, obj.metadata.labels);
      try {
        if (owner) {
          if (owner.uid !== parent.metadata.uid) continue;
          if (matches) claimed[nameKey(obj)] = obj;
          else if (!deleting)
            await store.update({
              ...obj,
              metadata: { ...obj.metadata, ownerReferences: refs.filter((ref) => ref.uid !== parent.metadata.uid) },
            });
        } else if (matches && !deleting && !obj.metadata.deletionTimestamp) {
          const ours = (ref: OwnerReference) => ref.uid === parent.metadata.uid;
          const adopted = refs.some(ours) ? refs.map((ref) => (ours(ref) ? controllerRef(parent) : ref)) : [...refs, controllerRef(parent)];
          claimed[nameKey(obj)] = await store.update({ ...obj, metadata: { ...obj.metadata, ownerReferences: adopted } });
        }
      } catch (error) {
        failures.push(`${obj.kind} ${nameKey(obj)}: ${(error as Error).message}`);
      }
    }
  }
  if (failures.length) throw new Error(`can't claim children: ${failures.join('; ')}`);
  return children;
}
