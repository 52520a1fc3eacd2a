// Another version of the app across 3 workers with real guest agents on persisted /etc: one
// member replaced at a time, each configured with the new package before the next; a version
// whose configure fails pauses; pointing the cluster back rolls back the same way.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/meta.js';
import { memberWatch, settle, type PodView } from '../support/member-watch.js';
import { workersWorld, type Workers } from '../support/workers.js';
import { NAMESPACE } from '../support/world.js';

const PODS = ['workers-worker-0', 'workers-worker-1', 'workers-worker-2'];
const ready = (p: PodView) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const condition = (workers: Workers, type: string) =>
  workers.w.cluster('workers').status.conditions.find((c: { type: string }) => c.type === type);
const statefulSet = (workers: Workers) => workers.w.sim.list('StatefulSet', NAMESPACE)[0] as KubeObject & { spec: any };
const carriedKeys = (workers: Workers) =>
  Object.keys(
    (workers.w.sim.list('ConfigMap', NAMESPACE).find((c) => c.metadata.labels?.['kubedirector.hpe.com/configmeta'] === 'true') as any)
      .binaryData ?? {},
  ).sort();

/** Watches every round: the most members not running ready at once, and the order pods were replaced in. */
function rolloutWatch(workers: Workers) {
  const members = memberWatch(workers.agents);
  const uids = new Map<string, string>();
  const replaced: string[] = [];
  let mostDown = 0;
  return {
    members,
    replaced,
    get mostDown() {
      return mostDown;
    },
    observe(pods: PodView[], round: number) {
      members.observe(pods, round);
      const up = pods.filter((p) => PODS.includes(p.metadata.name) && ready(p) && !p.metadata.deletionTimestamp);
      mostDown = Math.max(mostDown, PODS.length - up.length);
      for (const p of pods) {
        const before = uids.get(p.metadata.name);
        if (before !== undefined && before !== p.metadata.uid) replaced.push(p.metadata.name);
        uids.set(p.metadata.name, p.metadata.uid ?? '');
      }
    },
  };
}

async function started(t: Test) {
  const workers = await workersWorld({
    agents: {
      // The 3.0 package's configure fails (exit 3): a broken release.
      prepare: (root, pod) => {
        const key = (pod.spec as any).containers[0].env.find((e: { name: string }) => e.name === 'KD_PACKAGE_KEY')?.value;
        if (key === broken) writeFileSync(join(root, 'fail-configure'), '3');
        return {};
      },
    },
  });
  t.teardown(() => workers.close());
  const v2 = workers.installVersion('workers-2', '2.0');
  const broken = workers.installVersion('workers-3', '3.0');
  const point = (app: string) =>
    workers.cluster((o) => {
      o.spec.app = app;
      o.spec.roles[0].storage = { size: '1Gi' };
    });
  point('workers');
  await settle(t, workers.w, () => undefined);
  t.equal(workers.w.cluster('workers').status.state, 'configured');
  for (const pod of PODS) t.same(workers.agents.calls(pod), ['1|--configure'], `${pod}: configured once`);
  return { workers, v2, point };
}

t.test('3 workers move to 2.0 one at a time, each configured with the new package before the next', async (t) => {
  const { workers, v2, point } = await started(t);
  const oldKeys = carriedKeys(workers);
  const watch = rolloutWatch(workers);
  point('workers-2');
  await settle(t, workers.w, (pods, round) => {
    watch.observe(pods, round);
  });

  t.equal(watch.mostDown, 1, 'exactly one member unconfigured at a time');
  t.same(watch.replaced, ['workers-worker-2', 'workers-worker-1', 'workers-worker-0'], 'highest ordinal first, each once');
  t.same(watch.members.notReady, [], 'no member went NotReady but the one being replaced');
  for (const pod of PODS)
    t.same(workers.agents.calls(pod), ['1|--configure', '1|--configure'], `${pod}: configured again, with the 2.0 package`);
  const status = workers.w.cluster('workers').status;
  t.equal(status.state, 'configured');
  t.match(condition(workers, 'RolledOut'), { status: 'True', reason: 'RolledOut' });
  t.match(condition(workers, 'Valid'), { status: 'True' });
  t.same(carriedKeys(workers), [v2], 'only the 2.0 package is carried once every member has it');
  t.not(oldKeys[0], v2);
  t.notOk(statefulSet(workers).spec.updateStrategy.rollingUpdate, 'no partition left');
  t.same(
    status.roles[0].members.map((m: { nodeID: number }) => m.nodeID),
    [1, 2, 3],
    'the same members',
  );
});

t.test('a version whose configure fails pauses with the others untouched; pointing back rolls back the same way', async (t) => {
  const { workers, point } = await started(t);
  point('workers-2');
  await settle(t, workers.w, () => undefined);
  const uids = () => Object.fromEntries(workers.w.sim.list('Pod', NAMESPACE).map((p) => [p.metadata.name, p.metadata.uid]));
  const before = uids();

  const watch = rolloutWatch(workers);
  point('workers-3');
  // Until the rollout pauses, then a few more rounds in which nothing else may move.
  let after = -1;
  for (let i = 0; i < 60 && after < 4; i++) {
    watch.observe(workers.w.sim.list('Pod', NAMESPACE), (await workers.w.sim.round()).round);
    if (after >= 0 || condition(workers, 'RolledOut')?.reason === 'RolloutPaused') after += 1;
  }
  t.match(condition(workers, 'RolledOut'), {
    status: 'False',
    reason: 'RolloutPaused',
    message: /workers-worker-2 failed to configure on the current template \(startscript --configure exited with status 3\)/,
  });
  t.equal(workers.w.cluster('workers').status.roles[0].members[2].state, 'config error');
  t.equal(statefulSet(workers).spec.updateStrategy.rollingUpdate.partition, 2, 'held: no other member is replaced');
  t.same(
    watch.replaced.filter((p) => p !== 'workers-worker-2'),
    [],
    'workers 0 and 1 were never replaced',
  );
  t.equal(uids()['workers-worker-0'], before['workers-worker-0']);
  t.equal(uids()['workers-worker-1'], before['workers-worker-1']);
  t.equal(watch.mostDown, 1, 'one member down, the failed one');

  point('workers-2');
  await settle(t, workers.w, (pods, round) => {
    watch.observe(pods, round);
  });
  t.equal(workers.w.cluster('workers').status.state, 'configured', 'rolled back');
  t.match(condition(workers, 'RolledOut'), { status: 'True' });
  t.equal(watch.mostDown, 1, 'still one member down at most');
  t.same(
    PODS.slice(0, 2).map((p) => workers.agents.calls(p).length),
    [2, 2],
    'workers 0 and 1 kept their 2.0 setup: no configure since',
  );
  t.ok(workers.agents.calls('workers-worker-2').length >= 4, 'worker-2: 1.0, 2.0, the failed 3.0 attempts, and 2.0 again');
  t.same(watch.members.notReady, [], 'no configured member went NotReady');
});
