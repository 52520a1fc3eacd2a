// Metacontroller's manageChildren with the dynamic-apply strategy: delete observed children
// the response left out, create missing ones (recording the last-applied annotation), and
// update the others in place through the 3-way merge. A failed write is reported and the
// other children still go ahead.
import { ApiError, type ApiServer } from '../apiserver.js';
import { canonicalJson, clone, deepEqual, type Obj } from '../json.js';
import { nameKey, typeKey } from '../kinds.js';
import { LAST_APPLIED, threeWayMerge } from '../merge.js';
import { controllerRef, type ObjectsByType } from './claim.js';
import type { ChildType, ControllerConfig } from './config.js';

/** Metadata the API server owns: the merge result takes them from the observed object. */
const SYSTEM_METADATA = ['selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields'];

export function manageChildren(api: ApiServer, config: ControllerConfig, parent: Obj, observed: ObjectsByType, desired: Obj[], report: (message: string) => void): void {
  const desiredByType: ObjectsByType = {};
  for (const child of desired) (desiredByType[typeKey(child)] ??= {})[nameKey(child)] = child;

  for (const [type, children] of sortedEntries(observed)) {
    for (const [name, child] of sortedEntries(children)) {
      if (child.metadata.deletionTimestamp || desiredByType[type]?.[name]) continue;
      attempt(report, `can't delete ${child.kind} ${name}`, () => api.delete(child.kind, child.metadata.namespace, child.metadata.name));
    }
  }

  for (const [type, children] of sortedEntries(desiredByType)) {
    const childType = config.children.find((c) => c.key === type);
    for (const [name, child] of sortedEntries(children)) {
      if (!childType) {
        const known = config.children.map((c) => c.key).join(', ');
        report(`can't apply ${child.kind} ${name}: ${child.kind} in ${child.apiVersion} is not a child resource of CompositeController ${config.name} (${known})`);
        continue;
      }
      const current = observed[type]?.[name];
      if (current) attempt(report, `can't update ${child.kind} ${name}`, () => updateChild(api, childType, current, child));
      else attempt(report, `can't create ${child.kind} ${name}`, () => createChild(api, parent, child));
    }
  }
}

function createChild(api: ApiServer, parent: Obj, desired: Obj): void {
  const obj = clone(desired);
  // The last-applied annotation holds the desired object as returned, before the owner reference is added.
  obj.metadata.annotations = { ...obj.metadata.annotations, [LAST_APPLIED]: canonicalJson(obj) };
  const refs: Obj[] = obj.metadata.ownerReferences ?? [];
  if (!refs.some((ref) => ref.uid === parent.metadata.uid)) obj.metadata.ownerReferences = [...refs, controllerRef(parent)];
  api.create(obj);
}

function updateChild(api: ApiServer, type: ChildType, observed: Obj, desired: Obj): void {
  const update = clone(desired);
  if (update.metadata.annotations) delete update.metadata.annotations[LAST_APPLIED];
  const annotation = observed.metadata.annotations?.[LAST_APPLIED];
  let lastApplied: Obj | undefined;
  try {
    lastApplied = annotation ? JSON.parse(annotation) : undefined;
  } catch (error) {
    throw new Error(`can't unmarshal "${LAST_APPLIED}" annotation: ${(error as Error).message}`);
  }
  const merged = threeWayMerge(observed, lastApplied, update);
  merged.metadata ??= {};
  for (const field of SYSTEM_METADATA) revert(merged.metadata, observed.metadata, field);
  revert(merged, observed, 'status');
  merged.metadata.annotations = { ...merged.metadata.annotations, [LAST_APPLIED]: canonicalJson(update) };
  if (deepEqual(merged, observed) || observed.metadata.deletionTimestamp) return;
  if (type.updateMethod === 'InPlace') api.update(merged);
  else if (type.updateMethod === 'Recreate') api.delete(observed.kind, observed.metadata.namespace, observed.metadata.name);
}

function revert(target: Obj, source: Obj, field: string): void {
  if (field in source) target[field] = clone(source[field]);
  else delete target[field];
}

function attempt(report: (message: string) => void, what: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    // Metacontroller ignores these two (the object is already gone or already there), but a
    // test wants to know: an existing object it did not adopt hides the desired child.
    const note = error instanceof ApiError && (error.reason === 'AlreadyExists' || error.reason === 'NotFound') ? ' (Metacontroller ignores this)' : '';
    report(`${what}: ${(error as Error).message}${note}`);
  }
}

function sortedEntries<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
