// Stopping a cluster (spec.stopped) and running it again: the pods go, everything else stays,
// and the same members come back on the same PVCs without configuring again.
import t, { type Test } from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { NAMESPACE, world, type World } from '../support/world.js';
import { installApp } from '../support/catalog.js';
import { workersWorld } from '../support/workers.js';

const names = (w: World, kind: string) =>
  w.sim
    .list(kind, NAMESPACE)
    .map((o) => o.metadata.name)
    .sort();
const members = (w: World, cluster: string) =>
  (w.cluster(cluster).status.roles as { members: { pod: string; nodeID: number; state: string; pvc?: string }[] }[]).flatMap((r) =>
    r.members.map(({ pod, nodeID, state, pvc }) => ({ pod, nodeID, state, pvc })),
  );
const condition = (w: World, cluster: string, type: string) =>
  w.cluster(cluster).status.conditions.find((c: { type: string }) => c.type === type);
const configMapData = (w: World) => w.sim.list('ConfigMap', NAMESPACE).map((c: KubeObject & { data?: unknown }) => c.data);

async function converged(t: Test, w: World, quietRounds = 1) {
  const { rounds } = await w.sim.converge({ maxRounds: 60, quietRounds });
  t.same(w.sim.errors, [], `converged in ${rounds} rounds without errors`);
}

t.test(
  'Spark: stopped, every pod goes and PVCs, Services, node ids and configuration stay; resumed, the same members return',
  async (t) => {
    const w = await world();
    t.teardown(() => w.close());
    installApp(w, 'spark');
    const apply = (stopped?: boolean) =>
      w.apply('clusters/spark.yaml', (o) => {
        if (stopped !== undefined) o.spec.stopped = stopped;
      });
    apply();
    await converged(t, w);
    t.equal(w.cluster('spark-demo').status.state, 'configured');
    const before = {
      members: members(w, 'spark-demo'),
      pods: names(w, 'Pod'),
      pvcs: names(w, 'PersistentVolumeClaim'),
      services: names(w, 'Service'),
      config: configMapData(w),
      generation: w.cluster('spark-demo').status.configGeneration,
    };
    t.equal(before.pvcs.length, 2, 'the two workers have PVCs');

    apply(true);
    await converged(t, w);
    const stopped = w.cluster('spark-demo').status;
    t.equal(stopped.state, 'stopped', 'the cluster reads stopped');
    t.match(condition(w, 'spark-demo', 'Ready'), { status: 'False', reason: 'Stopped' });
    t.match(w.sim.table('kdcluster', NAMESPACE), /spark-demo\s+spark\s+stopped\s+4\s+0/, 'kubectl get kdcluster shows it');
    t.same(names(w, 'Pod'), [], 'no pod runs');
    t.same(
      w.sim.list('StatefulSet', NAMESPACE).map((s: KubeObject & { spec?: any }) => s.spec.replicas),
      [0, 0, 0],
      'every StatefulSet at 0 replicas',
    );
    t.same(names(w, 'PersistentVolumeClaim'), before.pvcs, 'PVCs kept');
    t.same(names(w, 'Service'), before.services, 'member Services and the headless Service kept');
    t.same(members(w, 'spark-demo'), before.members, 'members kept: pods, node ids, states and PVCs');
    t.same(configMapData(w), before.config, 'the published configuration is unchanged: nobody is told anyone left');
    t.equal(stopped.configGeneration, before.generation);

    // A scale change while stopped waits for resume.
    const scaled = (stopped: boolean) =>
      w.apply('clusters/spark.yaml', (o) => {
        o.spec.stopped = stopped;
        o.spec.roles[1].members = 3;
      });
    scaled(true);
    await converged(t, w);
    t.same(members(w, 'spark-demo'), before.members, 'no member added while stopped');
    t.same(names(w, 'Pod'), []);

    scaled(false);
    await converged(t, w);
    t.equal(w.cluster('spark-demo').status.state, 'configured', 'configured again');
    t.match(condition(w, 'spark-demo', 'Ready'), { status: 'True' });
    const after = members(w, 'spark-demo');
    t.same(
      after.filter((m) => before.members.some((b) => b.pod === m.pod)),
      before.members,
      'the same members with the same node ids, states and PVCs',
    );
    const added = after.filter((m) => !before.members.some((b) => b.pod === m.pod));
    t.match(added, [{ nodeID: 5, state: 'configured' }], 'the scale change made while stopped applies on resume: one new worker');
    t.same(
      names(w, 'Pod').filter((p) => before.pods.includes(p)),
      before.pods,
      'the same pod names',
    );
    t.same(
      names(w, 'PersistentVolumeClaim').filter((p) => before.pvcs.includes(p)),
      before.pvcs,
      'on the same PVCs',
    );
    t.equal(names(w, 'PersistentVolumeClaim').length, 3, 'and one for the new worker');
  },
);

t.test('real agents on persisted /etc: resumed members do not configure again and nobody hears of a join or a departure', async (t) => {
  const workers = await workersWorld();
  t.teardown(() => workers.close());
  const { w, agents, cluster } = workers;
  const apply = (stopped: boolean) =>
    cluster((o) => {
      o.spec.roles[0].storage = { size: '1Gi' };
      o.spec.stopped = stopped;
    });
  const pods = ['workers-worker-0', 'workers-worker-1', 'workers-worker-2'];
  apply(false);
  await converged(t, w, 3);
  t.equal(w.cluster('workers').status.state, 'configured');
  for (const pod of pods) t.same(agents.calls(pod), ['1|--configure'], `${pod}: configured once`);
  const before = members(w, 'workers');
  t.ok(
    before.every((m) => m.pvc),
    'every member has a PVC',
  );

  apply(true);
  await converged(t, w, 3);
  t.equal(w.cluster('workers').status.state, 'stopped');
  t.same(names(w, 'Pod'), []);

  apply(false);
  await converged(t, w, 3);
  t.equal(w.cluster('workers').status.state, 'configured');
  t.same(members(w, 'workers'), before, 'the same members, node ids and PVCs');
  for (const pod of pods) t.same(agents.calls(pod), ['1|--configure'], `${pod}: no second --configure, no --addnodes or --delnodes`);
});
