// The simulated API server: stores objects, assigns uids, resourceVersions, generations and
// timestamps, applies defaults, validates, and deletes (gracefully for pods, after finalizers
// for everything). Every stored change is logged so that a round can say what it changed.
import type { Clock } from './clock.js';
import { applyDefaults } from './defaults.js';
import { clone, deepEqual, diffPaths, isObject } from './json.js';
import { KINDS, SYSTEM_METADATA, clusterScoped, type KindInfo } from './kinds.js';
import { asPod, namespaceOf, type KubeObject } from './objects.js';
import { ServiceAllocator } from './services.js';
import { claimResizeRefusal, objectErrors, updateErrors } from './validation.js';

export class ApiError extends Error {
  constructor(
    readonly reason: 'NotFound' | 'AlreadyExists' | 'Invalid' | 'Forbidden',
    message: string,
  ) {
    super(message);
  }
}

/** An admission check: the reasons to refuse obj (old is the stored object on updates). */
export type Admission = (obj: KubeObject, old: KubeObject | undefined) => string[];

/** Cluster-scoped objects are keyed by name alone, whatever namespace a client names. */
const keyOf = (kind: string, namespace: string, name: string) => `${kind}/${clusterScoped(kind) ? '' : namespace}/${name}`;
const keyOfObject = (obj: KubeObject) => keyOf(obj.kind, namespaceOf(obj), obj.metadata.name);

