// `agent.sh start`, as the postStart hook runs it: returns at once, and the loop does the work.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { Guest, buildPackage, eventually, member, type GuestEvent } from '../support/guest.js';

const MEMBERS = [member('demo-controller-0', 'controller', 1), member('demo-worker-0', 'worker', 2)];
const ME = 'demo-worker-0';

/** Whether the process exists and is not a zombie. */
const isRunning = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** Processes of the group that still run (zombies, waiting for an init to reap them, don't). */
const groupMembers = (group: number) =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // Fields after the command: state, ppid, pgrp.
        const [, state, , pgrp] = /\) (\S) (\d+) (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8')) ?? [];
        return Number(pgrp) === group && state !== 'Z';
      } catch {
        return false;
      }
    });

/**
 * Starts the agent as the postStart hook does, in a process group of its own as a container's
 * processes are, and returns the loop's pid. The teardown stops the whole group (the loop and
 * whatever it started: a startscript, a sleep) and waits until it is gone, before tap removes the
 * test directory they write to.
 */
async function startAgent(t: { teardown: (fn: () => unknown) => void }, guest: Guest) {
  const started = await guest.run('start', { timeoutMs: 5000, ownProcessGroup: true });
  const group = started.processGroup!;
  const signal = (name: NodeJS.Signals) => {
    if (groupMembers(group).length) process.kill(-group, name);
  };
  t.teardown(async () => {
    signal('SIGTERM');
    // Whatever ignores SIGTERM gets SIGKILL after 5 s.
    await eventually(() => groupMembers(group).length === 0, 5000).catch(() => {
      signal('SIGKILL');
    });
    await eventually(() => groupMembers(group).length === 0, 5000);
  });
  const pid = await eventually(() => {
    const value = Number(guest.state('loop.pid'));
    return Number.isInteger(value) && value > 0 && isRunning(value) ? value : undefined;
  }, 5000);
  return { started, pid };
}

t.test('start returns at once and the background loop configures the member', async (t) => {
  const guest = new Guest(t.testdir(), { pod: ME, role: 'worker', packageUrl: 'file:///packages/app.tgz' });
  guest.write('/packages/app.tgz', buildPackage(guest.root));
  guest.writeSecrets({ controller: {}, worker: {} });
  guest.publish({ generation: 1, members: MEMBERS });

  // The loop never ends: had it kept the hook's stdout or stderr open, this would time out.
  const { started, pid } = await startAgent(t, guest);
  t.equal(started.code, 0);
  t.ok(started.ms < 2000, `returned in ${started.ms} ms`);
  t.equal(started.stdout + started.stderr, '');

  await eventually(() => guest.state('processed') === '1', 10000);
  t.same(guest.calls(), ['1|--configure']);
  t.equal(await guest.ready(), true);
  t.match(guest.log(), `agent loop started (pid ${pid})`);

  // The running loop picks up a new generation by itself.
  const event: GuestEvent = ['2.1', 'worker', '--addnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', 'new.x'];
  guest.publish({ generation: 2, members: MEMBERS, events: [event] });
  await eventually(() => guest.state('processed') === '2', 10000);
  t.same(guest.calls(), ['1|--configure', '7|--addnodes --nodegroup 1 --role worker --fqdns new.x']);
});

t.test('a new agent process over the same state resumes where the last one stopped', async (t) => {
  const guest = new Guest(t.testdir(), { pod: ME, role: 'worker', packageUrl: 'file:///packages/app.tgz' });
  guest.write('/packages/app.tgz', buildPackage(guest.root));
  guest.writeSecrets({ controller: {}, worker: {} });
  const events: GuestEvent[] = [
    ['2.1', 'worker', '--addnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', 'a.x'],
    ['2.2', 'worker', '--delnodes', '--nodegroup', '1', '--role', 'controller', '--fqdns', MEMBERS[0]!.fqdn],
  ];
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  guest.publish({ generation: 2, members: MEMBERS, events });
  guest.failEvent('delnodes');
  await guest.step();
  const delnodes = `7|--delnodes --nodegroup 1 --role controller --fqdns ${MEMBERS[0]!.fqdn}`;
  t.same(guest.calls(), ['1|--configure', '7|--addnodes --nodegroup 1 --role worker --fqdns a.x', delnodes]);

  // The container restarts with its state on the PVC: a new agent loop takes over.
  guest.healEvent('delnodes');
  t.equal((await startAgent(t, guest)).started.code, 0);
  await eventually(() => guest.state('processed') === '2', 10000);
  t.same(guest.calls().slice(3), [delnodes], 'only the unfinished event, once');
});

t.test('start clears a failed setup before the probes begin, and the new loop retries it', async (t) => {
  const guest = new Guest(t.testdir(), { pod: ME, role: 'worker', packageUrl: 'file:///packages/app.tgz' });
  guest.write('/packages/app.tgz', buildPackage(guest.root));
  guest.writeSecrets({ controller: {}, worker: {} });
  guest.publish({ generation: 1, members: MEMBERS });
  guest.failEvent('configure');
  await guest.step(1);
  t.equal(await guest.alive(), false);

  // The kubelet restarts the container; the cause is gone by now. The new loop's first pass is
  // slowed down (its first cp waits 2 s), and the failure must not be visible meanwhile.
  guest.healEvent('configure');
  const realCp = execFileSync('/bin/sh', ['-c', 'command -v cp'], { encoding: 'utf8' }).trim();
  guest.write(
    '/slowbin/cp',
    `#!/bin/sh\n[ -f "${guest.root}/slow.done" ] || { : >"${guest.root}/slow.done"; sleep 2; }\nexec ${realCp} "$@"\n`,
    0o755,
  );
  guest.env.PATH = `${guest.path('/slowbin')}:${guest.env.PATH}`;
  await startAgent(t, guest);
  t.equal(guest.state('configured'), undefined, 'the loop is still in its first pass');
  t.equal(await guest.alive(), true, 'alive as soon as the hook returned');
  await eventually(() => guest.state('configured') === '1', 10000);
  t.same(guest.calls(), ['1|--configure', '1|--configure']);
  t.equal(guest.termination(), '');
});
