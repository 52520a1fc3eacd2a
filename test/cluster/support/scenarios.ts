// The examples' lives on the real control plane under one of Metacontroller's apply strategies:
// created until configured, stopped and resumed, scaled, a member failing and recovering, deleted
// under both retention policies. test/cluster/scenarios-*.test.ts run them once per strategy.
import type { Test } from 'tap';
import type { ApplyStrategy } from '../../../src/sim/metacontroller/config.js';
import { catalogFiles } from '../../support/catalog.js';
import { freshNamespace, prepareCluster, type Session } from './cluster.js';
import { RealWorld } from './driver.js';
import type { Obj } from './kube.js';

const KD = 'kubedirector.hpe.com/v1beta1';
const roleLabel = 'kubedirector.hpe.com/role';
const RETENTION = 'RetentionPolicySupported';

const members = (cluster: Obj | undefined, role?: string) =>
  ((cluster?.status?.roles ?? []) as Obj[]).filter((r) => !role || r.id === role).flatMap((r) => r.members as Obj[]);
const condition = (cluster: Obj | undefined, type: string) => ((cluster?.status?.conditions ?? []) as Obj[]).find((c) => c.type === type);
const names = (objects: Obj[]) => objects.map((o) => o.metadata.name);

async function open(t: Test, session: Session, strategy: ApplyStrategy, name: string): Promise<RealWorld> {
  const ns = await freshNamespace(session.kube, `${strategy}-${name}`);
  const w = await RealWorld.start(session.kube, ns, strategy);
  t.teardown(() => w.close());
  return w;
}

async function converged(t: Test, w: RealWorld, what: string): Promise<void> {
  const { rounds } = await w.converge();
  t.same(w.errors, [], `${what}: converged in ${rounds} rounds without errors`);
  w.errors.length = 0;
}