export class ApiServer {
  private readonly objects = new Map<string, KubeObject>();
  private readonly uids = new Set<string>();
  private lastUid = 0;
  private lastResourceVersion = 0;
  readonly allocator = new ServiceAllocator();
  /** One line per stored change, in order. */
  readonly changes: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly admission: Admission = () => [],
  ) {}

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    const obj = this.objects.get(keyOf(kind, namespace, name));
    return obj && clone(obj);
  }

  /** Objects of kind (in namespace when given), sorted by namespace then name. */
  list(kind: string, namespace?: string): KubeObject[] {
    return [...this.objects.values()]
      .filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace))
      .sort((a, b) => compare(namespaceOf(a), namespaceOf(b)) || compare(a.metadata.name, b.metadata.name))
      .map(clone);
  }

  /** Every object, in the order of list(). */
  all(): KubeObject[] {
    return [...new Set([...this.objects.values()].map((o) => o.kind))].sort().flatMap((kind) => this.list(kind));
  }

  exists(uid: string): boolean {
    return this.uids.has(uid);
  }

  create(input: KubeObject): KubeObject {
    const info = kindInfo(input);
    const obj = clone(input);
    if (!info.namespaced) delete obj.metadata.namespace;
    const namespace = info.namespaced ? (obj.metadata.namespace ??= 'default') : '';
    const key = keyOf(obj.kind, namespace, obj.metadata.name);
    if (this.objects.has(key)) throw new ApiError('AlreadyExists', `${qualifiedKind(info)} "${obj.metadata.name}" already exists`);
    for (const field of SYSTEM_METADATA) delete obj.metadata[field];
    if (info.statusSubresource) delete obj.status;
    applyDefaults(obj, undefined, this.allocator);
    this.validate(info, obj, undefined);
    const uid = `00000000-0000-4000-8000-${(++this.lastUid).toString(16).padStart(12, '0')}`;
    Object.assign(obj.metadata, { uid, creationTimestamp: this.clock.timestamp(), resourceVersion: String(++this.lastResourceVersion) });
    if (info.generation) obj.metadata.generation = 1;
    this.objects.set(key, obj);
    this.uids.add(uid);
    this.changes.push(`created ${obj.kind} ${namespace}/${obj.metadata.name}`);
    return clone(obj);
  }

  /** A write of the main resource: server metadata and (for status subresources) status stay as stored. */
  update(input: KubeObject): KubeObject {
    const info = kindInfo(input);
    const old = this.stored(input);
    const obj = clone(input);
    if (old.metadata.namespace === undefined) delete obj.metadata.namespace;
    else obj.metadata.namespace = old.metadata.namespace;
    for (const field of SYSTEM_METADATA) {
      if (field in old.metadata) obj.metadata[field] = old.metadata[field];
      else delete obj.metadata[field];
    }
    if (info.statusSubresource) restore(obj, old, 'status');
    applyDefaults(obj, old, this.allocator);
    this.validate(info, obj, old);
    this.admitResize(obj, old);
    return this.store(info, obj, old);
  }

  /** A write of the status subresource: only status changes. */
  updateStatus(input: KubeObject): KubeObject {
    const info = kindInfo(input);
    const old = this.stored(input);
    const obj = clone(old);
    restore(obj, input, 'status');
    this.validate(info, obj, old);
    return this.store(info, obj, old);
  }

  /** Pods and objects with finalizers get a deletionTimestamp; everything else goes at once. */
  delete(kind: string, namespace: string, name: string): void {
    const old = this.objects.get(keyOf(kind, namespace, name));
    if (!old) throw new ApiError('NotFound', `${kind} "${name}" not found`);
    if (old.metadata.deletionTimestamp) return;
    const graceful = kind === 'Pod';
    if (!graceful && !old.metadata.finalizers?.length) {
      this.remove(old);
      return;
    }
    const obj = clone(old);
    const grace = graceful ? (asPod(obj).spec.terminationGracePeriodSeconds ?? 30) : 0;
    obj.metadata.deletionTimestamp = this.clock.timestamp(this.clock.now + grace);
    obj.metadata.deletionGracePeriodSeconds = grace;
    if (obj.metadata.generation !== undefined) obj.metadata.generation += 1;
    obj.metadata.resourceVersion = String(++this.lastResourceVersion);
    this.objects.set(keyOf(kind, namespace, name), obj);
    this.changes.push(`deleting ${kind} ${namespace}/${name}`);
  }

  /** The end of a graceful deletion: the kubelet has stopped the pod. */
  removeTerminated(kind: string, namespace: string, name: string): void {
    const obj = this.objects.get(keyOf(kind, namespace, name));
    if (obj?.metadata.deletionTimestamp) this.remove(obj);
  }

  private stored(input: KubeObject): KubeObject {
    const old = this.objects.get(keyOfObject(input));
    if (!old) throw new ApiError('NotFound', `${input.kind} "${input.metadata.name}" not found`);
    return old;
  }

  private validate(info: KindInfo, obj: KubeObject, old: KubeObject | undefined): void {
    const errors = [...objectErrors(obj), ...(old ? updateErrors(old, obj) : []), ...this.admission(obj, old)];
    if (errors.length) throw new ApiError('Invalid', `${qualifiedKind(info)} "${obj.metadata.name}" is invalid: ${errors.join(', ')}`);
  }

  /** The PersistentVolumeClaimResize admission plugin: a claim grows only if its StorageClass allows expansion. */
  private admitResize(obj: KubeObject, old: KubeObject): void {
    if (obj.kind !== 'PersistentVolumeClaim') return;
    const refusal = claimResizeRefusal(old, obj, (name) => this.get('StorageClass', '', name));
    if (refusal) throw new ApiError('Forbidden', `persistentvolumeclaims "${obj.metadata.name}" is forbidden: ${refusal}`);
  }

  private store(info: KindInfo, obj: KubeObject, old: KubeObject): KubeObject {
    const content = (o: KubeObject) =>
      Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'metadata' && !(k === 'status' && info.statusSubresource)));
    if (info.generation && !deepEqual(content(old), content(obj))) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (deepEqual(obj, old)) return clone(old);
    // With the last finalizer gone, a deletion without grace period completes.
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length && !obj.metadata.deletionGracePeriodSeconds) {
      this.remove(obj);
      return clone(obj);
    }
    const changed = diffPaths(old, obj);
    obj.metadata.resourceVersion = String(++this.lastResourceVersion);
    this.objects.set(keyOfObject(obj), obj);
    this.changes.push(`updated ${obj.kind} ${namespaceOf(obj)}/${obj.metadata.name} (${changed.join(', ')})`);
    return clone(obj);
  }

  private remove(obj: KubeObject): void {
    this.objects.delete(keyOfObject(obj));
    if (obj.metadata.uid !== undefined) this.uids.delete(obj.metadata.uid);
    this.changes.push(`deleted ${obj.kind} ${namespaceOf(obj)}/${obj.metadata.name}`);
  }
}

function kindInfo(obj: KubeObject): KindInfo {
  const info = KINDS.find((k) => k.kind === obj.kind && k.apiVersion === obj.apiVersion);
  if (!info) throw new ApiError('NotFound', `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
  // Clients' objects arrive unchecked: this is where a missing name is caught.
  if (!isObject(obj.metadata) || !obj.metadata.name)
    throw new ApiError('Invalid', `${obj.kind}: metadata.name: Required value: name or generateName is required`);
  return info;
}

/** `StatefulSet.apps`, `Service`: how the API server names a type in messages. */
function qualifiedKind(info: KindInfo): string {
  const group = info.apiVersion.includes('/') ? info.apiVersion.split('/')[0] : '';
  return group ? `${info.kind}.${group}` : info.kind;
}

/** Sets obj[field] to source[field], or removes it when source has none. */
function restore(obj: KubeObject, source: KubeObject, field: string): void {
  if (source[field] === undefined) delete obj[field];
  else obj[field] = clone(source[field]);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
