// A failed setup: the termination report, the probes, and the retry after a restart.
import t from 'tap';
import { Buffer } from 'node:buffer';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MAX_LOG } from '../../src/reconcile/app-queries.js';
import { Guest, buildPackage, failureReport, member, startscriptOutput, type GuestOptions } from '../support/guest.js';

const MEMBERS = [member('demo-controller-0', 'controller', 1), member('demo-worker-0', 'worker', 2)];
const PREFIX = 'kubedirector: configure failed: ';

function workerGuest(root: string, options: Partial<GuestOptions> = {}) {
  mkdirSync(root, { recursive: true });
  const guest = new Guest(root, {
    pod: 'demo-worker-0',
    role: 'worker',
    packageUrl: 'file:///packages/app.tgz',
    ...options,
  });
  guest.write('/packages/app.tgz', buildPackage(root));
  guest.writeSecrets({ controller: {}, worker: {} });
  guest.publish({ generation: 1, members: MEMBERS });
  return guest;
}

/** Splits a report as the hooks do: the reason, then each section without its added newline. */
function parseReport(report: string) {
  const match = /^kubedirector: configure failed: (.*)\n--- stdout ---\n([\s\S]*)\n--- stderr ---\n([\s\S]*)\n$/.exec(report);
  if (!match) throw new Error(`not a failure report: ${JSON.stringify(report)}`);
  return { reason: match[1]!, stdout: match[2]!, stderr: match[3]! };
}

t.test('a failed configure: report, failed probes, then a retry that succeeds', async (t) => {
  const guest = workerGuest(t.testdir());
  guest.failEvent('configure', 3);
  await guest.step(1);
  const output = startscriptOutput('configure', { failing: true });
  t.equal(guest.termination(), failureReport('startscript --configure exited with status 3', output.stdout, output.stderr));
  t.ok(guest.termination()!.startsWith(PREFIX));
  t.equal(guest.state('failed'), 'startscript --configure exited with status 3');
  t.equal(guest.state('configured'), undefined);
  t.equal(await guest.alive(), false, 'the liveness probe fails, so the kubelet restarts the container');
  t.equal(await guest.ready(), false);

  // The restarted container's agent retries; the cause is gone.
  guest.healEvent('configure');
  await guest.step();
  t.same(guest.calls(), ['1|--configure', '1|--configure']);
  t.equal(guest.termination(), '', 'emptied after the successful setup');
  t.equal(guest.state('failed'), undefined);
  t.equal(guest.state('configured'), '1');
  t.equal(await guest.alive(), true);
  t.equal(await guest.ready(), true);
  t.match(guest.log(), /retrying the setup that failed: startscript --configure exited with status 3/);
});

t.test('the run loop stops after a failed setup, leaving it to the liveness probe', async (t) => {
  const guest = workerGuest(t.testdir());
  guest.failEvent('configure', 5);
  const result = await guest.run('run', { timeoutMs: 8000 });
  t.equal(result.code, 1);
  t.same(guest.calls(), ['1|--configure'], 'no retry inside the same container');
  t.equal(await guest.alive(), false);
});

t.test('tails hold the last KD_MAX_LOG bytes of each output', async (t) => {
  const guest = workerGuest(t.testdir(), { maxLog: 20 });
  const noise = Array.from({ length: 50 }, (_, i) => `noise line ${i}\n`).join('');
  guest.write('/noise', noise);
  guest.failEvent('configure', 2);
  await guest.step(1);
  const output = startscriptOutput('configure', { noise, failing: true });
  const report = parseReport(guest.termination()!);
  t.equal(report.reason, 'startscript --configure exited with status 2');
  t.equal(report.stdout, output.stdout.slice(-20));
  t.equal(report.stderr, output.stderr.slice(-20));
  t.equal(guest.read('/opt/guestconfig/configure.stdout'), output.stdout, 'the whole output stays in /opt/guestconfig');
});

for (const [label, env] of [
  ['unset', {}],
  ['not a number', { KD_MAX_LOG: 'lots' }],
] as const) {
  t.test(`KD_MAX_LOG ${label}: tails of the hooks' default size`, async (t) => {
    const guest = workerGuest(t.testdir(), { env });
    if (label === 'unset') delete guest.env.KD_MAX_LOG;
    const noise = Array.from({ length: 200 }, (_, i) => `noise line ${i}\n`).join('');
    guest.write('/noise', noise);
    guest.failEvent('configure', 2);
    await guest.step(1);
    const output = startscriptOutput('configure', { noise, failing: true });
    const report = parseReport(guest.termination()!);
    t.ok(output.stdout.length > DEFAULT_MAX_LOG, 'more output than the default keeps');
    t.equal(report.stdout, output.stdout.slice(-DEFAULT_MAX_LOG));
  });
}

