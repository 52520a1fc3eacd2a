import t from 'tap';
import type { ContainerOutcome } from '../../src/sim/index.js';
import { cluster, NS, setup, statefulSet, type Json, type Handler } from './fixtures.js';

/** Sync returns one StatefulSet; customize asks for the cluster's pods, so each sync sees them as related. */
const handler: Handler = (hook, _request) => {
  if (hook === 'customize')
    return {
      relatedResources: [
        { apiVersion: 'v1', resource: 'pods', namespace: NS, labelSelector: { matchLabels: { 'kd.example/set': 'web' } } },
      ],
    };
  return { status: {}, children: [statefulSet('web', { replicas: 1, storage: '' })], ...(hook === 'finalize' ? { finalized: true } : {}) };
};

/** The app container of web-0 as the last sync request saw it. */
function seenBySync(calls: { hook: string; request: unknown }[]): Json {
  const request = calls.filter((c) => c.hook === 'sync').at(-1)!.request as Json;
  return request.related['Pod.v1']['demo/web-0'].status.containerStatuses[0];
}

t.test('a failed pod shows its termination to the next sync, backs off for a round, restarts, then is probed', async (t) => {
  const sim = await setup(t, handler);
  sim.apply(cluster());
  await sim.converge();
  const started = sim.get('pod', NS, 'web-0') as Json;
  t.match(started.status.containerStatuses, [
    { name: 'app', ready: true, started: true, restartCount: 0, state: { running: {} }, containerID: /^containerd:\/\/[0-9a-f]{64}$/ },
  ]);
  t.match(
    started.status.conditions.map((c: Json) => `${c.type}=${c.status}`),
    ['Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
  );

  await sim.failPod(NS, 'web-0', { exitCode: 3, message: 'configure failed' });
  const failed = sim.get('pod', NS, 'web-0') as Json;
  t.match(failed.status.containerStatuses[0], {
    ready: false,
    state: { terminated: { exitCode: 3, reason: 'Error', message: 'configure failed' } },
  });
  t.match(failed.status.conditions, [{}, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }]);

  await sim.round();
  t.match(seenBySync(sim.calls), { state: { terminated: { exitCode: 3, message: 'configure failed' } } }, 'the hook sees the termination');
  await sim.round();
  t.match(seenBySync(sim.calls), {
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    lastState: { terminated: { message: 'configure failed' } },
    restartCount: 0,
  });
  await sim.round();
  const restarted = seenBySync(sim.calls);
  t.match(
    restarted,
    { state: { running: {} }, ready: false, restartCount: 1, lastState: { terminated: { exitCode: 3 } } },
    'not ready before its first probe',
  );
  await sim.round();
  t.match(seenBySync(sim.calls), { ready: true, restartCount: 1 }, 'then ready');
  t.not(restarted.containerID, started.status.containerStatuses[0].containerID, 'a new container');
  t.same(sim.errors, []);
});

t.test('recoverPod restarts the container at once; readiness comes from the next round', async (t) => {
  const sim = await setup(t, handler);
  sim.apply(cluster());
  await sim.converge();
  const before = (sim.get('pod', NS, 'web-0') as Json).status.containerStatuses[0];
  await sim.failPod(NS, 'web-0');
  await sim.recoverPod(NS, 'web-0');
  const recovered = (sim.get('pod', NS, 'web-0') as Json).status.containerStatuses[0];
  t.match(recovered, {
    restartCount: 1,
    ready: false,
    state: { running: {} },
    lastState: { terminated: { exitCode: 1, reason: 'Error' } },
  });
  t.not(recovered.containerID, before.containerID);
  await sim.round();
  t.match((sim.get('pod', NS, 'web-0') as Json).status.containerStatuses[0], { ready: true, restartCount: 1 });
});

t.test('a container that keeps exiting keeps crashing, and the cluster never converges', async (t) => {
  const outcomes: ContainerOutcome[] = [];
  const sim = await setup(t, handler, {
    container: (pod) => {
      const outcome = pod.metadata.name === 'web-0' ? { terminated: { exitCode: 2, message: 'broken' } } : { ready: true };
      outcomes.push(outcome);
      return outcome;
    },
  });
  sim.apply(cluster());
  await t.rejects(sim.converge({ maxRounds: 16 }), /did not converge in 16 rounds/);
  const status = (sim.get('pod', NS, 'web-0') as Json).status.containerStatuses[0];
  t.ok(status.restartCount >= 3, `restarted ${status.restartCount} times`);
  t.ok(outcomes.length > 3, 'the behaviour is asked every time the container runs');
});

t.test('the behaviour decides readiness each round and gets the simulator', async (t) => {
  let ready = false;
  const sim = await setup(t, handler, {
    container: (_pod, s) => ({ ready: ready && s.get('sts', NS, 'web') !== undefined }),
  });
  sim.apply(cluster());
  await sim.converge();
  t.match((sim.get('pod', NS, 'web-0') as Json).status, { phase: 'Running', containerStatuses: [{ ready: false, started: true }] });
  ready = true;
  await sim.converge();
  t.match((sim.get('pod', NS, 'web-0') as Json).status.containerStatuses, [{ ready: true }]);
  t.equal((sim.get('sts', NS, 'web') as Json).status.readyReplicas, 1);
});

t.test('failPod refuses a pod that has not started', async (t) => {
  const sim = await setup(t, handler);
  await t.rejects(sim.failPod(NS, 'web-0'), /pod demo\/web-0 has no started containers/);
});
