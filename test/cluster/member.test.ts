// The member sidecar (src/member) as a process, against the real kube-apiserver, with the token of
// a ServiceAccount whose Role is exactly the one the hooks render: get and watch on the cluster's
// ConfigMap and Secret by name, get/update/patch on the member's Lease, nothing else.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freshNamespace, useControlPlane } from './support/cluster.js';
import type { Obj } from './support/kube.js';
import { sleep, until } from './support/poll.js';

t.setTimeout(300_000);

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// KD_MEMBER_MAIN=dist/member/main.js runs the compiled sidecar, as the image does (after `npm run build`).
const MAIN = resolve(REPO, process.env.KD_MEMBER_MAIN ?? 'src/member/main.ts');
const RUNNER = MAIN.endsWith('.ts') ? 'node with the tsx loader' : 'compiled';
const ANNOTATION = 'kubedirector.hpe.com/member-progress';
const CLUSTER = 'demo';
const POD = 'demo-worker-0';
const POD_UID = '0b5e7c1e-member-test';
const SA = 'demo-member';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A running sidecar: its JSON log lines, and a clean stop. */
class Sidecar {
  readonly lines: Obj[] = [];
  stderr = '';
  private readonly exited: Promise<[number | null, NodeJS.Signals | null]>;

  constructor(readonly child: ChildProcess) {
    this.exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Obj);
      } catch {
        this.lines.push({ msg: line });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  static start(env: Record<string, string>): Sidecar {
    // One node process (no tsx CLI wrapper), so that its pid is the sidecar's; its own process group, to stop whatever it started.
    const child = spawn(process.execPath, MAIN.endsWith('.ts') ? ['--import', 'tsx', MAIN] : [MAIN], {
      cwd: REPO,
      env: { PATH: process.env.PATH!, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Sidecar(child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line from index `from` on that matches. */
  logged(match: (line: Obj) => boolean, what: string, from = 0, timeoutMs = 30_000): Promise<Obj> {
    return until(
      `the sidecar to log ${what}`,
      async () => {
        if (!this.running) throw new Error(`the sidecar exited while waiting for ${what}: ${this.stderr}`);
        return this.lines.slice(from).find(match);
      },
      timeoutMs,
      50,
    );
  }

  /** Resident memory from /proc: the total, and its anonymous part (the file part is mostly the node binary, shared). */
  rss(): string {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
    return `VmRSS ${kib('VmRSS')} KiB (RssAnon ${kib('RssAnon')} KiB, RssFile ${kib('RssFile')} KiB)`;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) process.kill(-this.child.pid!, signal);
    const [code] = await this.exited;
    return code;
  }

  /** For teardown: whatever state it is in, the group is gone afterwards. */
  async kill(): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
  }
}

const session = await useControlPlane(t);
if (session) {
  const { kube, plane } = session;
  const ns = await freshNamespace(kube, 'member-sidecar');
  const api = `/api/v1/namespaces/${ns}`;
  const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
  const work = mkdtempSync(join(tmpdir(), 'kd-member-'));
  const channel = join(work, 'channel');
  const tokenFile = join(work, 'token');
  mkdirSync(channel);
  const sidecars: Sidecar[] = [];
  t.teardown(async () => {
    for (const sidecar of sidecars) await sidecar.kill();
    rmSync(work, { recursive: true, force: true });
  });

  const configMap = (generation: number): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CLUSTER, namespace: ns },
    data: { generation: `${generation}\n`, members: `${POD}\tworker\t1\t${POD}.demo.${ns}.svc\n` },
    binaryData: { 'package.worker.tgz': Buffer.from([0x1f, 0x8b, 0, 255]).toString('base64') },
  });
  const lease = (name: string): Obj => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: ns },
    spec: {},
  });
  await kube.create(configMap(1));
  await kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CLUSTER, namespace: ns },
    data: { 'secret-keys.worker.json': b64('{"k":"v1"}\n') },
  });
  await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: ns }, data: { a: 'b' } });
  await kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other', namespace: ns }, data: { a: b64('b') } });
  await kube.create(lease(POD));
  await kube.create(lease('demo-worker-1'));
  await kube.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: ns } });
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: SA, namespace: ns },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [CLUSTER], verbs: ['get', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [CLUSTER], verbs: ['get', 'watch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [POD], verbs: ['get', 'update', 'patch'] },
    ],
  });
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: SA, namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SA },
    subjects: [{ kind: 'ServiceAccount', name: SA, namespace: ns }],
  });
  const tokenRequest = await kube.request('POST', `${api}/serviceaccounts/${SA}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const token = tokenRequest.status.token as string;
  writeFileSync(tokenFile, token);
  const member = kube.withToken(token);
  t.teardown(() => {
    member.close();
  });

  const env = (extra: Record<string, string> = {}) => ({
    KD_NAMESPACE: ns,
    KD_POD_NAME: POD,
    KD_POD_UID: POD_UID,
    KD_CONFIGMAP: CLUSTER,
    KD_SECRET: CLUSTER,
    KD_LEASE: POD,
    KD_CHANNEL_DIR: channel,
    KD_API_URL: plane.server,
    KD_TOKEN_FILE: tokenFile,
    KD_CA_FILE: plane.caFile,
    ...extra,
  });
  const start = (extra?: Record<string, string>) => {
    const sidecar = Sidecar.start(env(extra));
    sidecars.push(sidecar);
    return sidecar;
  };
  const view = (name: string) =>
    Object.fromEntries(readdirSync(join(channel, name)).map((f) => [f, readFileSync(join(channel, name, f), 'utf8')]));
  const versions = () =>
    readdirSync(channel)
      .filter((e) => e.startsWith('.'))
      .sort();
  const progressOf = async () => (await kube.get('coordination.k8s.io/v1', 'Lease', ns, POD))?.metadata.annotations?.[ANNOTATION];
  const writeProgress = (text: string) => {
    writeFileSync(join(channel, 'progress.tmp'), text);
    renameSync(join(channel, 'progress.tmp'), join(channel, 'progress'));
  };
  /** Milliseconds from began (by default, now) until check holds, checked every 10 ms. */
  const timed = async (what: string, check: () => Promise<boolean> | boolean, began = Date.now()) => {
    await until(what, async () => (await check()) || undefined, 30_000, 10);
    return Date.now() - began;
  };
  const fileIs = (path: string, content: string) => () => existsSync(path) && readFileSync(path, 'utf8') === content;

  t.test('RBAC: the token reaches its own objects by name, and nothing else', async (t) => {
    // The authorizer learns of a new RoleBinding from its informer, a moment after the write.
    await until('the Role to take effect', async () => (await member.statusOf('GET', `${api}/configmaps/${CLUSTER}`)) === 200);
    t.equal(await member.statusOf('GET', `${api}/secrets/${CLUSTER}`), 200, 'get its Secret');
    t.equal(await member.statusOf('GET', `${leases}/${POD}`), 200, 'get its Lease');
    // A watch filtered to one name is authorized as verb watch on that name.
    for (const kind of ['configmaps', 'secrets']) {
      t.equal(
        await member.statusOf('GET', `${api}/${kind}?watch=true&fieldSelector=metadata.name%3D${CLUSTER}&timeoutSeconds=1`),
        200,
        `watch its ${kind} by name`,
      );
      t.equal(await member.statusOf('GET', `${api}/${kind}?watch=true&timeoutSeconds=1`), 403, `no watch of all ${kind}`);
      t.equal(
        await member.statusOf('GET', `${api}/${kind}?fieldSelector=metadata.name%3D${CLUSTER}`),
        403,
        `no list of ${kind}, even by name`,
      );
      t.equal(await member.statusOf('GET', `${api}/${kind}/other`), 403, `no get of another of the ${kind}`);
    }
    t.equal(await member.statusOf('GET', `${api}/pods`), 403, 'no pods');
    t.equal(await member.statusOf('GET', `${api}/pods/${POD}`), 403, 'not even its own pod');
    t.equal(await member.statusOf('GET', `${leases}/demo-worker-1`), 403, 'no other Lease');
    const patch = { metadata: { annotations: { x: 'y' } } };
    t.equal(
      await member.statusOf('PATCH', `${leases}/demo-worker-1`, patch, 'application/merge-patch+json'),
      403,
      'no patch of another Lease',
    );
    t.equal(
      await member.statusOf('PATCH', `${api}/configmaps/${CLUSTER}`, patch, 'application/merge-patch+json'),
      403,
      'no write to its ConfigMap',
    );
    t.equal(await member.statusOf('DELETE', `${leases}/${POD}`), 403, 'no delete of its Lease');
  });

  let first: Sidecar;
  t.test('a started sidecar writes both views and announces its pod on the Lease', async (t) => {
    first = start();
    await until('both views', async () => existsSync(join(channel, 'config/generation')) && existsSync(join(channel, 'secrets')));
    t.same(readdirSync(join(channel, 'config')).sort(), ['generation', 'members', 'package.worker.tgz'], 'one file per key');
    t.equal(readFileSync(join(channel, 'config/generation'), 'utf8'), '1\n');
    t.equal(readFileSync(join(channel, 'config/members'), 'utf8'), `${POD}\tworker\t1\t${POD}.demo.${ns}.svc\n`);
    t.same([...readFileSync(join(channel, 'config/package.worker.tgz'))], [0x1f, 0x8b, 0, 255], 'binaryData decoded');
    t.same(view('secrets'), { 'secret-keys.worker.json': '{"k":"v1"}\n' }, 'Secret data decoded');
    t.match(readlinkSync(join(channel, 'config')), /^\.config-\d+$/, 'config is a link to a version directory');
    t.equal(statSync(join(channel, 'secrets/secret-keys.worker.json')).mode & 0o777, 0o444);
    t.equal(await until('the start patch', progressOf), `{"pod":"${POD_UID}"}`, 'no progress file yet: the pod alone');
  });

  t.test('a ConfigMap update reaches the files within a moment, through the watch', async (t) => {
    const before = readlinkSync(join(channel, 'config'));
    const began = Date.now();
    await kube.update(configMap(2));
    const ms = await timed('generation 2 in the files', fileIs(join(channel, 'config/generation'), '2\n'), began);
    t.comment(`ConfigMap update (from the PUT) -> files: ${ms} ms`);
    t.ok(ms < 10_000, `seen after ${ms} ms`);
    const now = [readlinkSync(join(channel, 'config')), readlinkSync(join(channel, 'secrets'))];
    t.same(versions(), [before, ...now].sort(), 'the previous version is kept beside the current one');
    await kube.update(configMap(3));
    await timed('generation 3 in the files', fileIs(join(channel, 'config/generation'), '3\n'));
    // The old version goes right after the swap to the new one, so it may take a moment more.
    t.ok(
      await until('the oldest version gone', async () => !versions().includes(before), 5_000),
      'versions older than the previous one are deleted',
    );
  });

  t.test('a Secret update reaches the files', async (t) => {
    const began = Date.now();
    await kube.update({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: CLUSTER, namespace: ns },
      data: { 'secret-keys.worker.json': b64('{"k":"v2"}\n') },
    });
    const ms = await timed('the new Secret in the files', fileIs(join(channel, 'secrets/secret-keys.worker.json'), '{"k":"v2"}\n'), began);
    t.comment(`Secret update (from the PUT) -> files: ${ms} ms`);
    t.ok(ms < 10_000, `seen after ${ms} ms`);
  });

  const stdout = 'o'.repeat(5000) + 'END-OF-STDOUT';
  const progress1 =
    'seen\t3\nconfigured\t1\nprocessed\t2\ndone\t2.1\nnotify\t3.1\t2\tstartscript --addnodes exited with status 1\nfuture\tkey\n';
  const expected1 =
    '{"configured":1,"done":"2.1","notify":{"attempts":2,"event":"3.1","reason":"startscript --addnodes exited with status 1",' +
    `"stderr":"boom\\n","stdout":"${stdout.slice(-4096)}"},"pod":"${POD_UID}","processed":2,"seen":3}`;

  t.test('a progress file change lands in the Lease annotation', async (t) => {
    writeFileSync(join(channel, 'notify.stdout'), stdout);
    writeFileSync(join(channel, 'notify.stderr'), 'boom\n');
    writeProgress(progress1);
    const ms = await timed('the progress on the Lease', async () => (await progressOf()) === expected1);
    t.comment(`progress file -> Lease annotation: ${ms} ms`);
    t.equal(await progressOf(), expected1, 'sorted compact JSON, tails cut to their last 4096 bytes, unknown keys dropped');
    t.comment(`sidecar memory (${RUNNER}): ${first.rss()}`);
  });

  let second: Sidecar;
  t.test('a restarted sidecar neither patches the Lease nor rewrites the views', async (t) => {
    const began = Date.now();
    t.equal(await first.stop(), 0, 'SIGTERM: exit 0');
    t.comment(`stopped in ${Date.now() - began} ms`);
    const leaseVersion = (await kube.get('coordination.k8s.io/v1', 'Lease', ns, POD))!.metadata.resourceVersion;
    const targets = [readlinkSync(join(channel, 'config')), readlinkSync(join(channel, 'secrets'))];
    const entries = versions();
    // Short watches from here on, so that the recovery tests see the sidecar reconnect.
    second = start({ KD_WATCH_TIMEOUT: '2' });
    await second.logged((l) => l.msg === 'the Lease carries this progress already', 'the Lease is current');
    await second.logged((l) => l.msg === 'config unchanged', 'the config view is current');
    await second.logged((l) => l.msg === 'secrets unchanged', 'the secrets view is current');
    await sleep(1500);
    t.equal(
      (await kube.get('coordination.k8s.io/v1', 'Lease', ns, POD))!.metadata.resourceVersion,
      leaseVersion,
      'the Lease was not written',
    );
    t.same([readlinkSync(join(channel, 'config')), readlinkSync(join(channel, 'secrets'))], targets, 'the links were not swapped');
    t.same(versions(), entries, 'no version directory was added or removed');
    t.notOk(
      second.lines.some((l) => l.msg === 'progress published'),
      'no patch logged',
    );
  });

  t.test('a deleted ConfigMap leaves the last view; its return is mirrored', async (t) => {
    const from = second.lines.length;
    await kube.delete(configMap(3));
    await second.logged((l) => /does not exist/.test(l.msg), 'the ConfigMap is gone', from);
    await sleep(2500); // past a watch's end: the re-GET finds nothing
    t.equal(readFileSync(join(channel, 'config/generation'), 'utf8'), '3\n', 'the last good view stays');
    await kube.create(configMap(4));
    const ms = await timed('generation 4', fileIs(join(channel, 'config/generation'), '4\n'));
    t.ok(second.running, `recreated: mirrored after ${ms} ms, still running`);
  });

  t.test('a missing Lease is retried until the hooks create it', async (t) => {
    const from = second.lines.length;
    await kube.delete(lease(POD));
    writeProgress('seen\t4\nconfigured\t1\nprocessed\t4\ndone\t2.1\n');
    const expected = `{"configured":1,"done":"2.1","pod":"${POD_UID}","processed":4,"seen":4}`;
    const failure = await second.logged((l) => /Lease/.test(l.msg) && /does not exist/.test(l.error ?? ''), 'the missing Lease', from);
    t.match(failure, { level: 40 }, 'a warning');
    await kube.create(lease(POD));
    await until('the progress on the recreated Lease', async () => (await progressOf()) === expected);
    t.ok(await second.logged((l) => /Lease .*: recovered/.test(l.msg), 'the recovery', from), 'recovery is logged');
  });

  t.test('an invalid token: the sidecar keeps running and recovers when it is valid again', async (t) => {
    const from = second.lines.length;
    writeFileSync(tokenFile, 'not-a-token');
    writeProgress('seen\t5\nconfigured\t1\nprocessed\t5\ndone\t2.1\n');
    await second.logged((l) => /Lease/.test(l.msg) && /HTTP 401/.test(l.error ?? ''), 'the Lease patch refused', from);
    await second.logged((l) => /ConfigMap/.test(l.msg) && /HTTP 401/.test(l.error ?? ''), 'the ConfigMap re-GET refused', from);
    t.ok(second.running, 'still running');
    writeFileSync(tokenFile, token);
    const expected = `{"configured":1,"done":"2.1","pod":"${POD_UID}","processed":5,"seen":5}`;
    await until('the progress after the token is valid again', async () => (await progressOf()) === expected, 60_000);
    await kube.update(configMap(5));
    await timed('generation 5', fileIs(join(channel, 'config/generation'), '5\n'));
    t.ok(await second.logged((l) => /ConfigMap .*: recovered/.test(l.msg), 'the ConfigMap recovery', from), 'recovered and logged');
    const failures = second.lines.slice(from).filter((l) => l.level === 40).length;
    t.ok(failures <= 6, `a few state-change lines, not one per retry (${failures} warnings)`);
  });

  t.test('SIGTERM stops it promptly with status 0', async (t) => {
    t.comment(`sidecar memory after the recovery tests (${RUNNER}): ${second.rss()}`);
    const began = Date.now();
    t.equal(await second.stop(), 0);
    t.ok(Date.now() - began < 5000, `exited in ${Date.now() - began} ms`);
    t.match(second.lines.at(-1), { msg: 'exiting', signal: 'SIGTERM' });
  });
}
