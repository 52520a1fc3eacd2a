// What the simulated Metacontroller and kubelet need of an API server, asynchronously, so that
// the same controllers run against the in-memory ApiServer here or a real kube-apiserver (the
// tests in test/cluster supply that one). Errors carry the API's reason: NotFound,
// AlreadyExists, Conflict, Invalid, ...
import type { ApiServer } from './apiserver.js';
import type { JsonObject } from './json.js';
import { namespaceOf, type KubeObject, type Pod } from './objects.js';

export interface Store {
  /** Objects of kind (in namespace when given), sorted by namespace then name. */
  list: (kind: string, namespace?: string) => Promise<KubeObject[]>;
  get: (kind: string, namespace: string, name: string) => Promise<KubeObject | undefined>;
  create: (obj: KubeObject) => Promise<KubeObject>;
  update: (obj: KubeObject) => Promise<KubeObject>;
  updateStatus: (obj: KubeObject) => Promise<KubeObject>;
  /** Deletes obj (background propagation, preconditioned on its uid). */
  delete: (obj: KubeObject) => Promise<void>;
  /** Binds a pod to a node, as the scheduler does through pods/binding. */
  bind: (pod: Pod, node: string) => Promise<KubeObject>;
  /** The kubelet's confirmation that a pod being deleted has stopped: it goes now. */
  removeTerminated: (pod: KubeObject) => Promise<void>;
  /** Server-side apply with force, for stores that implement it. */
  apply?: (obj: KubeObject, fieldManager: string) => Promise<KubeObject>;
  /** A JSON patch, for stores that implement it. */
  jsonPatch?: (obj: KubeObject, patch: JsonObject[]) => Promise<KubeObject>;
}

/** The reason of an API error (NotFound, AlreadyExists, Conflict, ...), when error is one. */
export const reasonOf = (error: unknown): string | undefined => {
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
};

/** The result of a synchronous call as a promise: what it throws becomes a rejection. */
const settled = <T>(call: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(call());
  });

/** The in-memory API server as a Store. */
export function memoryStore(api: ApiServer): Store {
  return {
    list: (kind, namespace) => settled(() => api.list(kind, namespace)),
    get: (kind, namespace, name) => settled(() => api.get(kind, namespace, name)),
    create: (obj) => settled(() => api.create(obj)),
    update: (obj) => settled(() => api.update(obj)),
    updateStatus: (obj) => settled(() => api.updateStatus(obj)),
    delete: (obj) =>
      settled(() => {
        api.delete(obj.kind, namespaceOf(obj), obj.metadata.name);
      }),
    bind: (pod, node) => settled(() => api.update({ ...pod, spec: { ...pod.spec, nodeName: node } })),
    removeTerminated: (pod) =>
      settled(() => {
        api.removeTerminated('Pod', namespaceOf(pod), pod.metadata.name);
      }),
  };
}
