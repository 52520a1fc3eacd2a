// Members configured by the real guest agent, run against the files the hooks render, while
// the simulator plays Metacontroller and Kubernetes: who hears of which change, in which order.
import t, { type Test } from 'tap';
import { workersWorld } from '../support/workers.js';
import { NAMESPACE } from '../support/world.js';

const fqdn = (ordinal: number) => `workers-worker-${ordinal}.workers.${NAMESPACE}.svc.cluster.local`;
const pod = (ordinal: number) => `workers-worker-${ordinal}`;
const notify = (name: string, ...ordinals: number[]) => `7|--${name} --nodegroup 1 --role worker --fqdns ${ordinals.map(fqdn).join(',')}`;

async function setup(t: Test) {
  const workers = await workersWorld();
  t.teardown(() => workers.close());
  const { w, agents, scale } = workers;
  const converge = async () => {
    // A real agent's state can move (a notification retried) in a round where nothing observable changes.
    const { rounds } = await w.sim.converge({ maxRounds: 60, quietRounds: 3 });
    t.same(w.sim.errors, [], `settled in ${rounds} rounds without errors`);
  };
  const status = () => (w.cluster('workers') as any).status;
  return { w, agents, scale, converge, status };
}

t.test('3 workers, scaled to 5 and back to 2: exactly who hears --addnodes and --delnodes, in order', async (t) => {
  const { agents, scale, converge, status } = await setup(t);
  scale(3);
  await converge();
  t.equal(status().state, 'configured');
  for (const i of [0, 1, 2])
    t.same(agents.calls(pod(i)), ['1|--configure'], `${pod(i)}: configured once, no notification (created together)`);

  scale(5);
  await converge();
  t.equal(status().state, 'configured');
  for (const i of [0, 1, 2])
    t.same(agents.calls(pod(i)), ['1|--configure', notify('addnodes', 3, 4)], `${pod(i)} hears of the two newcomers`);
  for (const i of [3, 4]) t.same(agents.calls(pod(i)), ['1|--configure'], `${pod(i)} configured knowing everyone`);

  scale(2);
  await converge();
  t.equal(status().state, 'configured');
  t.same(
    status().roles[0].members.map((m: { pod: string }) => m.pod),
    [pod(0), pod(1)],
  );
  for (const i of [0, 1]) {
    t.same(
      agents.calls(pod(i)),
      ['1|--configure', notify('addnodes', 3, 4), notify('delnodes', 2, 3, 4)],
      `${pod(i)} hears of the three leaving`,
    );
  }
  t.same(agents.calls(pod(2)), ['1|--configure', notify('addnodes', 3, 4)], 'the leaving members are not told of their own departure');
  for (const i of [3, 4]) t.same(agents.calls(pod(i)), ['1|--configure']);
  for (const i of [0, 1]) t.same(status().roles[0].members[i].stateDetail.pendingNotifyCmds, undefined, 'nothing pending once processed');
});

t.test("a failed configure shows as config error with the agent's report, and a retry clears it", async (t) => {
  const { w, agents, scale, converge, status } = await setup(t);
  agents.failing.add(pod(1));
  scale(3);
  for (let round = 0; round < 30 && status()?.roles?.[0]?.members?.[1]?.state !== 'config error'; round++) await w.sim.round();
  const member = status().roles[0].members[1];
  t.equal(member.state, 'config error');
  t.equal(member.stateDetail.configErrorDetail, 'startscript --configure exited with status 3');
  t.equal(member.stateDetail.startScriptStdoutMessage, 'configure failing as asked\n');
  t.equal(member.stateDetail.startScriptStderrMessage, 'configure error details\n');
  t.ok(status().memberStateRollup.configErrors);
  t.equal(status().conditions.find((c: { type: string }) => c.type === 'Ready').reason, 'ConfigError');

  agents.failing.delete(pod(1));
  await converge();
  t.equal(status().roles[0].members[1].state, 'configured', 'the restarted container retried the setup');
  t.notOk(status().roles[0].members[1].stateDetail.configErrorDetail);
  t.equal(status().state, 'configured');
});
