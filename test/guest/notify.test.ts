// The guest agent's notifications: events for its role run in id order, once, and tell the
// member only what it does not know yet.
import t from 'tap';
import { NOTIFY_ATTEMPTS } from '../../src/reconcile/status.js';
import { Guest, buildPackage, fqdn, member, membership, type GuestEvent, type GuestOptions, type Publication } from '../support/guest.js';

const controller = member('demo-controller-0', 'controller', 1);
const worker0 = member('demo-worker-0', 'worker', 2);
const worker1 = member('demo-worker-1', 'worker', 3);
const MEMBERS = [controller, worker0, worker1];
const ME = worker0.pod;
const worker2 = fqdn('demo-worker-2');
const worker3 = fqdn('demo-worker-3');

const addnodes = (id: string, fqdns: string, roles = 'worker') => membership('addnodes', id, fqdns, roles);
const delnodes = (id: string, fqdns: string, roles = 'worker') => membership('delnodes', id, fqdns, roles);
const call = (name: string, fqdns: string) => `7|--${name} --nodegroup 1 --role worker --fqdns ${fqdns}`;

/** demo-worker-0, configured at generation 1 (no events yet), knowing the three members. */
async function configuredWorker(root: string, options: Partial<GuestOptions> = {}) {
  const guest = new Guest(root, { pod: ME, role: 'worker', packageUrl: 'file:///packages/app.tgz', ...options });
  guest.write('/packages/app.tgz', buildPackage(root));
  guest.writeSecrets({ controller: {}, worker: {} });
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  if (guest.state('configured') !== '1') throw new Error(`not configured:\n${guest.log()}`);
  return guest;
}

const publish = (guest: Guest, p: Omit<Publication, 'members'>) => {
  guest.publish({ members: MEMBERS, ...p });
};
const known = (guest: Guest) => (guest.read('/etc/guestconfig/agent/known') ?? '').split('\n').filter(Boolean);

t.test("events for this member's role run in id order with upstream-style arguments", async (t) => {
  const guest = await configuredWorker(t.testdir());
  publish(guest, {
    generation: 10,
    // Files list events in any order; ids compare as numbers, generation first, then n.
    events: [
      ['10.1', 'controller,worker', '--reconnect'],
      delnodes('2.10', worker2),
      addnodes('3.1', worker3, 'controller'),
      delnodes('2.9', worker1.fqdn),
      addnodes('2.2', `${worker2},${worker3}`),
    ],
  });
  await guest.step();
  t.same(guest.calls(), [
    '1|--configure',
    call('addnodes', `${worker2},${worker3}`),
    call('delnodes', worker1.fqdn),
    call('delnodes', worker2),
    '1|--reconnect',
  ]);
  t.equal(guest.state('done'), '10.1');
  t.equal(guest.state('processed'), '10');
  t.same(known(guest), [controller.fqdn, worker0.fqdn, worker3].sort(), 'what it knows now');
  t.match(guest.log(), /event 2\.2 attempt 1: startscript --addnodes --nodegroup 1 --role worker --fqdns/);
  t.match(guest.log(), /stdout of addnodes/, 'the runs are logged with their output');

  await guest.step();
  t.equal(guest.calls().length, 5, 'nothing runs twice');
});

t.test('a member is told only what it does not know, and not about a change it is part of', async (t) => {
  const guest = await configuredWorker(t.testdir());
  publish(guest, {
    generation: 2,
    events: [
      addnodes('2.1', `${worker1.fqdn},${worker2}`),
      addnodes('2.2', `${worker0.fqdn},${worker3}`),
      delnodes('2.3', `${worker0.fqdn},${worker1.fqdn}`),
      delnodes('2.4', `${worker2},${worker1.fqdn},${worker3}`),
    ],
  });
  await guest.step();
  t.same(guest.calls(), ['1|--configure', call('addnodes', worker2), call('delnodes', `${worker2},${worker1.fqdn}`)]);
  t.match(guest.log(), /event 2\.2 \(addnodes\) tells this member nothing new: marked done/, 'it joined with worker-3: nothing to tell');
  t.match(guest.log(), /event 2\.3 \(delnodes\) tells this member nothing new: marked done/, 'it is leaving with worker-1: not told');
  t.equal(guest.state('done'), '2.4');
});

