import t from 'tap';
import { claim, cluster, NS, setup, statefulSet, syncing, type Json, type SetOptions } from './fixtures.js';
import type { Simulator } from '../../src/sim/index.js';

/** A simulator whose sync returns the StatefulSet `web` built from the current options. */
async function withSet(t: Parameters<typeof setup>[0], options: SetOptions) {
  const current = { ...options };
  const sim = await setup(
    t,
    syncing(() => [statefulSet('web', current)]),
  );
  sim.apply(cluster());
  return { sim, current };
}

const names = (sim: Simulator, kind: string) => sim.list(kind, NS).map((o) => o.metadata.name);
const phases = (sim: Simulator) =>
  sim.list('pods', NS).map((p) => `${p.metadata.name}:${(p as Json).status.phase}${p.metadata.deletionTimestamp ? ':deleting' : ''}`);

t.test('Parallel scale up creates every pod and its claim at once; pods start once their claims are bound', async (t) => {
  const { sim } = await withSet(t, { replicas: 3, labels: { role: 'worker' } });
  await sim.round();
  t.same(names(sim, 'pods'), [], 'the StatefulSet is created after the controllers stepped');
  await sim.round();
  t.same(phases(sim), ['web-0:Pending', 'web-1:Pending', 'web-2:Pending']);
  t.same(names(sim, 'pvc'), ['p-web-0', 'p-web-1', 'p-web-2']);
  const set = sim.get('sts', NS, 'web') as Json;
  const pod = sim.get('pod', NS, 'web-1') as Json;
  t.match(pod.metadata.labels, {
    'kd.example/set': 'web',
    role: 'worker',
    'statefulset.kubernetes.io/pod-name': 'web-1',
    'apps.kubernetes.io/pod-index': '1',
    'controller-revision-hash': set.status.updateRevision,
  });
  t.same(pod.metadata.ownerReferences, [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true },
  ]);
  t.match(pod.spec, { hostname: 'web-1', subdomain: 'web-hs', volumes: [{ name: 'p', persistentVolumeClaim: { claimName: 'p-web-1' } }] });
  const pvc = sim.get('pvc', NS, 'p-web-1') as Json;
  t.same(pvc.metadata.labels, { 'kd.example/set': 'web', role: 'worker' }, 'template labels plus the selector');
  t.notOk(pvc.metadata.ownerReferences, 'claims from templates have no owner');
  t.same(pvc.spec.resources, { requests: { storage: '1Gi' } });
  await sim.round();
  t.same(phases(sim), ['web-0:Running', 'web-1:Running', 'web-2:Running']);
  t.same(
    sim.list('pvc', NS).map((c) => (c as Json).status.phase),
    ['Bound', 'Bound', 'Bound'],
  );
  t.match(
    (sim.get('sts', NS, 'web') as Json).status,
    { replicas: 3, updatedReplicas: 3, observedGeneration: 1 },
    'started, not yet probed',
  );
  await sim.round();
  t.match((sim.get('sts', NS, 'web') as Json).status, {
    replicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    updatedReplicas: 3,
    observedGeneration: 1,
  });
  t.same(sim.errors, []);
});

t.test('a pod waits, unschedulable, while a claim it mounts is missing', async (t) => {
  let withClaim = false;
  const sim = await setup(
    t,
    syncing(() => {
      const set = statefulSet('web', { storage: '' });
      set.spec.template.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'shared' } }];
      return [set, ...(withClaim ? [claim('shared')] : [])];
    }),
  );
  sim.apply(cluster());
  await sim.converge();
  const pod = sim.get('pod', NS, 'web-0') as Json;
  t.equal(pod.status.phase, 'Pending');
  t.match(pod.status.conditions, [
    { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'persistentvolumeclaim "shared" not found' },
  ]);
  withClaim = true;
  await sim.round();
  t.equal((sim.get('pod', NS, 'web-0') as Json).status.phase, 'Pending', 'the claim appeared after the kubelet looked');
  await sim.round();
  t.equal((sim.get('pod', NS, 'web-0') as Json).status.phase, 'Running', 'started in the round its claim was bound');
  t.equal((sim.get('pvc', NS, 'shared') as Json).status.phase, 'Bound');
});

t.test('scale down deletes the highest pods; they are gone the next round and their claims stay', async (t) => {
  const { sim, current } = await withSet(t, { replicas: 3 });
  await sim.converge();
  current.replicas = 1;
  await sim.round();
  t.equal((sim.get('sts', NS, 'web') as Json).spec.replicas, 1, 'Metacontroller updated the set; its controller acts next round');
  await sim.round();
  t.same(phases(sim), ['web-0:Running', 'web-1:Running:deleting', 'web-2:Running:deleting']);
  await sim.round();
  t.same(phases(sim), ['web-0:Running']);
  t.same(names(sim, 'pvc'), ['p-web-0', 'p-web-1', 'p-web-2']);
  await sim.converge();
  t.match((sim.get('sts', NS, 'web') as Json).status, { replicas: 1, readyReplicas: 1 });
  current.replicas = 2;
  await sim.converge();
  t.same(phases(sim), ['web-0:Running', 'web-1:Running']);
  t.equal(sim.get('pvc', NS, 'p-web-1')!.metadata.uid, sim.list('pvc', NS)[1]!.metadata.uid, 'the retained claim is reused');
});

t.test('OrderedReady creates one pod at a time, each after the previous is ready', async (t) => {
  const { sim } = await withSet(t, { replicas: 3, policy: 'OrderedReady', storage: '' });
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) {
    await sim.round();
    seen.push(phases(sim).join(','));
  }
  t.same(
    seen.slice(0, 8),
    [
      '',
      'web-0:Pending',
      'web-0:Running',
      'web-0:Running,web-1:Pending',
      'web-0:Running,web-1:Running',
      'web-0:Running,web-1:Running,web-2:Pending',
      'web-0:Running,web-1:Running,web-2:Running',
      'web-0:Running,web-1:Running,web-2:Running',
    ],
    'each pod is created once the previous one is running and ready (a round after it starts)',
  );
});

