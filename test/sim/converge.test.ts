import t from 'tap';
import { cluster, configMap, NS, setup, statefulSet, syncing, type Json } from './fixtures.js';

t.test('converge runs rounds until one changes nothing, and says how many it took', async (t) => {
  const sim = await setup(
    t,
    syncing(() => [statefulSet('web', { replicas: 2 }), configMap('settings')]),
  );
  sim.apply(cluster());
  const { rounds } = await sim.converge();
  t.equal(rounds, 5, 'create set, create pods, start pods, first probes, then a quiet round');
  t.same(await sim.converge(), { rounds: 1 }, 'already converged');
  const quiet = await sim.round();
  t.same(quiet, { round: 7, changes: [], errors: [], changed: false });
});

t.test('quietRounds waits out containers whose own state moves while nothing observable does', async (t) => {
  let calls = 0;
  // Not ready for three rounds of its own, then ready: the first of those rounds changes nothing.
  const sim = await setup(
    t,
    syncing(() => [statefulSet('web', { replicas: 1 })]),
    { container: () => ({ ready: ++calls > 3 }) },
  );
  sim.apply(cluster());
  await sim.converge();
  t.equal((sim.get('pod', NS, 'web-0') as Json).status.containerStatuses[0].ready, false, 'one quiet round is not enough');
  await sim.converge({ quietRounds: 3 });
  t.equal((sim.get('pod', NS, 'web-0') as Json).status.containerStatuses[0].ready, true, 'three are');
});

t.test('a round reports the objects it changed and the hook answers that differ', async (t) => {
  const sim = await setup(
    t,
    syncing(() => [configMap('settings')]),
  );
  sim.apply(cluster());
  const first = await sim.round();
  t.same(first.changes, [
    'updated KubeDirectorCluster demo/spark (.metadata.finalizers)',
    'created ConfigMap demo/settings',
    'updated KubeDirectorCluster demo/spark (.status)',
    'customize response for demo/spark changed',
    'sync response for demo/spark changed',
  ]);
  t.ok(first.changed);
});

t.test('a status that changes on every call never converges, and the error says what kept changing', async (t) => {
  let counter = 0;
  const sim = await setup(
    t,
    syncing(
      () => [configMap('settings')],
      () => ({ state: 'configured', syncs: ++counter }),
    ),
  );
  sim.apply(cluster());
  const error = await sim.converge({ maxRounds: 5 }).then(
    () => new Error('converged'),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  t.match(
    error.message,
    /^did not converge in 5 rounds; round 5 still changed:\n {2}updated KubeDirectorCluster demo\/spark \(\.status\.syncs\)\n {2}sync response for demo\/spark changed$/,
  );
});

t.test('a response that changes without changing objects also keeps a round from being quiet', async (t) => {
  let counter = 0;
  const sim = await setup(t, (hook) =>
    hook === 'customize' ? { relatedResources: [] } : { status: {}, children: [], resyncAfterSeconds: ++counter },
  );
  sim.apply(cluster());
  await t.rejects(sim.converge({ maxRounds: 3 }), /sync response for demo\/spark changed/);
});

t.test('recorded errors are part of the non-convergence message', async (t) => {
  let n = 0;
  const sim = await setup(t, (hook) =>
    hook === 'customize' ? { relatedResources: [] } : { status: { n: ++n }, children: [{ ...configMap('Bad_Name') }] },
  );
  sim.apply(cluster());
  const error = await sim.converge({ maxRounds: 2 }).then(
    () => new Error('converged'),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  t.match(
    error.message,
    /and recorded errors:\n {2}round 2: metacontroller demo\/spark: can't create ConfigMap demo\/Bad_Name: ConfigMap "Bad_Name" is invalid: metadata.name/,
  );
});

t.test('the same inputs give the same world: uids, IPs, timestamps and hook calls', async (t) => {
  const run = async () => {
    const sim = await setup(
      t,
      syncing(() => [
        statefulSet('web', { replicas: 2 }),
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
      ]),
    );
    sim.apply(cluster());
    await sim.converge();
    const kinds = ['kdcluster', 'sts', 'pods', 'pvc', 'svc'];
    return JSON.stringify({ objects: kinds.map((k) => sim.list(k)), requests: sim.calls.map((c) => c.request) });
  };
  const [a, b] = [await run(), await run()];
  t.equal(a, b);
  t.ok(JSON.parse(a).objects.length);
});