export async function runScenarios(t: Test, session: Session, strategy: ApplyStrategy): Promise<void> {
  await prepareCluster(session.kube);

  t.test(
    `${strategy}: Spark is configured, stops and resumes, scales 2 -> 4 -> 1, a member fails and recovers, deletion keeps the PVCs`,
    async (t) => {
      const w = await open(t, session, strategy, 'spark');
      for (const file of catalogFiles('spark')) await w.apply(file);
      await w.apply('clusters/spark.yaml');
      await converged(t, w, 'created');
      let cluster = await w.cluster('spark-demo');
      t.equal(cluster?.status?.state, 'configured', 'the cluster is configured');
      t.same(
        members(cluster).map((m) => m.state),
        ['configured', 'configured', 'configured', 'configured'],
      );
      t.match(condition(cluster, 'Ready'), { status: 'True' });
      t.match(
        condition(cluster, RETENTION),
        strategy === 'dynamic-apply' ? { status: 'True', reason: 'DynamicApply' } : { status: 'False', reason: 'ServerSideApply' },
        'while the cluster lives, the status says whether deleting it can keep its PVCs under this strategy',
      );
      t.equal((await w.list('apps/v1', 'StatefulSet')).length, 3, 'three StatefulSets');
      const pods = await w.list('v1', 'Pod');
      t.equal(pods.length, 4, 'four pods, made by the real StatefulSet controller');
      t.ok(
        pods.every((p) => p.status.conditions.some((c: Obj) => c.type === 'Ready' && c.status === 'True')),
        'every pod is Ready',
      );
      t.same(names(await w.list('v1', 'PersistentVolumeClaim')).length, 2, 'the two workers have PVCs');
      await noWrites(t, w);

      await stopAndResume(t, w);

      const workers = async () => (await w.list('v1', 'Pod')).filter((p) => p.metadata.labels?.[roleLabel] === 'worker');
      const scale = (count: number) => w.apply('clusters/spark.yaml', (o) => (o.spec.roles[1].members = count));
      await scale(4);
      await converged(t, w, 'scaled to 4');
      cluster = await w.cluster('spark-demo');
      t.same(
        members(cluster, 'worker').map((m) => m.state),
        ['configured', 'configured', 'configured', 'configured'],
        'four configured workers',
      );
      t.equal((await workers()).length, 4);
      t.equal(cluster?.status?.state, 'configured');

      await scale(1);
      await converged(t, w, 'scaled to 1');
      cluster = await w.cluster('spark-demo');
      const [worker] = await workers();
      t.same(
        members(cluster, 'worker').map((m) => m.pod),
        [worker?.metadata.name],
        'the highest ordinals left',
      );
      t.equal((await workers()).length, 1);
      const pvcs = names(await w.list('v1', 'PersistentVolumeClaim'));
      t.equal(pvcs.length, 4, 'the PVCs of the members that left are kept');
      t.equal(cluster?.status?.state, 'configured');

      await w.failPod(worker!.metadata.name, { exitCode: 137 });
      await w.round();
      cluster = await w.cluster('spark-demo');
      t.ok(cluster?.status?.memberStateRollup?.membersDown, 'a failed member shows as down');
      await converged(t, w, 'recovered');
      cluster = await w.cluster('spark-demo');
      t.equal(members(cluster, 'worker')[0]?.state, 'configured', 'the member recovers');
      t.match(condition(cluster, 'Ready'), { status: 'True' });

      await w.delete(KD, 'KubeDirectorCluster', 'spark-demo');
      await converged(t, w, 'deleted');
      t.same(names(await w.list('apps/v1', 'StatefulSet')), [], 'no StatefulSet left');
      t.same(names(await w.list('v1', 'Pod')), [], 'no pod left');
      const kept = await w.list('v1', 'PersistentVolumeClaim');
      t.same(names(kept).sort(), pvcs.sort(), 'every PVC is kept by default');
      if (strategy === 'server-side-apply') {
        // Server-side apply puts the parent's controller reference back on every child it applies,
        // the kept PVCs included: the deletion waits, with nothing lost, until someone releases them.
        const waiting = await w.cluster('spark-demo');
        t.ok(waiting?.metadata.deletionTimestamp, 'the deletion waits, and the PVCs with it');
        t.ok(
          kept.every((pvc) => (pvc.metadata.ownerReferences ?? []).some((ref: Obj) => ref.uid === waiting?.metadata.uid)),
          'the kept PVCs still belong to the cluster: nothing was lost',
        );
        const ready = condition(waiting, 'Ready');
        t.match(ready?.message, /kubectl patch pvc .* --type=json/, 'the status says how to release the PVCs by hand');
        t.match(condition(waiting, RETENTION), { status: 'False', reason: 'ServerSideApply' });
        const release = [{ op: 'remove', path: '/metadata/ownerReferences' }];
        for (const pvc of kept) await w.kube.patch(pvc, release, 'json');
        await converged(t, w, 'released by hand');
      }
      t.notOk(await w.cluster('spark-demo'), 'the cluster is gone');
      const left = await w.list('v1', 'PersistentVolumeClaim');
      t.same(names(left).sort(), pvcs.sort(), 'every PVC is still there');
      for (const pvc of left)
        t.same(pvc.metadata.ownerReferences ?? [], [], `${pvc.metadata.name} belongs to nobody, so the garbage collector leaves it`);
    },
  );

  t.test(`${strategy}: a cluster whose policy says Delete loses its PVCs on scale-down and deletion`, async (t) => {
    const w = await open(t, session, strategy, 'spark-delete');
    const policy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
    for (const file of catalogFiles('spark')) await w.apply(file);
    await w.apply('clusters/spark.yaml', (o) => (o.spec.persistentVolumeClaimRetentionPolicy = policy));
    await converged(t, w, 'created');
    t.equal((await w.list('v1', 'PersistentVolumeClaim')).length, 2);
    t.match(
      condition(await w.cluster('spark-demo'), RETENTION),
      { status: 'True', reason: 'DeletePolicy' },
      'whenDeleted: Delete works under both strategies',
    );
    await w.apply('clusters/spark.yaml', (o) => {
      o.spec.persistentVolumeClaimRetentionPolicy = policy;
      o.spec.roles[1].members = 1;
    });
    await converged(t, w, 'scaled to 1');
    t.equal((await w.list('v1', 'PersistentVolumeClaim')).length, 1, 'whenScaled Delete: the departed member lost its PVC');
    await w.delete(KD, 'KubeDirectorCluster', 'spark-demo');
    await converged(t, w, 'deleted');
    t.notOk(await w.cluster('spark-demo'), 'the cluster is gone');
    t.same(names(await w.list('v1', 'PersistentVolumeClaim')), [], 'whenDeleted Delete: no PVC left');
  });

  // Once, not per strategy: growth is an update of the PVC either way.
  if (strategy === 'dynamic-apply') {
    t.test(`${strategy}: a bigger worker storage size grows every PVC; a class that cannot expand keeps them`, async (t) => {
      await volumeGrowth(t, await open(t, session, strategy, 'volumes'));
    });
  }

  for (const app of ['cassandra', 'hadoop', 'kafka', 'tensorflow']) {
    t.test(`${strategy}: the ${app} example is configured, and once converged costs Metacontroller no write`, async (t) => {
      const w = await open(t, session, strategy, app);
      for (const file of catalogFiles(app)) await w.apply(file);
      const cluster = await w.apply(`clusters/${app}.yaml`);
      await converged(t, w, 'created');
      const stored = await w.cluster(cluster.metadata.name);
      t.equal(stored?.status?.state, 'configured');
      t.ok(members(stored).length > 0 && members(stored).every((m) => m.state === 'configured'), 'every member is configured');
      await noWrites(t, w);
    });
  }
}

