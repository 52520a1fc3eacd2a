// The guest agent's setup: configmeta assembly, setup packages, startscript --configure.
import t from 'tap';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Guest, buildPackage, configmetaFor, member, nodeSection, type GuestOptions } from '../support/guest.js';

const controller = member('demo-controller-0', 'controller', 1);
const worker0 = member('demo-worker-0', 'worker', 2);
const worker1 = member('demo-worker-1', 'worker', 3);
const MEMBERS = [controller, worker0, worker1];

/** demo-worker-0 with a file:// setup package in its image. */
function workerGuest(root: string, options: Partial<GuestOptions> = {}, layout: 'nested' | 'flat' | 'none' = 'nested') {
  mkdirSync(root, { recursive: true });
  const guest = new Guest(root, { pod: worker0.pod, role: 'worker', packageUrl: 'file:///packages/app.tgz', ...options });
  guest.write('/packages/app.tgz', buildPackage(root, layout));
  guest.writeSecrets({ controller: {}, worker: {} });
  return guest;
}

t.test('configure runs once, with --configure, from the startscript directory', async (t) => {
  const guest = workerGuest(t.testdir());
  guest.publish({ generation: 4, members: MEMBERS });
  await guest.step();
  t.same(guest.calls(), ['1|--configure']);
  t.same(guest.read('/startscript.cwd'), `${guest.path('/opt/guestconfig/app-setup')}\n`, 'run from its own directory');
  t.equal(guest.read('/opt/guestconfig/configure.stdout'), 'stdout of configure\n');
  t.equal(guest.read('/opt/guestconfig/configure.stderr'), 'stderr of configure\n');
  t.equal(guest.state('configured'), '4');
  t.equal(guest.state('processed'), '4');
  t.equal(guest.termination(), '', 'an empty termination log after a successful setup');
  t.notOk(existsSync(guest.path('/opt/guestconfig/appconfig.tgz')), 'the downloaded package is removed');

  // Each step is a fresh agent process reading the same state directory.
  await guest.step();
  await guest.step();
  guest.publish({ generation: 5, members: MEMBERS });
  await guest.step();
  t.same(guest.calls(), ['1|--configure'], 'neither another pass nor a new generation configures again');
  t.equal(guest.state('processed'), '5');
  t.match(guest.log(), /running .*startscript --configure/);
});

t.test('configmeta is assembled for the member', async (t) => {
  // Role ids with regex metacharacters, and two that a careless regex would confuse.
  const members = [
    controller,
    member('demo-data-0', 'data.node', 4),
    member('demo-datax-0', 'dataxnode', 5),
    member('demo-w-0', 'w_x-1', 6),
  ];
  const me = members[1]!;
  const guest = new Guest(t.testdir(), { pod: me.pod, role: me.role });
  const secretKeys = { controller: { token: 'c' }, 'data.node': { token: 'dot' }, dataxnode: { token: 'x' }, 'w_x-1': {} };
  const connected = { 'db-creds': { data: { password: 'cGFzcw==' } } };
  guest.writeSecrets(secretKeys, connected);
  guest.publish({ generation: 2, members });
  await guest.step();

  const expected = configmetaFor(members) as ReturnType<typeof configmetaFor> & Record<string, unknown>;
  for (const [role, keys] of Object.entries(secretKeys)) {
    (expected.nodegroups['1'].roles[role] as Record<string, unknown>).secret_keys = keys;
  }
  expected.node = nodeSection(me) as unknown as string;
  (expected.connections as Record<string, unknown>).secrets = connected;
  t.same(guest.configmeta(), expected, 'placeholders replaced, everything else as published');
  const { cluster } = guest.configmeta() as typeof expected;
  t.equal(cluster.description, 'members replace "@kd-node" themselves', 'a placeholder inside a string stays');
  t.equal(cluster.note, 'ends in "@kd-node', 'even when it ends the string');
  t.equal(guest.mode('/etc/guestconfig/configmeta.json'), 0o600);
  t.equal(guest.state('configured'), '2', 'no package: configured with configmeta only');
  t.same(guest.calls(), []);
});

