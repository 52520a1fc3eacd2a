// The agent's side of the member channel: it reads the sidecar's copy of the configuration when
// that is at least as new as the ConfigMap volume, reports its progress in the channel, runs the
// opt-in --leave on the departing member only, and reports failed notifications without
// touching readiness or liveness.
import t from 'tap';
import { mkdirSync } from 'node:fs';
import { CHANNEL, Guest, buildPackage, member, membership, startscriptOutput, type GuestOptions } from '../support/guest.js';

const controller = member('demo-controller-0', 'controller', 1);
const worker0 = member('demo-worker-0', 'worker', 2);
const worker1 = member('demo-worker-1', 'worker', 3);
const MEMBERS = [controller, worker0, worker1];

function guestFor(root: string, pod: string, options: Partial<GuestOptions> = {}) {
  const guest = new Guest(root, { pod, role: 'worker', packageUrl: 'file:///packages/app.tgz', ...options });
  guest.write('/packages/app.tgz', buildPackage(root));
  guest.writeSecrets({ controller: {}, worker: {} });
  mkdirSync(guest.path(CHANNEL), { recursive: true });
  return guest;
}

t.test('the newer of the channel and the volume is read; the volume while the channel is behind or absent', async (t) => {
  const guest = guestFor(t.testdir(), worker0.pod);
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.equal(guest.state('seen'), '1', 'no channel copy yet: the volume');

  guest.publish({ generation: 2, members: MEMBERS }, 'channel');
  await guest.step();
  t.equal(guest.state('seen'), '2', 'the sidecar copy is newer: read at once');
  t.match(guest.log(), /generation 2 seen/);

  guest.publish({ generation: 3, members: MEMBERS });
  await guest.step();
  t.equal(guest.state('seen'), '3', 'the volume caught up and passed it: the volume');
});

t.test('progress: what the agent has seen, configured, processed and done, written only when it changes', async (t) => {
  const guest = guestFor(t.testdir(), worker0.pod);
  t.equal(guest.progress(), undefined, 'nothing before the first pass');
  guest.publish({ generation: 4, members: MEMBERS, events: [membership('addnodes', '3.1', worker1.fqdn)] }, 'channel');
  await guest.step();
  t.same(guest.progress(), { seen: '4', configured: '4', processed: '4', done: '3.1' });
  t.equal(guest.mode(`${CHANNEL}/progress`), 0o644, 'readable by the sidecar, which runs as another user');
  const before = guest.read(`${CHANNEL}/progress`);
  await guest.step();
  t.equal(guest.read(`${CHANNEL}/progress`), before);
});

t.test('a failed notification: attempts and output tails in the channel, never a restart or NotReady', async (t) => {
  const guest = guestFor(t.testdir(), worker0.pod);
  guest.publish({ generation: 1, members: MEMBERS }, 'channel');
  await guest.step();
  guest.publish({ generation: 2, members: MEMBERS, events: [membership('delnodes', '2.1', worker1.fqdn)] }, 'channel');
  guest.failEvent('delnodes', 4);
  const output = startscriptOutput('delnodes', { failing: true });
  for (const attempt of [1, 2, 3]) {
    await guest.step();
    t.equal(guest.progress()?.notify, `2.1\t${attempt}\tstartscript --delnodes exited with status 4`, `attempt ${attempt} reported`);
  }
  t.equal(guest.read(`${CHANNEL}/notify.stdout`), output.stdout);
  t.equal(guest.read(`${CHANNEL}/notify.stderr`), output.stderr);
  t.equal(guest.progress()?.processed, '2', 'skipped after the third attempt, as before');
  t.equal(guest.progress()?.done, '2.1');
  t.equal(await guest.ready(), true);
  t.equal(await guest.alive(), true);

  guest.healEvent('delnodes');
  guest.publish({ generation: 3, members: MEMBERS, events: [membership('addnodes', '3.1', worker1.fqdn)] }, 'channel');
  await guest.step();
  t.equal(guest.progress()?.notify, undefined, 'a later event that succeeds clears the report');
});

t.test('--leave runs on the departing member alone, about itself, after its line left the membership', async (t) => {
  const root = t.testdir();
  const events = 'configure addnodes delnodes leave';
  const leaving = guestFor(`${root}/leaving`, worker1.pod, { events });
  const staying = guestFor(`${root}/staying`, worker0.pod, { events });
  for (const guest of [leaving, staying]) {
    guest.publish({ generation: 1, members: MEMBERS }, 'channel');
    await guest.step();
  }
  const departure = {
    generation: 2,
    members: [controller, worker0],
    events: [membership('delnodes', '2.1', worker1.fqdn, 'controller,worker'), membership('leave', '2.2', worker1.fqdn)],
  };
  for (const guest of [leaving, staying]) {
    guest.publish(departure, 'channel');
    await guest.step();
  }
  t.same(
    leaving.calls().slice(1),
    [`7|--leave --nodegroup 1 --role worker --fqdns ${worker1.fqdn}`],
    'the leaver runs --leave, not its own --delnodes',
  );
  t.equal(leaving.progress()?.left, '2.2', 'and reports it');
  t.same(
    staying.calls().slice(1),
    [`7|--delnodes --nodegroup 1 --role worker --fqdns ${worker1.fqdn}`],
    'the others hear --delnodes and never run --leave',
  );
  t.equal(staying.progress()?.left, undefined);
});

t.test('a failed --leave is reported and not marked left', async (t) => {
  const guest = guestFor(t.testdir(), worker1.pod, { events: 'configure addnodes delnodes leave' });
  guest.publish({ generation: 1, members: MEMBERS }, 'channel');
  await guest.step();
  guest.failEvent('leave', 2);
  guest.publish({ generation: 2, members: [controller, worker0], events: [membership('leave', '2.1', worker1.fqdn)] }, 'channel');
  for (let i = 0; i < 3; i++) await guest.step();
  t.equal(guest.progress()?.left, undefined);
  t.equal(guest.progress()?.notify, '2.1\t3\tstartscript --leave exited with status 2');
});

t.test('a role that does not list leave never runs it', async (t) => {
  const guest = guestFor(t.testdir(), worker1.pod);
  guest.publish({ generation: 1, members: MEMBERS }, 'channel');
  await guest.step();
  guest.publish({ generation: 2, members: [controller, worker0], events: [membership('leave', '2.1', worker1.fqdn)] }, 'channel');
  await guest.step();
  t.same(guest.calls(), ['1|--configure']);
  t.equal(guest.progress()?.done, '2.1', 'marked done');
});
