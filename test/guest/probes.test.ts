// The readiness and liveness probes, as the kubelet calls them.
import t from 'tap';
import { Guest, buildPackage, member, type GuestOptions } from '../support/guest.js';

const MEMBERS = [member('demo-controller-0', 'controller', 1), member('demo-worker-0', 'worker', 2)];

function workerGuest(root: string, options: Partial<GuestOptions> = {}) {
  const guest = new Guest(root, { pod: 'demo-worker-0', role: 'worker', packageUrl: 'file:///packages/app.tgz', ...options });
  guest.write('/packages/app.tgz', buildPackage(root));
  guest.writeSecrets({ controller: {}, worker: {} });
  return guest;
}

/** The answers of `count` consecutive readiness probes. */
async function probes(guest: Guest, count: number) {
  const answers: boolean[] = [];
  for (let i = 0; i < count; i++) answers.push(await guest.ready());
  return answers;
}

t.test('readiness holds for KD_HOLD_PROBES calls after each new generation', async (t) => {
  const guest = workerGuest(t.testdir(), { holdProbes: 3 });
  t.same(await probes(guest, 1), [false], 'not ready before the agent ran');
  t.equal(await guest.alive(), true, 'alive before the agent ran');

  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.same(await probes(guest, 5), [false, false, false, true, true]);

  // Published but not yet processed: not ready, with or without a hold.
  guest.publish({ generation: 2, members: MEMBERS });
  t.same(await probes(guest, 2), [false, false], 'processed is behind the generation');
  await guest.step();
  t.same(await probes(guest, 5), [false, false, false, true, true], 'held again for the new generation');

  // More passes on the same generation do not hold it again.
  await guest.step();
  t.same(await probes(guest, 2), [true, true]);
});

t.test('the hold is 5 probes by default, none with KD_HOLD_PROBES=0', async (t) => {
  const guest = workerGuest(t.testdir());
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.same(await probes(guest, 7), [false, false, false, false, false, true, true]);

  const eager = workerGuest(`${guest.root}/eager`, { holdProbes: 0 });
  eager.publish({ generation: 1, members: MEMBERS });
  await eager.step();
  t.same(await probes(eager, 1), [true]);
});

t.test('ready only when every event for this role up to the generation is done', async (t) => {
  const guest = workerGuest(t.testdir(), { holdProbes: 0 });
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.equal(await guest.ready(), true);

  guest.publish({
    generation: 2,
    members: MEMBERS,
    events: [['2.1', 'worker', '--delnodes', '--nodegroup', '1', '--role', 'controller', '--fqdns', MEMBERS[0]!.fqdn]],
  });
  guest.failEvent('delnodes');
  await guest.step();
  t.equal(guest.state('processed'), '1');
  t.equal(await guest.ready(), false, 'a notification still to retry');
  t.equal(await guest.alive(), true, 'a failing notification does not restart the container');

  guest.healEvent('delnodes');
  await guest.step();
  t.equal(guest.state('processed'), '2');
  t.equal(await guest.ready(), true);
});

t.test('a member that is not configured is never ready, even with processed in place', async (t) => {
  const guest = workerGuest(t.testdir(), { holdProbes: 0 });
  guest.publish({ generation: 1, members: MEMBERS });
  guest.write('/etc/guestconfig/agent/processed', '1\n');
  t.equal(await guest.ready(), false);
  await guest.step();
  t.equal(await guest.ready(), true);
});
