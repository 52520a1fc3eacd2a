import t from 'tap';
import { customize } from '../../src/reconcile/customize.js';
import { OPTIONS, stored } from '../support/requests.js';
import { readYaml } from '../support/fixtures.js';

const cluster = readYaml('clusters/spark.yaml');

t.test('related objects: the app where the catalog says, kd-global-config, the members and the connections', async (t) => {
  const { relatedResources } = customize(stored(cluster), OPTIONS);
  const packages = (namespace: string) => ({
    apiVersion: 'v1',
    resource: 'configmaps',
    namespace,
    labelSelector: { matchLabels: { 'kubedirector.hpe.com/setup-package-for': 'spark' } },
  });
  t.same(relatedResources, [
    { apiVersion: 'kubedirector.hpe.com/v1beta1', resource: 'kubedirectorapps', namespace: 'analytics', names: ['spark'] },
    packages('analytics'),
    { apiVersion: 'kubedirector.hpe.com/v1beta1', resource: 'kubedirectorapps', namespace: 'kubedirector', names: ['spark'] },
    packages('kubedirector'),
    { apiVersion: 'kubedirector.hpe.com/v1beta1', resource: 'kubedirectorconfigs', namespace: 'kubedirector', names: ['kd-global-config'] },
    {
      apiVersion: 'v1',
      resource: 'pods',
      namespace: 'analytics',
      labelSelector: {
        matchLabels: { 'kubedirector.hpe.com/kdcluster': 'spark-demo', 'controller-uid': '0f6c5a9e-1111-4000-8000-0000000000aa' },
      },
    },
    { apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses', labelSelector: {} },
  ]);
});

t.test('every StorageClass is related, even for a spec that does not read: whether a PVC may grow depends on its class', async (t) => {
  const rule = { apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses', labelSelector: {} };
  for (const spec of [cluster.spec, { ...(cluster.spec as object), connections: { clusters: 5 } }]) {
    const { relatedResources } = customize(stored({ ...cluster, spec }), OPTIONS);
    const rules = relatedResources.filter((r) => r.resource === 'storageclasses');
    // Cluster-scoped: no namespace; an empty selector is Metacontroller's "select all" (names would need the classes' names).
    t.same(rules, [rule], 'one rule selecting every class, with no namespace');
  }
});

t.test('an explicit catalog is the only place looked at, and connections are named', async (t) => {
  const spec = {
    ...(cluster.spec as object),
    appCatalog: 'system',
    connections: { clusters: ['b', 'a', 'b'], configmaps: ['settings'], secrets: [] },
  };
  const { relatedResources } = customize(stored({ ...cluster, spec }), OPTIONS);
  t.same(
    relatedResources.filter((r) => r.resource === 'kubedirectorapps').map((r) => r.namespace),
    ['kubedirector'],
  );
  t.same(relatedResources.find((r) => r.resource === 'kubedirectorclusters')?.names, ['a', 'b'], 'sorted, without duplicates');
  t.same(relatedResources.find((r) => r.resource === 'configmaps' && r.names)?.names, ['settings']);
  t.same(
    relatedResources.find((r) => r.labelSelector?.matchExpressions)?.labelSelector,
    {
      matchLabels: { 'kubedirector.hpe.com/configmeta': 'true' },
      matchExpressions: [{ key: 'kubedirector.hpe.com/kdcluster', operator: 'In', values: ['a', 'b'] }],
    },
    "connected clusters' configmeta ConfigMaps",
  );
  t.notOk(
    relatedResources.some((r) => r.resource === 'secrets'),
    'no rule for an empty list',
  );
});
