// The member Role exactly as the hooks render it, on the real API server: a token of one
// cluster's member ServiceAccount (TokenRequest) reads that cluster's ConfigMap and Secret and
// writes its member Leases, and is forbidden everything else: another cluster's Lease,
// ConfigMap and Secret, pods, other Secrets.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { sync } from '../../src/reconcile/sync.js';
import { readYaml } from '../support/fixtures.js';
import { OPTIONS, app, request } from '../support/requests.js';
import { freshNamespace, useControlPlane } from './support/cluster.js';
import { until } from './support/poll.js';

const MEMBER_KINDS = ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Secret', 'Lease'];

/** The member channel's children the hooks render for the Spark example named `name` in `ns`. */
function rendered(ns: string, name: string, uid: string): KubeObject[] {
  const cluster = readYaml<KubeObject>('clusters/spark.yaml');
  const parent = { ...cluster, metadata: { ...cluster.metadata, name, namespace: ns, uid, generation: 1 } };
  const response = sync(request({ parent, apps: [app('test/fixtures/apps/spark.yaml', ns)] }), OPTIONS);
  return response.children.filter((c) => MEMBER_KINDS.includes(c.kind));
}

const session = await useControlPlane(t);
if (session) {
  const { kube } = session;
  t.test('a member token reaches its own cluster’s channel objects and nothing else', async (t) => {
    const ns = await freshNamespace(kube, 'member-rbac');
    const own = rendered(ns, 'alpha', '7d3f0c1e-0000-4000-8000-00000000000a');
    const other = rendered(ns, 'beta', '7d3f0c1e-0000-4000-8000-00000000000b');
    for (const child of [...own, ...other]) await kube.create(child, { fieldValidation: 'Strict' });
    await kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated', namespace: ns }, data: {} });

    const of = (children: KubeObject[], kind: string) => children.filter((c) => c.kind === kind).map((c) => c.metadata.name);
    const [account = ''] = of(own, 'ServiceAccount');
    const token = (
      await kube.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${account}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      })
    ).status.token as string;
    const member = kube.withToken(token);
    t.teardown(() => {
      member.close();
    });
    const api = `/api/v1/namespaces/${ns}`;
    const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
    const annotate = (name: string) =>
      member.statusOf('PATCH', `${leases}/${name}`, { metadata: { annotations: { probe: 'x' } } }, 'application/merge-patch+json');

    // The authorizer learns of new RoleBindings from its informer, a moment after the write.
    const [configMap = ''] = of(own, 'ConfigMap');
    await until('the rendered Role to take effect', async () => (await member.statusOf('GET', `${api}/configmaps/${configMap}`)) === 200);
    t.equal(await member.statusOf('GET', `${api}/secrets/${of(own, 'Secret')[0] ?? ''}`), 200, 'its Secret');
    t.equal(
      await member.statusOf('GET', `${api}/configmaps?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3D${configMap}`),
      200,
      'a watch of its ConfigMap by name',
    );
    t.ok(of(own, 'Lease').length > 1, 'one Lease per member');
    for (const lease of of(own, 'Lease')) t.equal(await annotate(lease), 200, `patch of its cluster's Lease ${lease}`);

    for (const lease of of(other, 'Lease')) t.equal(await annotate(lease), 403, `another cluster's Lease ${lease}`);
    t.equal(await member.statusOf('GET', `${api}/configmaps/${of(other, 'ConfigMap')[0] ?? ''}`), 403, "another cluster's ConfigMap");
    t.equal(await member.statusOf('GET', `${api}/secrets/${of(other, 'Secret')[0] ?? ''}`), 403, "another cluster's Secret");
    t.equal(await member.statusOf('GET', `${api}/secrets/unrelated`), 403, 'any other Secret');
    t.equal(await member.statusOf('GET', `${api}/pods`), 403, 'pods');
    t.equal(await member.statusOf('GET', `${api}/configmaps`), 403, 'a list of ConfigMaps');
    t.equal(
      await member.statusOf('PUT', `${api}/configmaps/${configMap}`, { ...own.find((c) => c.kind === 'ConfigMap') }),
      403,
      'writing its ConfigMap',
    );
  });
}
