// The member channel end to end in the simulator, with the real agent: members hear of a change
// through the sidecar's copy, report back on their Leases, never go NotReady for it, and a role
// that lists `leave` hands over before its departing pods are removed.
import t, { type Test } from 'tap';
import { SKIP_LEAVE_ANNOTATION } from '../../src/reconcile/plan.js';
import { memberWatch, settle, type PodView } from '../support/member-watch.js';
import { workersWorld } from '../support/workers.js';
import { NAMESPACE } from '../support/world.js';

const fqdn = (ordinal: number) => `workers-worker-${ordinal}.workers.${NAMESPACE}.svc.cluster.local`;
const pod = (ordinal: number) => `workers-worker-${ordinal}`;
const call = (name: string, ...ordinals: number[]) => `7|--${name} --nodegroup 1 --role worker --fqdns ${ordinals.map(fqdn).join(',')}`;

async function setup(t: Test) {
  const workers = await workersWorld({
    app: (app) => {
      app.spec.roles[0].eventList = ['configure', 'addnodes', 'delnodes', 'leave'];
    },
  });
  t.teardown(() => workers.close());
  const { w, agents, cluster, scale } = workers;

  const { observe, notReady, removedBeforeLeave, mustLeave } = memberWatch(agents);
  const converge = (maxRounds = 80) => settle(t, w, observe, maxRounds);
  const status = () => (w.cluster('workers') as any).status;
  return { w, agents, cluster, scale, converge, status, notReady, removedBeforeLeave, mustLeave };
}

t.test('3 workers to 5 and back to 2: no member NotReady, exact notifications, --leave before removal, configured', async (t) => {
  const { agents, scale, converge, status, notReady, removedBeforeLeave, mustLeave } = await setup(t);
  scale(3);
  await converge();
  scale(5);
  await converge();
  t.equal(status().state, 'configured');
  for (const i of [0, 1, 2]) t.same(agents.calls(pod(i)), ['1|--configure', call('addnodes', 3, 4)], `${pod(i)} hears of the newcomers`);

  for (const i of [2, 3, 4]) mustLeave.add(pod(i));
  scale(2);
  await converge();
  t.equal(status().state, 'configured');
  t.same(
    status().roles[0].members.map((m: { pod: string }) => m.pod),
    [pod(0), pod(1)],
  );
  for (const i of [0, 1]) {
    t.same(agents.calls(pod(i)), ['1|--configure', call('addnodes', 3, 4), call('delnodes', 2, 3, 4)], `${pod(i)}: exactly these`);
  }
  t.same(agents.calls(pod(2)), ['1|--configure', call('addnodes', 3, 4), call('leave', 2)], `${pod(2)} leaves, about itself`);
  for (const i of [3, 4]) t.same(agents.calls(pod(i)), ['1|--configure', call('leave', i)], `${pod(i)} leaves, about itself`);
  t.same(notReady, [], 'no member went NotReady');
  t.same(removedBeforeLeave, [], 'no departing pod was removed before its --leave ran');
  t.equal(status().conditions.find((c: any) => c.type === 'MembersNotified').status, 'True');
});

t.test('a notification failing three times shows in status, and the container is not restarted', async (t) => {
  const { w, agents, scale, converge, status, notReady } = await setup(t);
  scale(3);
  await converge();
  agents.failingEvents.set(pod(0), ['delnodes']);
  scale(2);
  await converge();
  const member = status().roles[0].members.find((m: any) => m.pod === pod(0));
  t.match(member.stateDetail.notifyError, {
    attempts: 3,
    message: 'startscript --delnodes exited with status 4',
    arguments: ['--delnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', fqdn(2)],
    startScriptStdoutMessage: 'delnodes failing as asked\n',
    startScriptStderrMessage: 'delnodes error details\n',
  });
  t.match(
    status().conditions.find((c: any) => c.type === 'MembersNotified'),
    {
      status: 'False',
      reason: 'NotificationFailed',
      message: new RegExp(`${pod(0)}: event \\d+\\.\\d+ failed 3 times`),
    },
  );
  const app = (w.sim.get('Pod', NAMESPACE, pod(0)) as unknown as PodView).status?.containerStatuses?.find((c) => c.name === 'app');
  t.equal(app?.restartCount, 0, 'not restarted');
  t.same(notReady, [], 'and never NotReady');
  t.equal(status().state, 'configured', 'the event was skipped after three attempts, as upstream');
});

t.test('a failed --leave keeps its member until it succeeds or an operator waives it', async (t) => {
  const { agents, cluster, scale, converge, status } = await setup(t);
  scale(3);
  await converge();
  agents.failingEvents.set(pod(2), ['leave']);
  scale(2);
  await converge();
  const leaving = status().roles[0].members.find((m: any) => m.pod === pod(2));
  t.equal(leaving?.state, 'delete pending', 'kept');
  t.match(
    status().conditions.find((c: any) => c.type === 'MembersNotified'),
    { status: 'False', reason: 'LeaveFailed', message: /skip-leave/ },
  );

  cluster((o) => {
    o.spec.roles[0].members = 2;
    o.metadata.annotations = { [SKIP_LEAVE_ANNOTATION]: pod(2) };
  });
  await converge();
  t.same(
    status().roles[0].members.map((m: { pod: string }) => m.pod),
    [pod(0), pod(1)],
    'waived: it goes',
  );
});

t.test('an app that does not list leave behaves as upstream: no --leave, departures as before', async (t) => {
  const { w, agents, scale, converge, status } = await setup(t);
  w.apply('test/fixtures/scenarios/workers-app.yaml');
  scale(3);
  await converge();
  scale(2);
  await converge();
  t.same(agents.calls(pod(2)), ['1|--configure']);
  t.same(
    status().roles[0].members.map((m: { pod: string }) => m.pod),
    [pod(0), pod(1)],
  );
});

t.test('a failed --leave above members that left keeps them all: the StatefulSet takes the highest ordinals first', async (t) => {
  const { w, agents, cluster, scale, converge, status } = await setup(t);
  scale(4);
  await converge();
  agents.failingEvents.set(pod(3), ['leave']);
  scale(1);
  await converge();
  t.same(agents.calls(pod(1)).at(-1), call('leave', 1), `${pod(1)} handed over`);
  t.same(agents.calls(pod(2)).at(-1), call('leave', 2), `${pod(2)} handed over`);
  const pods = () => (w.sim.list('Pod', NAMESPACE) as unknown as PodView[]).map((p) => p.metadata.name).sort();
  t.same(pods(), [pod(0), pod(1), pod(2), pod(3)], 'every pod is still there: removing the lower ones would take the higher one first');
  t.same(
    status().roles[0].members.map((m: { pod: string; state: string }) => [m.pod, m.state]),
    [
      [pod(0), 'configured'],
      [pod(1), 'delete pending'],
      [pod(2), 'delete pending'],
      [pod(3), 'delete pending'],
    ],
  );

  cluster((o) => {
    o.spec.roles[0].members = 1;
    o.metadata.annotations = { [SKIP_LEAVE_ANNOTATION]: pod(3) };
  });
  await converge();
  t.same(pods(), [pod(0)], 'waived: the three go, highest first');
});