t.test('KD_EVENTS filters notifications; --reconnect always runs', async (t) => {
  const guest = await configuredWorker(t.testdir(), { events: 'configure addnodes' });
  const events: GuestEvent[] = [addnodes('2.1', worker2), delnodes('2.2', worker1.fqdn), ['2.3', 'worker', '--reconnect']];
  publish(guest, { generation: 2, events });
  await guest.step();
  t.same(guest.calls(), ['1|--configure', call('addnodes', worker2), '1|--reconnect']);
  t.equal(guest.state('done'), '2.3', 'the filtered event counts as done');
  t.equal(guest.state('processed'), '2');
  t.match(guest.log(), /event 2\.2 \(delnodes\) is not for this role's startscript: marked done/);
  t.notOk(known(guest).includes(worker1.fqdn), 'but the member still knows its peer left');
});

t.test('a new member does not run events that predate its configure', async (t) => {
  const guest = new Guest(t.testdir(), { pod: ME, role: 'worker', packageUrl: 'file:///packages/app.tgz' });
  guest.write('/packages/app.tgz', buildPackage(guest.root));
  guest.writeSecrets({ controller: {}, worker: {} });
  // configmeta at generation 5 already tells it about these members.
  const old = [addnodes('4.1', worker2), delnodes('5.1', worker3)];
  guest.publish({ generation: 5, members: MEMBERS, events: old });
  await guest.step();
  t.same(guest.calls(), ['1|--configure']);
  t.equal(guest.state('done'), '5.1');
  t.equal(guest.state('processed'), '5');

  const later = delnodes('6.1', worker1.fqdn);
  guest.publish({ generation: 6, members: MEMBERS, events: [...old, later] });
  await guest.step();
  t.same(guest.calls(), ['1|--configure', call('delnodes', worker1.fqdn)], 'only what came after its configure');
});

t.test('restarts neither repeat nor lose a queued notification', async (t) => {
  const guest = await configuredWorker(t.testdir());
  const events = [addnodes('2.1', worker2), delnodes('2.2', worker1.fqdn), addnodes('2.3', worker3)];
  publish(guest, { generation: 2, events });
  guest.failEvent('delnodes', 4);
  await guest.step();
  t.same(guest.calls(), ['1|--configure', call('addnodes', worker2), call('delnodes', worker1.fqdn)], 'stops at the failing event');
  t.equal(guest.state('done'), '2.1');
  t.equal(guest.state('attempts'), '2.2 1');
  t.equal(guest.state('processed'), '1', 'generation 2 is not processed yet');

  // A fresh agent process with the same state directory.
  guest.healEvent('delnodes');
  await guest.step();
  t.same(
    guest.calls().slice(3),
    [call('delnodes', worker1.fqdn), call('addnodes', worker3)],
    'the failed one again, then the rest; 2.1 not repeated',
  );
  t.equal(guest.state('done'), '2.3');
  t.equal(guest.state('attempts'), undefined);
  t.equal(guest.state('processed'), '2');

  // The next generation still carries the old events; only the new one runs.
  const next = delnodes('3.1', worker3);
  publish(guest, { generation: 3, events: [...events, next] });
  await guest.step();
  await guest.step();
  t.same(guest.calls().slice(5), [call('delnodes', worker3)]);
  t.equal(guest.calls().filter((c) => c === '1|--configure').length, 1, 'configure ran once in all');
});

t.test('a failing notification gets 3 attempts, then is skipped', async (t) => {
  t.equal(NOTIFY_ATTEMPTS, 3, 'status tells the same attempt limit as the agent keeps');
  const guest = await configuredWorker(t.testdir());
  const events = [addnodes('2.1', worker2), delnodes('2.2', worker1.fqdn)];
  publish(guest, { generation: 2, events });
  guest.failEvent('addnodes');
  await guest.step();
  await guest.step();
  t.same(guest.calls().slice(1), [call('addnodes', worker2), call('addnodes', worker2)]);
  t.equal(guest.state('processed'), '1');
  await guest.step();
  t.same(
    guest.calls().slice(1),
    [call('addnodes', worker2), call('addnodes', worker2), call('addnodes', worker2), call('delnodes', worker1.fqdn)],
    'third attempt, then on to the next',
  );
  t.equal(guest.state('done'), '2.2');
  t.equal(guest.state('processed'), '2');
  t.match(guest.log(), /event 2\.1 failed with status 3, attempt 3 of 3: skipped/);
  await guest.step();
  t.equal(guest.calls().length, 5, 'never a fourth attempt');
});
