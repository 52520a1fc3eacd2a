// Growing member storage: a bigger role storage size grows every member's PVC in place, the
// StatefulSet's claim templates stay as they were, and VolumesExpanded follows the resize;
// a StorageClass that cannot expand keeps the PVCs as they are and says so.
import t, { type Test } from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { NAMESPACE, world, type World } from '../support/world.js';
import { installApp } from '../support/catalog.js';

type Claim = KubeObject & { spec: any; status: any };

const workerClaims = (w: World) =>
  (w.sim.list('PersistentVolumeClaim', NAMESPACE) as Claim[]).filter((c) => c.metadata.labels?.['kubedirector.hpe.com/role'] === 'worker');
const volumes = (w: World) => w.cluster('spark-demo').status.conditions.find((c: { type: string }) => c.type === 'VolumesExpanded');
const workerSet = (w: World) =>
  w.sim.list('StatefulSet', NAMESPACE).find((s) => s.metadata.labels?.['kubedirector.hpe.com/role'] === 'worker') as KubeObject & {
    spec: any;
  };
const withWorkerStorage = (size: string) => (o: any) => (o.spec.roles[1].storage.size = size);

async function converged(t: Test, w: World, what: string) {
  const { rounds } = await w.sim.converge({ maxRounds: 60 });
  t.same(w.sim.errors, [], `${what}: converged in ${rounds} rounds without errors (no request refused)`);
}

async function sparkWorld(t: Test, storageClasses?: KubeObject[]): Promise<World> {
  const w = await world(undefined, storageClasses ? { storageClasses } : {});
  t.teardown(() => w.close());
  installApp(w, 'spark');
  w.apply('clusters/spark.yaml');
  await converged(t, w, 'created');
  t.same(
    workerClaims(w).map((c) => [c.spec.resources.requests.storage, c.status.capacity.storage]),
    [
      ['10Gi', '10Gi'],
      ['10Gi', '10Gi'],
    ],
  );
  t.match(volumes(w), { status: 'True', reason: 'CapacityMet' });
  return w;
}

t.test('Spark: a bigger worker storage size grows every worker PVC in place; VolumesExpanded is False Expanding, then True', async (t) => {
  const w = await sparkWorld(t);
  const claimUids = workerClaims(w).map((c) => c.metadata.uid);
  const pods = w.sim.list('Pod', NAMESPACE).map((p) => p.metadata.uid);
  const templates = structuredClone(workerSet(w).spec.volumeClaimTemplates);
  t.equal(templates[0].spec.resources.requests.storage, '10Gi');

  w.apply('clusters/spark.yaml', withWorkerStorage('20Gi'));
  const seen: { status: string; reason: string; message: string }[] = [];
  for (let round = 0; round < 6; round++) {
    await w.sim.round();
    const { status, reason, message } = volumes(w);
    if (seen.at(-1)?.message !== message) seen.push({ status, reason, message });
  }
  await converged(t, w, 'grown');
  t.match(
    seen[0],
    { status: 'False', reason: 'Expanding', message: /^growing: p-\S+-0 \(capacity 10Gi of 20Gi, requested 10Gi\), p-\S+-1 / },
    'first the PVCs are asked for more: the condition names each one, its capacity against the size asked for and its own request',
  );
  t.ok(
    seen.some(
      (c) =>
        c.reason === 'Expanding' &&
        /p-\S+-0 \(capacity 10Gi of 20Gi; Resizing; allocatedResourceStatuses.storage: ControllerResizeInProgress\)/.test(c.message),
    ),
    'then it says what each resizing PVC reports',
  );
  t.same(
    seen.map((c) => c.status),
    [...seen.slice(0, -1).map(() => 'False'), 'True'],
    'False while any PVC is short, True once all have caught up',
  );
  t.match(volumes(w), { status: 'True', reason: 'CapacityMet', message: /\(2 bound\)/ });
  t.same(
    workerClaims(w).map((c) => [c.spec.resources.requests.storage, c.status.capacity.storage]),
    [
      ['20Gi', '20Gi'],
      ['20Gi', '20Gi'],
    ],
    'every worker PVC asks for and has 20Gi',
  );
  t.same(
    workerClaims(w).map((c) => c.metadata.uid),
    claimUids,
    'the same PVCs: grown in place',
  );
  t.same(
    w.sim.list('Pod', NAMESPACE).map((p) => p.metadata.uid),
    pods,
    'no pod was replaced',
  );
  t.same(workerSet(w).spec.volumeClaimTemplates, templates, "the StatefulSet's claim templates (immutable) stay as they were");
  t.equal(w.cluster('spark-demo').status.state, 'configured');
});

t.test('Spark on a StorageClass that cannot expand: the PVCs keep their size, ExpansionNotSupported, nothing refused', async (t) => {
  const fixed = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path',
  };
  const w = await sparkWorld(t, [fixed]);
  w.apply('clusters/spark.yaml', withWorkerStorage('20Gi'));
  await converged(t, w, 'asked to grow');
  t.same(
    workerClaims(w).map((c) => c.spec.resources.requests.storage),
    ['10Gi', '10Gi'],
    'the PVCs are left as they are: the API server would refuse the growth',
  );
  const condition = volumes(w);
  t.match(condition, { status: 'False', reason: 'ExpansionNotSupported' });
  for (const claim of workerClaims(w)) t.match(condition.message, `${claim.metadata.name} (capacity 10Gi of 20Gi, requested 10Gi`);
  t.match(condition.message, /StorageClass "standard" does not set allowVolumeExpansion: true/);

  w.sim.apply({ ...fixed, allowVolumeExpansion: true });
  await converged(t, w, 'the class allows expansion');
  t.same(
    workerClaims(w).map((c) => c.status.capacity.storage),
    ['20Gi', '20Gi'],
    'once the class allows it, the PVCs grow',
  );
  t.match(volumes(w), { status: 'True' });
});
