// The simulator's Store over the real API server, confined to the namespaces a test owns so
// that test files running side by side never sync each other's clusters.
import { clusterScoped, resolveKind } from '../../../src/sim/kinds.js';
import type { KubeObject } from '../../../src/sim/objects.js';
import type { Store } from '../../../src/sim/store.js';
import type { Kube, Obj } from './kube.js';

/** What the API server returns is a stored object. */
const stored = (obj: Obj) => obj as KubeObject;
const storedOrNone = (obj: Obj | undefined) => obj && stored(obj);

const apiVersionOf = (kind: string): string => resolveKind(kind).apiVersion;

const byNamespaceAndName = (a: Obj, b: Obj) =>
  `${a.metadata.namespace ?? ''}/${a.metadata.name}` < `${b.metadata.namespace ?? ''}/${b.metadata.name}` ? -1 : 1;

export function kubeStore(kube: Kube, namespaces: string[]): Store {
  const uidPrecondition = (obj: Obj) => ({ preconditions: { uid: obj.metadata.uid } });
  return {
    async list(kind, namespace) {
      // Cluster-scoped objects (StorageClasses) belong to no test's namespace: all of them.
      if (clusterScoped(kind)) return (await kube.list(apiVersionOf(kind), kind)).sort(byNamespaceAndName).map(stored);
      const where = namespace === undefined ? namespaces : namespaces.includes(namespace) ? [namespace] : [];
      const lists = await Promise.all(where.map((ns) => kube.list(apiVersionOf(kind), kind, ns)));
      return lists.flat().sort(byNamespaceAndName).map(stored);
    },
    get: async (kind, namespace, name) => storedOrNone(await kube.get(apiVersionOf(kind), kind, namespace, name)),
    create: async (obj) => stored(await kube.create(obj)),
    update: async (obj) => stored(await kube.update(obj)),
    updateStatus: async (obj) => stored(await kube.updateStatus(obj)),
    delete: (obj) => kube.delete(obj, { ...uidPrecondition(obj), propagationPolicy: 'Background' }),
    async bind(pod, node) {
      const path = await kube.path('v1', 'Pod', pod.metadata.namespace, pod.metadata.name, 'binding');
      await kube.request('POST', path, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata.name },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
      return stored((await kube.get('v1', 'Pod', pod.metadata.namespace, pod.metadata.name))!);
    },
    removeTerminated: (pod) => kube.delete(pod, { ...uidPrecondition(pod), gracePeriodSeconds: 0 }),
    apply: async (obj, fieldManager) => stored(await kube.apply(obj, fieldManager, { force: true })),
    jsonPatch: async (obj, patch) => stored(await kube.patch(obj, patch, 'json')),
  };
}
