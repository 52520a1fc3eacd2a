// The render step on its own: the headless and member Services, the StatefulSets with their
// immutable fields as observed, and PVCs kept or let go by the retention policy.
import t from 'tap';
import type { KubeObject } from '../../../src/api/meta.js';
import { plan } from '../../../src/reconcile/plan.js';
import { renderChildren } from '../../../src/reconcile/render/children.js';
import { resolve } from '../../../src/reconcile/resolve.js';
import { sync } from '../../../src/reconcile/sync.js';
import { asValid, validate } from '../../../src/reconcile/validate.js';
import { clone, readYaml } from '../../support/fixtures.js';
import { OPTIONS, app, applied, request, stored } from '../../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');

function render(cluster: any, children: KubeObject[] = [], status?: unknown) {
  const resolved = resolve(request({ parent: stored(cluster, status ? { status } : {}), apps: [spark], children }), OPTIONS);
  const valid = asValid(resolved, validate(resolved));
  if (!valid) throw new Error('the example is invalid');
  return renderChildren(valid, plan(valid)).children;
}
const of = (children: KubeObject[], kind: string) => children.filter((c) => c.kind === kind) as any[];

t.test('one headless Service that resolves members before they are ready, and a Service per member', async (t) => {
  const services = of(render(manifest), 'Service');
  const headless = services.filter((s) => s.spec.clusterIP === 'None');
  t.equal(headless.length, 1);
  t.equal(headless[0].spec.publishNotReadyAddresses, true);
  const members = services.filter((s) => s.spec.clusterIP !== 'None');
  t.equal(members.length, 4);
  t.ok(
    members.every(
      (s) => s.spec.type === 'LoadBalancer' && s.spec.ports.every((p: any) => p.port === p.targetPort && /^[a-z0-9-]+$/.test(p.name)),
    ),
    'of the default type, ports named as DNS labels',
  );
  const typed = clone(manifest);
  typed.spec.serviceType = 'NodePort';
  t.ok(
    of(render(typed), 'Service')
      .filter((s) => s.spec.clusterIP !== 'None')
      .every((s) => s.spec.type === 'NodePort'),
    'spec.serviceType wins',
  );
});

t.test('StatefulSets: one per role, Parallel, their PVCs left to the cluster', async (t) => {
  const sets = of(render(manifest), 'StatefulSet');
  t.same(
    sets.map((s) => [s.spec.replicas, s.spec.podManagementPolicy, s.spec.persistentVolumeClaimRetentionPolicy.whenDeleted]),
    [
      [1, 'Parallel', 'Retain'],
      [2, 'Parallel', 'Retain'],
      [1, 'Parallel', 'Retain'],
    ],
  );
  t.same(
    sets.map((s) => (s.spec.volumeClaimTemplates ?? []).map((v: any) => v.metadata.name)),
    [[], ['p'], []],
  );
});

t.test('an existing StatefulSet keeps its immutable fields exactly as observed', async (t) => {
  const first = sync(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  const observed = first.children.map((c) => {
    const child = applied(c) as any;
    if (child.kind === 'StatefulSet' && child.spec.volumeClaimTemplates) child.spec.volumeClaimTemplates[0].status = { phase: 'Pending' };
    return child as KubeObject;
  });
  const again = of(render(manifest, observed, first.status), 'StatefulSet');
  const withClaims = again.find((s) => s.spec.volumeClaimTemplates);
  t.same(withClaims.spec.volumeClaimTemplates[0].status, { phase: 'Pending' }, 'volumeClaimTemplates echoed as stored, defaults included');
});

t.test('PVCs: rendered for members, and observed ones kept unless the policy deletes them', async (t) => {
  const first = sync(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  const observed = first.children.map((c) => applied(c));
  const pvcs = of(observed, 'PersistentVolumeClaim').map((p) => p.metadata.name);
  t.equal(pvcs.length, 2);
  const smaller = clone(manifest);
  smaller.spec.roles[1].members = 1;
  const kept = of(render(smaller, observed, first.status), 'PersistentVolumeClaim').map((p) => p.metadata.name);
  t.same(kept.sort(), [...pvcs].sort(), 'whenScaled Retain (the default): both kept');
});