/** Identity and content of what a stopped cluster keeps, by name: a recreated object would show a new uid. */
const kept = (objects: Obj[]) =>
  Object.fromEntries(
    objects.map((o) => [o.metadata.name, { uid: o.metadata.uid, data: o.data, spec: o.kind === 'Service' ? o.spec : undefined }]),
  );
const claims = (pods: Obj[]) =>
  Object.fromEntries(
    pods.map((p) => [p.metadata.name, (p.spec.volumes as Obj[]).flatMap((v) => v.persistentVolumeClaim?.claimName ?? []).sort()]),
  );

/**
 * The converged Spark example stopped (spec.stopped) and resumed: the real StatefulSet controller
 * removes every pod while the PVCs, Services, ConfigMap, Secret and members stay as they are,
 * then brings the same pods back on the same PVCs.
 */
async function stopAndResume(t: Test, w: RealWorld): Promise<void> {
  const snapshot = async () => ({
    members: members(await w.cluster('spark-demo')).map(({ pod, nodeID, pvc, state }: Obj) => ({ pod, nodeID, pvc, state })),
    pvcs: kept(await w.list('v1', 'PersistentVolumeClaim')),
    services: kept(await w.list('v1', 'Service')),
    configMaps: kept(await w.list('v1', 'ConfigMap')),
    secrets: kept(await w.list('v1', 'Secret')),
  });
  const before = await snapshot();
  const claimsBefore = claims(await w.list('v1', 'Pod'));
  t.equal(Object.values(claimsBefore).flat().length, 2, 'the two workers run on their PVCs');
  const generation = (await w.cluster('spark-demo'))?.status?.configGeneration as number;

  await w.apply('clusters/spark.yaml', (o) => (o.spec.stopped = true));
  await converged(t, w, 'stopped');
  const stopped = await w.cluster('spark-demo');
  t.equal(stopped?.status?.state, 'stopped', 'the cluster reads stopped');
  t.match(condition(stopped, 'Ready'), { status: 'False', reason: 'Stopped' });
  t.same(
    (await w.list('apps/v1', 'StatefulSet')).map((s) => [s.spec.replicas, s.status?.replicas ?? 0]),
    [
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    'every StatefulSet at 0 replicas, and the StatefulSet controller agrees',
  );
  t.same(names(await w.list('v1', 'Pod')), [], 'the real StatefulSet controller removed every pod');
  const whileStopped = await snapshot();
  t.same(whileStopped.pvcs, before.pvcs, 'the same PVCs (same uids)');
  t.same(whileStopped.services, before.services, 'the member and headless Services, unchanged');
  t.same(whileStopped.configMaps, before.configMaps, 'the ConfigMap, unchanged: nobody is told anyone left');
  t.same(whileStopped.secrets, before.secrets, 'the Secret, unchanged');
  t.same(whileStopped.members, before.members, 'the members: pods, node ids, PVCs and states');
  t.equal(stopped?.status?.configGeneration, generation, 'no configuration published');

  await w.apply('clusters/spark.yaml', (o) => (o.spec.stopped = false));
  await converged(t, w, 'resumed');
  const resumed = await w.cluster('spark-demo');
  t.equal(resumed?.status?.state, 'configured', 'configured again');
  t.match(condition(resumed, 'Ready'), { status: 'True' });
  t.same(claims(await w.list('v1', 'Pod')), claimsBefore, 'the same pod names, each on the same PVCs');
  const after = await snapshot();
  t.same(after.pvcs, before.pvcs, 'the PVCs were never recreated');
  t.same(after.members, before.members, 'the same members with the same node ids');
  t.same(after.configMaps, before.configMaps, 'the configuration is as before');
  t.equal(resumed?.status?.configGeneration, generation);
  await noWrites(t, w);
}

/** Two more rounds of a converged cluster: every desired child equals what the server stored, so nothing is written. */
async function noWrites(t: Test, w: RealWorld): Promise<void> {
  const before = w.writes.length;
  await w.round();
  await w.round();
  t.same(
    w.writes.slice(before).filter((write) => !write.startsWith('update status Pod/')),
    [],
    'a converged cluster costs Metacontroller no write: every desired child equals what the server stored',
  );
}

/** A StorageClass that does not allow expansion, cluster-wide like every class. */
const FIXED_CLASS: Obj = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'kd-test-fixed-size' },
  provisioner: 'kubernetes.io/no-provisioner',
  volumeBindingMode: 'Immediate',
  reclaimPolicy: 'Retain',
};