t.test('configmeta waits for the member line and the Secret, and follows new generations', async (t) => {
  const guest = workerGuest(t.testdir());
  guest.publish({ generation: 1, members: [controller] });
  await guest.step();
  t.notOk(existsSync(guest.path('/etc/guestconfig/configmeta.json')), 'not listed in nodes yet: nothing written');
  t.equal(guest.state('configured'), undefined);
  t.equal(guest.state('seen'), undefined, 'the generation is not seen until configmeta is written');
  t.match(guest.log(), /waiting: demo-worker-0 is not in nodes at generation 1/);

  // The ConfigMap lists the member before the kubelet refreshed the Secret with its role.
  guest.writeSecrets({ controller: {} });
  guest.publish({ generation: 2, members: [controller, worker0] });
  await guest.step();
  t.equal(guest.state('configured'), undefined);
  t.match(guest.log(), /waiting: .*secret-keys\.worker\.json is missing/);

  guest.writeSecrets({ controller: {}, worker: { k: 'v' } });
  await guest.step();
  t.equal(guest.state('configured'), '2');
  const first = guest.configmeta() as { nodegroups: { '1': { roles: Record<string, { fqdns: string[] }> } } };
  t.same(first.nodegroups['1'].roles.worker!.fqdns, [worker0.fqdn]);

  guest.publish({ generation: 3, members: MEMBERS });
  await guest.step();
  const second = guest.configmeta() as typeof first;
  t.same(second.nodegroups['1'].roles.worker!.fqdns, [worker0.fqdn, worker1.fqdn], 'rewritten for the new generation');
  t.equal(guest.state('seen'), '3');
  t.equal(guest.mode('/etc/guestconfig/configmeta.json'), 0o600);

  // A Secret refreshed later than the ConfigMap still reaches configmeta.
  guest.writeSecrets({ controller: {}, worker: { k: 'rotated' } }, { late: { data: {} } });
  await guest.step();
  const third = guest.configmeta() as {
    connections: { secrets: unknown };
    nodegroups: { '1': { roles: Record<string, { secret_keys: unknown }> } };
  };
  t.same(third.nodegroups['1'].roles.worker!.secret_keys, { k: 'rotated' });
  t.same(third.connections.secrets, { late: { data: {} } });
  t.same(guest.calls(), ['1|--configure']);
});

t.test('setup packages: configmap:// and a startscript at the top of the package', async (t) => {
  const root = t.testdir();
  const guest = new Guest(root, { pod: worker0.pod, role: 'worker', packageUrl: 'configmap://demo-config/worker.tgz' });
  guest.writeSecrets({ controller: {}, worker: {} });
  guest.publish({
    generation: 1,
    members: MEMBERS,
    packages: { worker: buildPackage(root, 'flat'), controller: Buffer.from('not a package') },
  });
  await guest.step();
  t.same(guest.calls(), ['1|--configure']);
  t.same(guest.read('/startscript.cwd'), `${guest.path('/opt/guestconfig')}\n`);
  t.equal(guest.mode('/opt/guestconfig/startscript') & 0o100, 0o100, 'made executable');
  t.equal(guest.state('configured'), '1');
});

t.test('no package: configured with configmeta only, and notifications are marked done', async (t) => {
  const guest = workerGuest(t.testdir(), { packageUrl: '' });
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.equal(guest.state('configured'), '1');
  t.notOk(existsSync(guest.path('/opt/guestconfig/app-setup/startscript')), 'nothing installed');
  guest.publish({
    generation: 2,
    members: MEMBERS,
    events: [['2.1', 'worker', '--addnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', 'x']],
  });
  await guest.step();
  t.same(guest.calls(), []);
  t.equal(guest.state('done'), '2.1');
  t.equal(guest.state('processed'), '2');
});

t.test('configure not among KD_EVENTS: installed but not run', async (t) => {
  const guest = workerGuest(t.testdir(), { events: 'addnodes delnodes' });
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.same(guest.calls(), []);
  t.ok(existsSync(guest.path('/opt/guestconfig/app-setup/startscript')));
  t.equal(guest.state('configured'), '1');
  guest.publish({
    generation: 2,
    members: MEMBERS,
    events: [['2.1', 'worker', '--addnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', 'x']],
  });
  await guest.step();
  t.same(guest.calls(), ['7|--addnodes --nodegroup 1 --role worker --fqdns x'], 'notifications it handles still run');
});

