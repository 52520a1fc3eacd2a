// The Spark example cluster end to end: the simulator plays Metacontroller and Kubernetes and
// drives the real hook server over HTTP until nothing changes any more.
import t, { type Test } from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { LAST_APPLIED } from '../../src/reconcile/observed.js';
import { NAMESPACE, world, type World } from '../support/world.js';
import { installApp } from '../support/catalog.js';

const CLUSTER = 'spark-demo';

const members = (w: World, role?: string) =>
  (w.cluster(CLUSTER).status.roles as { id: string; members: { pod: string; state: string; nodeID: number }[] }[])
    .filter((r) => !role || r.id === role)
    .flatMap((r) => r.members);
const condition = (w: World, type: string) => w.cluster(CLUSTER).status.conditions.find((c: { type: string }) => c.type === type);
const names = (w: World, kind: string) => w.sim.list(kind, NAMESPACE).map((o) => o.metadata.name);
const lastSync = (w: World) => w.sim.calls.filter((c) => c.hook === 'sync').at(-1)!;

async function converged(t: Test, w: World) {
  const { rounds } = await w.sim.converge({ maxRounds: 40 });
  t.same(w.sim.errors, [], `converged in ${rounds} rounds without errors`);
}

t.test('Spark: create, scale 2 -> 4 -> 1 workers, a member fails and recovers, the app goes away, the cluster is deleted', async (t) => {
  const w = await world();
  t.teardown(() => w.close());
  installApp(w, 'spark');
  w.apply('clusters/spark.yaml');
  await converged(t, w);

  const status = w.cluster(CLUSTER).status;
  t.equal(status.state, 'configured', 'the cluster is configured');
  t.same(
    members(w).map((m) => m.state),
    ['configured', 'configured', 'configured', 'configured'],
    'every member is configured',
  );
  t.match(condition(w, 'Ready'), { status: 'True', reason: 'AllMembersReady' });
  t.equal(status.readyMembers, 4);
  t.same(
    members(w).map((m) => m.nodeID),
    [1, 2, 3, 4],
  );
  t.equal(w.sim.list('StatefulSet', NAMESPACE).length, 3);
  t.equal(w.sim.list('Pod', NAMESPACE).length, 4);
  t.equal(w.sim.list('PersistentVolumeClaim', NAMESPACE).length, 2, 'the two workers have PVCs');
  t.match(w.sim.table('pods', NAMESPACE), /2\/2\s+Running/, 'the app container and its member sidecar');
  t.match(w.sim.table('kdcluster', NAMESPACE), new RegExp(`${CLUSTER}\\s+spark\\s+configured\\s+4\\s+4`));

  t.test('a converged sync returns exactly the observed children, and the same bytes every time', async (t) => {
    const call = lastSync(w);
    const request = call.request as { children: Record<string, Record<string, KubeObject>> };
    const response = call.response as { children: KubeObject[] };
    const observed = Object.values(request.children).flatMap((byName) => Object.values(byName));
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
    t.same(response.children.map(key).sort(), observed.map(key).sort(), 'the same set of children');
    for (const child of response.children) {
      const applied = observed.find((o) => key(o) === key(child))!;
      t.same(child, JSON.parse(applied.metadata.annotations![LAST_APPLIED]!), `${key(child)}: what was applied, unchanged`);
    }
    const body = JSON.stringify(call.request);
    const post = () =>
      fetch(`${w.server.listeningOrigin}/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) =>
        r.text(),
      );
    const [first, second] = [await post(), await post()];
    t.equal(first, second, 'byte-identical responses');
    t.same(JSON.parse(first), call.response);
  });

  const workers = () => w.sim.list('Pod', NAMESPACE).filter((p) => p.metadata.labels?.['kubedirector.hpe.com/role'] === 'worker');
  const scale = async (count: number) =>
    w.apply('clusters/spark.yaml', (o) => {
      o.spec.roles[1].members = count;
    });

  await scale(4);
  await converged(t, w);
  t.same(
    members(w, 'worker').map((m) => [m.state, m.nodeID]),
    [
      ['configured', 2],
      ['configured', 3],
      ['configured', 5],
      ['configured', 6],
    ],
    'scaled up to 4: new node ids',
  );
  t.equal(workers().length, 4);
  t.equal(w.cluster(CLUSTER).status.state, 'configured');

  await scale(1);
  await converged(t, w);
  t.same(
    members(w, 'worker').map((m) => m.pod),
    [workers()[0]!.metadata.name],
    'scaled down to 1: the highest ordinals left',
  );
  t.equal(workers().length, 1);
  const pvcs = names(w, 'PersistentVolumeClaim');
  t.equal(pvcs.length, 4, 'the PVCs of the three members that left are kept');
  t.equal(w.cluster(CLUSTER).status.state, 'configured');

  const [worker] = workers();
  await w.sim.failPod(NAMESPACE, worker!.metadata.name, { exitCode: 137 });
  await w.sim.round();
  t.ok(w.cluster(CLUSTER).status.memberStateRollup.membersDown, 'a failed member shows as down');
  t.match(condition(w, 'Ready'), { status: 'False', reason: 'MembersDown' });
  await w.sim.round(); // back-off
  await w.sim.round(); // restarted, not ready yet
  t.equal(members(w, 'worker')[0]!.state, 'creating', 'its restarted container goes back through creating');
  t.ok(w.cluster(CLUSTER).status.memberStateRollup.membersRestarting);
  await converged(t, w);
  t.equal(members(w, 'worker')[0]!.state, 'configured', 'and recovers');
  t.match(condition(w, 'Ready'), { status: 'True' });

  const before = ['StatefulSet', 'Service', 'PersistentVolumeClaim', 'ConfigMap', 'Secret', 'Pod'].map((k) => names(w, k));
  w.sim.delete('KubeDirectorApp', NAMESPACE, 'spark');
  await converged(t, w);
  t.same(
    ['StatefulSet', 'Service', 'PersistentVolumeClaim', 'ConfigMap', 'Secret', 'Pod'].map((k) => names(w, k)),
    before,
    'the app went away: nothing was deleted',
  );
  t.match(condition(w, 'Valid'), { status: 'False', reason: 'AppNotFound', message: /spec.app: KubeDirectorApp "spark" not found/ });
  installApp(w, 'spark');
  await converged(t, w);
  t.match(condition(w, 'Valid'), { status: 'True' });

  w.sim.delete('KubeDirectorCluster', NAMESPACE, CLUSTER);
  await converged(t, w);
  t.notOk(w.cluster(CLUSTER), 'the cluster is gone');
  t.same(names(w, 'StatefulSet'), []);
  t.same(names(w, 'Pod'), []);
  t.same(names(w, 'PersistentVolumeClaim').sort(), pvcs.sort(), 'every PVC is kept by default');
  for (const pvc of w.sim.list('PersistentVolumeClaim', NAMESPACE))
    t.same(pvc.metadata.ownerReferences ?? [], [], `${pvc.metadata.name} belongs to nobody now`);
});

t.test('deleting a cluster whose policy says Delete removes its PVCs', async (t) => {
  const w = await world();
  t.teardown(() => w.close());
  installApp(w, 'spark');
  w.apply('clusters/spark.yaml', (o) => {
    o.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
  });
  await converged(t, w);
  t.equal(names(w, 'PersistentVolumeClaim').length, 2);
  w.apply('clusters/spark.yaml', (o) => {
    o.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
    o.spec.roles[1].members = 1;
  });
  await converged(t, w);
  t.equal(names(w, 'PersistentVolumeClaim').length, 1, 'whenScaled Delete: the departed member lost its PVC');
  w.sim.delete('KubeDirectorCluster', NAMESPACE, CLUSTER);
  await converged(t, w);
  t.same(names(w, 'PersistentVolumeClaim'), [], 'whenDeleted Delete: no PVC left');
});