/**
 * Two Spark clusters side by side, workers on the default class (which expands) and on one that
 * does not, both raised from 10Gi to 20Gi. No CSI driver runs here: the real API server takes the
 * bigger request (its resize admission judges it), and the resizer model in ./volumes.ts grows the
 * volume and the claim's capacity as a driver would.
 */
async function volumeGrowth(t: Test, w: RealWorld): Promise<void> {
  await w.kube.apply(FIXED_CLASS, 'kubedirector-hooks-tests', { force: true });
  const spark = (name: string, size: string, storageClassName?: string) => (o: Obj) => {
    o.metadata.name = name;
    o.spec.roles[2].members = 0;
    o.spec.roles[1].storage = { size, ...(storageClassName ? { storageClassName } : {}) };
  };
  const apply = (size: string) =>
    Promise.all([
      w.apply('clusters/spark.yaml', spark('grows', size)),
      w.apply('clusters/spark.yaml', spark('fixed', size, FIXED_CLASS.metadata.name)),
    ]);
  for (const file of catalogFiles('spark')) await w.apply(file);
  await apply('10Gi');
  await converged(t, w, 'created');
  const claims = async (cluster: string) =>
    (await w.list('v1', 'PersistentVolumeClaim')).filter((c) => c.metadata.labels?.['kubedirector.hpe.com/kdcluster'] === cluster);
  const sizes = async (cluster: string) =>
    (await claims(cluster)).map((c) => [c.spec.resources.requests.storage, c.status.capacity?.storage]);
  t.same(await sizes('fixed'), [
    ['10Gi', '10Gi'],
    ['10Gi', '10Gi'],
  ]);
  const templates = async () =>
    (await w.list('apps/v1', 'StatefulSet')).map((s) => [
      s.metadata.name,
      s.spec.volumeClaimTemplates?.[0]?.spec.resources.requests.storage,
    ]);
  const before = await templates();

  const [fixedClaim] = await claims('fixed');
  await t.rejects(
    w.kube.update({ ...fixedClaim, spec: { ...fixedClaim!.spec, resources: { requests: { storage: '20Gi' } } } }),
    /only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/,
    "the real API server's resize admission refuses growth on a class that cannot expand, as the simulator's does",
  );

  await apply('20Gi');
  const seen = new Set<string>();
  await w.converge({
    afterRound: async () => {
      const reason = condition(await w.cluster('grows'), 'VolumesExpanded')?.reason;
      if (reason) seen.add(reason);
    },
  });
  t.same(w.errors, [], 'grown without errors: no write was refused');
  t.ok(seen.has('Expanding'), 'VolumesExpanded was False Expanding while the volumes grew');
  t.same(
    await sizes('grows'),
    [
      ['20Gi', '20Gi'],
      ['20Gi', '20Gi'],
    ],
    'every worker PVC grew in place to 20Gi',
  );
  t.match(condition(await w.cluster('grows'), 'VolumesExpanded'), { status: 'True', reason: 'CapacityMet' });
  t.same(
    await sizes('fixed'),
    [
      ['10Gi', '10Gi'],
      ['10Gi', '10Gi'],
    ],
    'the PVCs on the class that cannot expand are kept',
  );
  t.match(condition(await w.cluster('fixed'), 'VolumesExpanded'), {
    status: 'False',
    reason: 'ExpansionNotSupported',
    message: /StorageClass "kd-test-fixed-size" does not set allowVolumeExpansion: true/,
  });
  t.same(await templates(), before, "the StatefulSets' claim templates stay as they were");
}
