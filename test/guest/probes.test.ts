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

t.test('ready once the initial configure is done, and new generations never make it NotReady', async (t) => {
  const guest = workerGuest(t.testdir());
  t.same(await probes(guest, 1), [false], 'not ready before the agent ran');
  t.equal(await guest.alive(), true, 'alive before the agent ran');

  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.same(await probes(guest, 2), [true, true], 'ready as soon as it is configured');

  guest.publish({ generation: 2, members: MEMBERS });
  t.same(await probes(guest, 2), [true, true], 'published, not yet processed: still ready');
  await guest.step();
  t.equal(guest.state('processed'), '2');
  t.same(await probes(guest, 2), [true, true], 'processed: still ready');
});

t.test('a failing notification leaves readiness and liveness alone', async (t) => {
  const guest = workerGuest(t.testdir());
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  guest.publish({
    generation: 2,
    members: MEMBERS,
    events: [['2.1', 'worker', '--delnodes', '--nodegroup', '1', '--role', 'controller', '--fqdns', MEMBERS[0]!.fqdn]],
  });
  guest.failEvent('delnodes');
  await guest.step();
  t.equal(guest.state('processed'), '1', 'the generation is not processed while the event is retried');
  t.equal(await guest.ready(), true, 'still ready');
  t.equal(await guest.alive(), true, 'a failing notification does not restart the container');

  guest.healEvent('delnodes');
  await guest.step();
  t.equal(guest.state('processed'), '2');
  t.equal(await guest.ready(), true);
});

t.test('a member that is not configured is never ready, even with processed in place', async (t) => {
  const guest = workerGuest(t.testdir());
  guest.publish({ generation: 1, members: MEMBERS });
  guest.write('/etc/guestconfig/agent/processed', '1\n');
  t.equal(await guest.ready(), false);
  await guest.step();
  t.equal(await guest.ready(), true);
});