t.test('a setup package without a startscript is a failed setup', async (t) => {
  const guest = workerGuest(t.testdir(), {}, 'none');
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step(1);
  t.match(guest.termination(), /^kubedirector: configure failed: setup package file:\/\/\/packages\/app\.tgz has no startscript\n/);
  t.equal(guest.state('configured'), undefined);
});

t.test('systemd: configure waits until systemctl answers running', async (t) => {
  const dir = t.testdir();
  const fakes = new Guest(dir, { pod: 'x', role: 'x' });
  // Answers "starting" on its first call, "running" afterwards.
  fakes.write(
    '/booting/systemctl',
    `#!/bin/sh\nn=$(cat "${dir}/systemctl.calls" 2>/dev/null || echo 0)\necho $((n + 1)) >"${dir}/systemctl.calls"\nif [ "$n" -ge 1 ]; then echo running; else echo starting; exit 1; fi\n`,
    0o755,
  );
  fakes.write('/stuck/systemctl', '#!/bin/sh\necho starting\nexit 1\n', 0o755);

  const guest = workerGuest(join(dir, 'booting-root'), { env: { KD_SYSTEMD: '1', PATH: `${dir}/booting:${process.env.PATH}` } });
  guest.publish({ generation: 1, members: MEMBERS });
  await guest.step();
  t.equal(fakes.read('/systemctl.calls'), '2\n', 'asked until it answered running');
  t.same(guest.calls(), ['1|--configure']);

  const stuck = workerGuest(join(dir, 'stuck-root'), {
    env: { KD_SYSTEMD: '1', KD_SYSTEMD_WAIT: '0', PATH: `${dir}/stuck:${process.env.PATH}` },
  });
  stuck.publish({ generation: 1, members: MEMBERS });
  await stuck.step(1);
  t.match(
    stuck.termination(),
    /^kubedirector: configure failed: systemd is not running after 0 s \(systemctl is-system-running: starting\)\n/,
  );
  t.same(stuck.calls(), [], 'configure never started');
});

t.test('a new container whose template names another package configures again with it; the same package does not', async (t) => {
  const root = t.testdir();
  const [v1, v2] = ['package.worker.1111111111111111.tgz', 'package.worker.2222222222222222.tgz'];
  const url = 'configmap://workers-setup/appconfig.tgz';
  /** A container of demo-worker-0 whose /etc is persisted: only /opt (the container's filesystem) starts empty. */
  const container = (key: string) => {
    rmSync(join(root, 'opt'), { recursive: true, force: true });
    return new Guest(root, { pod: worker0.pod, role: 'worker', packageUrl: url, env: { KD_PACKAGE_KEY: key } });
  };
  const first = container(v1);
  first.writeSecrets({ controller: {}, worker: {} });
  first.publish({ generation: 1, members: MEMBERS, carried: { [v1]: buildPackage(root), [v2]: buildPackage(root, 'flat') } });
  await first.step();
  t.same(first.calls(), ['1|--configure']);
  t.equal(first.state('package'), `${url} ${v1}`, 'the package it configured with is recorded');

  const upgraded = container(v2);
  t.notOk(await upgraded.ready(), 'not ready before its first pass: it was configured with another package');
  await upgraded.step();
  t.same(upgraded.calls(), ['1|--configure', '1|--configure'], 'configured again, with the new package');
  t.ok(existsSync(upgraded.path('/opt/guestconfig/startscript')), 'the new package (flat layout) is installed');
  t.equal(upgraded.state('package'), `${url} ${v2}`);
  t.ok(await upgraded.ready());
  t.match(upgraded.log(), /setup package changed from 'configmap:\/\/workers-setup\/appconfig.tgz package.worker.1111111111111111.tgz' to/);

  const restarted = container(v2);
  await restarted.step();
  t.same(restarted.calls(), ['1|--configure', '1|--configure'], 'a restart with the same package installs it without configuring');
  t.ok(await restarted.ready());

  const rolledBack = container(v1);
  await rolledBack.step();
  t.same(rolledBack.calls(), ['1|--configure', '1|--configure', '1|--configure'], 'the old package back: configured again');
  t.ok(existsSync(rolledBack.path('/opt/guestconfig/app-setup/startscript')));
});
