// Metacontroller's manageChildren (pkg/controller/common/manage_children.go): delete observed
// children the response left out, then create or update the desired ones with the controller's
// apply strategy. A failed write is reported and the other children still go ahead.
//
// - dynamic-apply (the default): creates record the desired object in the last-applied
//   annotation, updates are a 3-way merge against it, written with a PUT when they differ.
// - server-side-apply: every create and update is an apply patch (field manager metacontroller,
//   force) that always carries the parent's controller reference; a cache of the last applied
//   object per child skips applies while neither it nor the observed object changed.
import { canonicalJson, clone, deepEqual, type JsonObject } from '../json.js';
import { SYSTEM_METADATA, nameKey, typeKey } from '../kinds.js';
import { LAST_APPLIED, threeWayMerge } from '../merge.js';
import type { KubeObject } from '../objects.js';
import { reasonOf, type Store } from '../store.js';
import { controllerRef, type ObjectsByType } from './claim.js';
import type { ApplyStrategy, ChildType, ControllerConfig } from './config.js';

export const FIELD_MANAGER = 'metacontroller';

/** What server-side apply last sent per child, and what the child looked like then (lastUpdatedCache). */
export type ApplyCache = Map<string, { body: string; generation: number; resourceVersion: string | undefined; uid: string | undefined }>;

export interface ChildrenContext {
  store: Store;
  config: ControllerConfig;
  cache: ApplyCache;
  report: (message: string) => void;
}

export async function manageChildren(
  context: ChildrenContext,
  parent: KubeObject,
  observed: ObjectsByType,
  desired: KubeObject[],
): Promise<void> {
  const { store, config, report } = context;
  const desiredByType: ObjectsByType = {};
  for (const child of desired) (desiredByType[typeKey(child)] ??= {})[nameKey(child)] = child;

  for (const [type, children] of sortedEntries(observed)) {
    for (const [name, child] of sortedEntries(children)) {
      if (child.metadata.deletionTimestamp || desiredByType[type]?.[name]) continue;
      await attempt(report, `can't delete ${child.kind} ${name}`, async () => {
        await store.delete(child);
        context.cache.delete(`${type}/${name}`);
      });
    }
  }

  for (const [type, children] of sortedEntries(desiredByType)) {
    const childType = config.children.find((c) => c.key === type);
    for (const [name, child] of sortedEntries(children)) {
      if (!childType) {
        const known = config.children.map((c) => c.key).join(', ');
        report(
          `can't apply ${child.kind} ${name}: ${child.kind} in ${child.apiVersion} is not a child resource of CompositeController ${config.name} (${known})`,
        );
        continue;
      }
      const current = observed[type]?.[name];
      const apply = APPLIERS[config.applyStrategy];
      await attempt(report, `can't ${current ? 'update' : 'create'} ${child.kind} ${name}`, () =>
        apply(context, childType, parent, current, child),
      );
    }
  }
}

type Applier = (
  context: ChildrenContext,
  type: ChildType,
  parent: KubeObject,
  observed: KubeObject | undefined,
  desired: KubeObject,
) => Promise<void>;

const APPLIERS: Record<ApplyStrategy, Applier> = {
  'dynamic-apply': dynamicApply,
  'server-side-apply': serverSideApply,
};

async function dynamicApply(
  { store }: ChildrenContext,
  type: ChildType,
  parent: KubeObject,
  observed: KubeObject | undefined,
  desired: KubeObject,
): Promise<void> {
  if (!observed) {
    const obj = clone(desired);
    // The last-applied annotation holds the desired object as returned, before the owner reference is added.
    obj.metadata.annotations = { ...obj.metadata.annotations, [LAST_APPLIED]: canonicalJson(obj) };
    claimOwnership(obj, parent);
    await store.create(obj);
    return;
  }
  const update = clone(desired);
  if (update.metadata.annotations) delete update.metadata.annotations[LAST_APPLIED];
  const annotation = observed.metadata.annotations?.[LAST_APPLIED];
  let lastApplied: unknown;
  try {
    lastApplied = annotation ? JSON.parse(annotation) : undefined;
  } catch (error) {
    throw new Error(`can't unmarshal "${LAST_APPLIED}" annotation: ${(error as Error).message}`);
  }
  // Merging into an object of one kind from a desired one of the same kind, metadata and all, gives one of that kind.
  const merged = threeWayMerge(observed, lastApplied, update) as KubeObject;
  for (const field of SYSTEM_METADATA) revert(merged.metadata, observed.metadata, field);
  revert(merged, observed, 'status');
  merged.metadata.annotations = { ...merged.metadata.annotations, [LAST_APPLIED]: canonicalJson(update) };
  if (deepEqual(merged, observed) || observed.metadata.deletionTimestamp) return;
  if (type.updateMethod === 'InPlace') await ignoring('Conflict', store.update(merged));
  else if (type.updateMethod === 'Recreate') await store.delete(observed);
}