t.test('a template change rolls one pod at a time, highest ordinal first, waiting for health', async (t) => {
  const { sim, current } = await withSet(t, { replicas: 3, storage: '' });
  await sim.converge();
  const oldRevision = (sim.get('sts', NS, 'web') as Json).status.updateRevision;
  current.image = 'example/app:2.0';
  const images = () =>
    sim
      .list('pods', NS)
      .map(
        (p) =>
          `${p.metadata.name}=${(p as Json).spec.containers[0].image.split(':')[1]}${p.metadata.deletionTimestamp ? '(deleting)' : ''}`,
      )
      .join(' ');
  const history: string[] = [];
  for (let i = 0; i < 12; i++) {
    await sim.round();
    history.push(images());
  }
  t.same(
    [...new Set(history)],
    [
      'web-0=1.0 web-1=1.0 web-2=1.0',
      'web-0=1.0 web-1=1.0 web-2=1.0(deleting)',
      'web-0=1.0 web-1=1.0 web-2=2.0',
      'web-0=1.0 web-1=1.0(deleting) web-2=2.0',
      'web-0=1.0 web-1=2.0 web-2=2.0',
      'web-0=1.0(deleting) web-1=2.0 web-2=2.0',
      'web-0=2.0 web-1=2.0 web-2=2.0',
    ],
  );
  const status = (sim.get('sts', NS, 'web') as Json).status;
  t.not(status.updateRevision, oldRevision);
  t.equal(status.currentRevision, status.updateRevision, 'the rollout completed');
  t.match(status, { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3 });
});

t.test('a rollout waits while a replaced pod is unhealthy, and a reverted template replaces it', async (t) => {
  let image = 'x:1';
  const sim = await setup(
    t,
    syncing(() => [statefulSet('web', { replicas: 2, storage: '', image })]),
    { container: (pod) => ({ ready: (pod as Json).spec.containers[0].image === 'x:1' }) },
  );
  const images = () => sim.list('pods', NS).map((p) => `${p.metadata.name}=${(p as Json).spec.containers[0].image}`);
  sim.apply(cluster());
  await sim.converge();
  image = 'x:2';
  for (let i = 0; i < 6; i++) await sim.round();
  t.same(images(), ['web-0=x:1', 'web-1=x:2'], 'web-1 replaced first; web-0 waits while web-1 is not ready');
  image = 'x:1';
  await sim.converge();
  t.same(images(), ['web-0=x:1', 'web-1=x:1'], 'the unready web-1 is replaced by the reverted template');
});

t.test('OrderedReady: nothing is replaced while a pod is unhealthy', async (t) => {
  let ready = true;
  const sim = await setup(
    t,
    syncing(() => [statefulSet('web', { replicas: 2, storage: '', image: ready ? 'x:1' : 'x:2', policy: 'OrderedReady' })]),
    { container: (pod) => ({ ready: pod.metadata.name !== 'web-0' || ready }) },
  );
  sim.apply(cluster());
  await sim.converge();
  ready = false;
  for (let i = 0; i < 4; i++) await sim.round();
  t.same(
    sim.list('pods', NS).map((p) => (p as Json).spec.containers[0].image),
    ['x:1', 'x:1'],
    'nothing replaced while web-0 is not ready',
  );
});

t.test('a claim being deleted stays until no pod mounts it', async (t) => {
  let withClaim = true;
  const sim = await setup(
    t,
    syncing((request) => [
      statefulSet('web', { replicas: withClaim ? 1 : 0, labels: { 'controller-uid': request.parent.metadata.uid } }),
      ...(withClaim ? [claim('p-web-0', '1Gi', { 'kd.example/set': 'web' })] : []),
    ]),
  );
  sim.apply(cluster());
  await sim.converge();
  t.ok(sim.get('pvc', NS, 'p-web-0')!.metadata.ownerReferences, 'the claim is a child');
  withClaim = false;
  await sim.round();
  t.ok(sim.get('pvc', NS, 'p-web-0')!.metadata.deletionTimestamp, 'Terminating while web-0 mounts it');
  await sim.round();
  t.ok(sim.get('pod', NS, 'web-0')!.metadata.deletionTimestamp);
  t.ok(sim.get('pvc', NS, 'p-web-0'));
  await sim.round();
  t.notOk(sim.get('pod', NS, 'web-0'));
  t.ok(sim.get('pvc', NS, 'p-web-0'), 'the pod went after the claim protection looked');
  await sim.round();
  t.notOk(sim.get('pvc', NS, 'p-web-0'), 'gone once the pod is');
  t.same(sim.errors, []);
});

t.test('the claim retention policy makes the set or a condemned pod an owner of the claims', async (t) => {
  const options: SetOptions = { replicas: 2 };
  const sim = await setup(
    t,
    syncing(() => {
      const set = statefulSet('web', options);
      set.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
      return [set];
    }),
  );
  sim.apply(cluster());
  await sim.converge();
  const setUid = sim.get('sts', NS, 'web')!.metadata.uid;
  t.same(
    sim.get('pvc', NS, 'p-web-1')!.metadata.ownerReferences?.map((r) => r.uid),
    [setUid],
  );
  options.replicas = 1;
  await sim.converge();
  t.notOk(sim.get('pvc', NS, 'p-web-1'), 'the scaled-down claim went with its pod');
  t.ok(sim.get('pvc', NS, 'p-web-0'));
});