t.test('KD_MAX_LOG=0 reports no output', async (t) => {
  const guest = workerGuest(t.testdir(), { maxLog: 0 });
  guest.failEvent('configure', 1);
  await guest.step(1);
  t.equal(guest.termination(), failureReport('startscript --configure exited with status 1', '', ''));
});

t.test('the whole report is at most 3500 bytes', async (t) => {
  const guest = workerGuest(t.testdir(), { maxLog: 100000 });
  const noise = Array.from({ length: 400 }, (_, i) => `a long line of noise number ${i}\n`).join('');
  guest.write('/noise', noise);
  guest.failEvent('configure', 3);
  await guest.step(1);
  const text = guest.termination()!;
  t.ok(Buffer.byteLength(text) <= 3500, `${Buffer.byteLength(text)} bytes`);
  t.ok(Buffer.byteLength(text) >= 3499, 'the space is used');
  const output = startscriptOutput('configure', { noise, failing: true });
  const report = parseReport(text);
  t.ok(output.stdout.endsWith(report.stdout) && report.stdout.length > 1000, 'stdout: a long tail');
  t.ok(output.stderr.endsWith(report.stderr) && report.stderr.length > 1000, 'stderr: a long tail');
  t.ok(Math.abs(report.stdout.length - report.stderr.length) <= 1, 'shared half and half');
});

t.test('a short tail leaves its share of the 3500 bytes to the other', async (t) => {
  const guest = workerGuest(t.testdir(), { maxLog: 100000 });
  const errNoise = Array.from({ length: 400 }, (_, i) => `a long line of noise number ${i}\n`).join('');
  guest.write('/noise.err', errNoise);
  guest.failEvent('configure', 3);
  await guest.step(1);
  const text = guest.termination()!;
  const output = startscriptOutput('configure', { errNoise, failing: true });
  const report = parseReport(text);
  t.equal(report.stdout, output.stdout, 'the short stdout whole');
  t.ok(output.stderr.endsWith(report.stderr), 'a tail of stderr');
  t.equal(Buffer.byteLength(text), 3500, 'stderr takes the rest');
});

t.test('a failure before configure: the reason and the command error', async (t) => {
  const dir = t.testdir();
  const guest = workerGuest(join(dir, 'missing'), { packageUrl: 'file:///packages/missing.tgz' });
  await guest.step(1);
  const report = parseReport(guest.termination()!);
  t.equal(report.reason, 'cannot get setup package file:///packages/missing.tgz');
  t.equal(report.stdout, '');
  t.match(report.stderr, /missing\.tgz/, "cp's complaint");
  t.equal(await guest.alive(), false);

  const corrupt = workerGuest(join(dir, 'corrupt'), { packageUrl: 'file:///packages/corrupt.tgz' });
  corrupt.write('/packages/corrupt.tgz', 'not gzip at all');
  await corrupt.step(1);
  t.equal(parseReport(corrupt.termination()!).reason, 'cannot extract setup package file:///packages/corrupt.tgz');

  const odd = workerGuest(join(dir, 'odd'), { packageUrl: 'ftp://example.invalid/app.tgz' });
  await odd.step(1);
  t.equal(parseReport(odd.termination()!).reason, 'unsupported setup package URL ftp://example.invalid/app.tgz');
  t.same(odd.calls(), []);
});

t.test('a very long reason is cut, and stays on one line', async (t) => {
  const url = `file:///packages/${'x'.repeat(3000)}\n.tgz`;
  const guest = workerGuest(t.testdir(), { packageUrl: url });
  await guest.step(1);
  const text = guest.termination()!;
  t.ok(Buffer.byteLength(text) <= 3500);
  const first = text.split('\n')[0]!;
  t.ok(first.startsWith(`${PREFIX}cannot get setup package file:///packages/xxx`));
  t.equal(Buffer.byteLength(first), PREFIX.length + 1000);
  t.match(text, /\n--- stdout ---\n/);
});