async function serverSideApply(
  context: ChildrenContext,
  type: ChildType,
  parent: KubeObject,
  observed: KubeObject | undefined,
  desired: KubeObject,
): Promise<void> {
  const { store, cache } = context;
  if (!store.apply) throw new Error('the server-side-apply strategy needs a store that implements server-side apply');
  if (observed?.metadata.deletionTimestamp) return;
  const body = serverSideApplyBody(desired, parent);
  const text = canonicalJson(body);
  const key = `${typeKey(body)}/${nameKey(body)}`;
  /** What was sent, and the child as it stood then. */
  const remember = ({ metadata }: KubeObject) =>
    cache.set(key, { body: text, generation: metadata.generation ?? 0, resourceVersion: metadata.resourceVersion, uid: metadata.uid });
  if (observed) {
    const last = cache.get(key);
    const generation = observed.metadata.generation ?? 0;
    // isCacheInvalid: without a generation, the resourceVersion tells whether the child changed.
    const unchanged =
      last !== undefined &&
      last.uid === observed.metadata.uid &&
      last.body === text &&
      last.generation === generation &&
      (generation !== 0 || last.resourceVersion === observed.metadata.resourceVersion);
    if (unchanged) return;
    if (type.updateMethod === 'OnDelete') {
      remember(observed);
      return;
    }
    if (type.updateMethod !== 'InPlace') throw new Error(`update method ${type.updateMethod} with server-side apply is not simulated`);
    if (observed.metadata.annotations?.[LAST_APPLIED] !== undefined) {
      if (!store.jsonPatch) throw new Error('removing the last-applied annotation needs a store that implements JSON patches');
      const path = `/metadata/annotations/${LAST_APPLIED.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      await store.jsonPatch(observed, [{ op: 'remove', path }]);
    }
  }
  try {
    remember(await store.apply(body, FIELD_MANAGER));
  } catch (error) {
    if (reasonOf(error) !== 'Conflict') throw error;
  }
}

/**
 * The desired child as server-side apply sends it: the parent's controller reference added,
 * without status, system metadata or the last-applied annotation (claimOwnership, then
 * sanitizeForSSACompare).
 */
export function serverSideApplyBody(desired: KubeObject, parent: KubeObject): KubeObject {
  const body = clone(desired);
  claimOwnership(body, parent);
  for (const field of SYSTEM_METADATA) delete body.metadata[field];
  delete body.status;
  if (body.metadata.annotations) delete body.metadata.annotations[LAST_APPLIED];
  return body;
}

/** Adds the parent's controller reference unless the object already refers to the parent. */
function claimOwnership(obj: KubeObject, parent: KubeObject): void {
  const refs = obj.metadata.ownerReferences ?? [];
  if (!refs.some((ref) => ref.uid === parent.metadata.uid)) obj.metadata.ownerReferences = [...refs, controllerRef(parent)];
}

/** Awaits write; a conflict (the object changed since it was read) waits for the next sync, as Metacontroller does. */
async function ignoring(reason: 'Conflict', write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (reasonOf(error) !== reason) throw error;
  }
}

function revert(target: JsonObject, source: JsonObject, field: string): void {
  if (field in source) target[field] = clone(source[field]);
  else delete target[field];
}

async function attempt(report: (message: string) => void, what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    // Metacontroller swallows these two (the object is already gone or already there), but a
    // test wants to know: an existing object it did not adopt hides the desired child.
    const reason = reasonOf(error);
    const note = reason === 'AlreadyExists' || reason === 'NotFound' ? ' (Metacontroller ignores this)' : '';
    report(`${what}: ${(error as Error).message}${note}`);
  }
}

function sortedEntries<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
