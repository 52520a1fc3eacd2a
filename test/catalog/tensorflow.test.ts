// The tensorflow app: TF_CONFIG for MultiWorkerMirroredStrategy on every chief and worker, built
// by the real setup package under the real agent in the simulator, through creation, scaling
// workers 2 -> 3 -> 1 and member restarts; then the package's run and startscript on their own.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { NAMESPACE } from '../support/world.js';
import { CLUSTER, lifecycle } from './tensorflow/lifecycle.js';

const PACKAGE = new URL('../../catalog/tensorflow/package/', import.meta.url).pathname;
const read = (file: string) => readFileSync(file, 'utf8');
const tfConfig = (root: string) => JSON.parse(read(join(root, 'etc/guestconfig/tf_config.json')));
const event = (name: string, role: string, fqdns: string[]) => `--${name} --nodegroup 1 --role ${role} --fqdns ${fqdns.join(',')}`;

t.test('create, workers 2 -> 3 -> 1, a member restart: every TF_CONFIG exact, configured throughout', async (t) => {
  const l = await lifecycle();
  t.teardown(() => l.close());
  l.scale(2);
  t.not(await l.converge(), -1, 'created and settled');
  t.equal(l.status().state, 'configured');
  t.same(l.w.sim.errors, []);
  const [chief] = l.pods('chief');
  const [w0, w1] = l.pods('worker');
  const [notebook] = l.pods('notebook');
  t.ok(chief && w0 && w1 && notebook && l.pods('worker').length === 2, `members ${chief} ${w0} ${w1} ${notebook}`);
  const fqdnOf = (pod: string) =>
    read(join(l.root(pod), 'etc/kubedirector/members')).match(new RegExp(`^${pod}\\t\\S+\\t\\d+\\t(\\S+)$`, 'm'))?.[1];
  t.equal(fqdnOf(w0!), l.fqdn(w0!), 'members are addressed by their FQDN');

  const cluster2 = { chief: [l.address(chief!)], worker: [l.address(w0!), l.address(w1!)] };
  const expected2 = {
    [chief!]: { cluster: cluster2, task: { type: 'chief', index: 0 } },
    [w0!]: { cluster: cluster2, task: { type: 'worker', index: 0 } },
    [w1!]: { cluster: cluster2, task: { type: 'worker', index: 1 } },
  };
  for (const [pod, config] of Object.entries(expected2)) {
    t.same(tfConfig(l.root(pod)), config, `${pod}: TF_CONFIG`);
    t.equal(
      read(join(l.root(pod), 'etc/profile.d/tf_config.sh')),
      [
        '# Written by the kubedirector tensorflow setup package on every membership change.',
        `export TF_CONFIG='${JSON.stringify(config).replace(/,/g, ', ').replace(/":/g, '": ')}'`,
        'export TF_NUM_INTRAOP_THREADS=2',
        'export TF_NUM_INTEROP_THREADS=2',
        'export OMP_NUM_THREADS=2',
        '',
      ].join('\n'),
      `${pod}: the profile script exports it, and threads for 2 cores`,
    );
  }
  t.same(
    JSON.parse(read(join(l.root(notebook!), 'etc/guestconfig/tf_cluster.json'))),
    { cluster: cluster2 },
    'the notebook has the cluster spec',
  );
  t.notOk(existsSync(join(l.root(notebook!), 'etc/guestconfig/tf_config.json')), 'and no task of its own');
  t.notOk(existsSync(join(l.root(notebook!), 'etc/profile.d/tf_config.sh')));
  for (const pod of [chief!, w0!, w1!, notebook!]) t.same(l.calls.get(pod), ['--configure'], `${pod}: configured once`);

  // 2 -> 3: the newcomer is worker 2; everyone else hears of it and rewrites its TF_CONFIG.
  l.scale(3);
  t.not(await l.converge(), -1, 'scaled up');
  t.equal(l.status().state, 'configured');
  const w2 = l.pods('worker')[2]!;
  t.same(l.pods('worker'), [w0, w1, w2]);
  const cluster3 = { chief: [l.address(chief!)], worker: [l.address(w0!), l.address(w1!), l.address(w2)] };
  t.same(tfConfig(l.root(chief!)), { cluster: cluster3, task: { type: 'chief', index: 0 } });
  t.same(tfConfig(l.root(w0!)), { cluster: cluster3, task: { type: 'worker', index: 0 } });
  t.same(tfConfig(l.root(w1!)), { cluster: cluster3, task: { type: 'worker', index: 1 } });
  t.same(tfConfig(l.root(w2)), { cluster: cluster3, task: { type: 'worker', index: 2 } });
  t.same(JSON.parse(read(join(l.root(notebook!), 'etc/guestconfig/tf_cluster.json'))), { cluster: cluster3 });
  const added = event('addnodes', 'worker', [l.fqdn(w2)]);
  for (const pod of [chief!, w0!, w1!, notebook!]) t.same(l.calls.get(pod), ['--configure', added], `${pod}: told of the newcomer`);
  t.same(l.calls.get(w2), ['--configure'], 'the newcomer configures with the whole membership');

  // 3 -> 1: workers 1 and 2 leave; worker 0 keeps index 0.
  l.scale(1);
  t.not(await l.converge(), -1, 'scaled down');
  t.equal(l.status().state, 'configured');
  t.same(l.pods('worker'), [w0]);
  const cluster1 = { chief: [l.address(chief!)], worker: [l.address(w0!)] };
  t.same(tfConfig(l.root(chief!)), { cluster: cluster1, task: { type: 'chief', index: 0 } });
  t.same(tfConfig(l.root(w0!)), { cluster: cluster1, task: { type: 'worker', index: 0 } });
  t.same(JSON.parse(read(join(l.root(notebook!), 'etc/guestconfig/tf_cluster.json'))), { cluster: cluster1 });
  const removed = event('delnodes', 'worker', [l.fqdn(w1!), l.fqdn(w2)]);
  for (const pod of [chief!, w0!, notebook!]) t.same(l.calls.get(pod), ['--configure', added, removed], `${pod}: exactly these, in order`);
  t.same(l.calls.get(w1!), ['--configure', added], 'the departing members ran nothing more');
  t.same(l.calls.get(w2), ['--configure']);

  // Every TF_CONFIG a member had, in order: one per membership.
  t.same(l.configs.get(w0!), [
    { cluster: cluster2, task: { type: 'worker', index: 0 } },
    { cluster: cluster3, task: { type: 'worker', index: 0 } },
    { cluster: cluster1, task: { type: 'worker', index: 0 } },
  ]);
  t.same(l.configs.get(notebook!), [{ cluster: cluster2 }, { cluster: cluster3 }, { cluster: cluster1 }]);

  // A restart of worker 0: its /etc is on its PVC, so the package is installed again and run
  // starts at once, without --configure; TF_CONFIG is the one it had.
  await l.w.sim.failPod(NAMESPACE, w0!, { exitCode: 137 });
  t.not(await l.converge(), -1, 'restarted');
  t.equal(l.status().state, 'configured');
  const app = (l.w.sim.get('Pod', NAMESPACE, w0!) as any).status.containerStatuses.find((c: { name: string }) => c.name === 'app');
  t.equal(app.restartCount, 1, 'the container was restarted');
  t.same(l.calls.get(w0!), ['--configure', added, removed], 'no new configure');
  t.same(tfConfig(l.root(w0!)), { cluster: cluster1, task: { type: 'worker', index: 0 } });
  t.ok(existsSync(join(l.root(w0!), 'opt/guestconfig/appconfig/run')), 'the package is installed again in the new container');
  t.same(l.configs.get(w0!)?.length, 3, 'and TF_CONFIG never changed');

  t.same(l.failures, [], 'nothing failed');
  t.same(
    l.notReady.map((n) => n.split(' ')[0]),
    l.notReady.map(() => w0),
    'only the restarted member went NotReady',
  );
  t.same(l.w.sim.errors, []);
});

t.test('a worker without storage restarts into a new container and configures again, same index', async (t) => {
  const l = await lifecycle();
  t.teardown(() => l.close());
  l.scale(2, (o) => {
    delete o.spec.roles.find((r: { id: string }) => r.id === 'worker').storage;
  });
  t.not(await l.converge(), -1);
  const [chief] = l.pods('chief');
  const [w0, w1] = l.pods('worker');
  const cluster = { chief: [l.address(chief!)], worker: [l.address(w0!), l.address(w1!)] };
  await l.w.sim.failPod(NAMESPACE, w1!, { exitCode: 137 });
  t.not(await l.converge(), -1);
  t.equal(l.status().state, 'configured');
  t.same(l.calls.get(w1!), ['--configure', '--configure'], 'configured again in the new container');
  t.same(l.configs.get(w1!), [{ cluster, task: { type: 'worker', index: 1 } }], 'with the same TF_CONFIG');
  t.same(l.calls.get(chief!), ['--configure'], 'the others hear nothing');
  t.same(tfConfig(l.root(chief!)), { cluster, task: { type: 'chief', index: 0 } });
  t.same(l.failures, []);
  t.equal(l.w.cluster(CLUSTER).status.members, 4);
});

/** A root with fake python3 and sleep that record their calls; sleep then stops run with SIGTERM. */
function runRoot(t: Test) {
  const root = mkdtempSync(join(tmpdir(), 'kd-tensorflow-run-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const bin = join(root, 'fakebin');
  mkdirSync(bin);
  mkdirSync(join(root, '.test'));
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >>"$KD_ROOT/.test/calls"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  fake(
    'python3',
    'echo "  TF_CONFIG=$TF_CONFIG threads=$TF_NUM_INTRAOP_THREADS,$TF_NUM_INTEROP_THREADS,$OMP_NUM_THREADS" >>"$KD_ROOT/.test/calls"\nexit 3',
  );
  fake('sleep', 'kill -TERM "$PPID"');
  const run = (env: Record<string, string> = {}) =>
    spawnSync('/bin/sh', [join(PACKAGE, 'run')], {
      cwd: PACKAGE,
      encoding: 'utf8',
      timeout: 10000,
      env: { PATH: `${bin}:/usr/bin:/bin`, KD_ROOT: root, KD_ROLE: 'worker', KD_POD_NAME: 'kdss-w-1', ...env },
    });
  const calls = () => (existsSync(join(root, '.test/calls')) ? read(join(root, '.test/calls')).split('\n').filter(Boolean) : []);
  const config = '{"cluster": {"chief": ["c.x:2222"], "worker": ["w0.x:2222", "w1.x:2222"]}, "task": {"type": "worker", "index": 1}}';
  const configure = () => {
    mkdirSync(join(root, 'etc/guestconfig'), { recursive: true });
    writeFileSync(join(root, 'etc/guestconfig/tf_config.json'), `${config}\n`);
  };
  return { root, run, calls, config, configure };
}

t.test('run: idles until SIGTERM, with TF_CONFIG', async (t) => {
  const { run, calls, config, configure } = runRoot(t);
  configure();
  const result = run({ KD_CPU_LIMIT: '4' });
  t.equal(result.status, 0, 'SIGTERM stops it cleanly');
  t.same(calls(), ['sleep 3600'], 'no job: it waits');
  t.equal(
    result.stdout,
    [
      `run: worker kdss-w-1 with TF_CONFIG=${config}`,
      "run: waiting for jobs (kubectl exec <pod> -- sh -lc 'python3 <script>' on every chief and worker)",
      'run: stopping',
      '',
    ].join('\n'),
  );
});

t.test('run: the job TF_JOB_SCRIPT names runs once with TF_CONFIG and threads, then it waits', async (t) => {
  const { run, calls, config, configure } = runRoot(t);
  configure();
  const script = '/opt/guestconfig/appconfig/examples/mnist_synthetic.py';
  const result = run({ KD_CPU_LIMIT: '4', TF_JOB_SCRIPT: script });
  t.equal(result.status, 0);
  t.same(calls(), [`python3 ${script}`, `  TF_CONFIG=${config} threads=4,4,4`, 'sleep 3600']);
  t.match(result.stdout, `run: python3 ${script} exited with status 3\n`);
});

t.test('run: an unconfigured member is an error', async (t) => {
  const { run, calls } = runRoot(t);
  const result = run();
  t.equal(result.status, 1);
  t.match(result.stderr, /no .*etc\/guestconfig\/tf_config.json/);
  t.same(calls(), []);
});

/** The startscript alone, against a hand-made KD_CONFIG. */
function startscript(t: Test, members: string[][], port: number) {
  const root = mkdtempSync(join(tmpdir(), 'kd-tensorflow-start-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const config = join(root, 'config');
  mkdirSync(config);
  writeFileSync(join(config, 'members'), members.map((m) => `${m.join('\t')}\n`).join(''));
  const endpoints = members.map((m) => `"grpc://${m[3]}:${port}"`).join(',');
  writeFileSync(
    join(config, 'configmeta.json'),
    `{"nodegroups":{"1":{"roles":{"x":{"services":{"tf-grpc":{"endpoints":[${endpoints}]}}}}}}}\n`,
  );
  return (pod: string, role: string, ...args: string[]) => {
    const result = spawnSync('/bin/sh', [join(PACKAGE, 'startscript'), ...args], {
      cwd: PACKAGE,
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', KD_ROOT: root, KD_CONFIG: config, KD_POD_NAME: pod, KD_ROLE: role },
    });
    const file = join(root, 'etc/guestconfig/tf_config.json');
    return { ...result, tfConfig: existsSync(file) ? JSON.parse(read(file)) : undefined };
  };
}

t.test('startscript: indices follow node ids, the port is the endpoint port, departing members are left out', async (t) => {
  const run = startscript(
    t,
    [
      ['c-0', 'chief', '1', 'c-0.h'],
      ['w-1', 'worker', '7', 'w-1.h'],
      ['w-0', 'worker', '3', 'w-0.h'],
      ['w-2', 'worker', '12', 'w-2.h'],
    ],
    2345,
  );
  const all = { chief: ['c-0.h:2345'], worker: ['w-0.h:2345', 'w-1.h:2345', 'w-2.h:2345'] };
  t.same(run('w-2', 'worker', '--configure').tfConfig, { cluster: all, task: { type: 'worker', index: 2 } });
  t.same(run('w-1', 'worker', '--configure').tfConfig, { cluster: all, task: { type: 'worker', index: 1 } });
  const gone = run('c-0', 'chief', '--delnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', 'w-1.h,w-2.h');
  t.equal(gone.status, 0);
  t.same(gone.tfConfig, { cluster: { chief: ['c-0.h:2345'], worker: ['w-0.h:2345'] }, task: { type: 'chief', index: 0 } });
  t.match(gone.stdout, /the next job uses this TF_CONFIG/);
  t.equal(
    run('c-0', 'chief', '--leave', '--nodegroup', '1', '--role', 'chief', '--fqdns', 'c-0.h').status,
    0,
    'other events: nothing to do',
  );
  const stranger = run('x-0', 'worker', '--configure');
  t.equal(stranger.status, 1);
  t.match(stranger.stderr, 'x-0 is not in');
  t.equal(run('c-0', 'ps', '--configure').status, 1, 'an unknown role fails');
  t.equal(run('c-0', 'chief', '--configure', '--fqdns').status, 1, 'a malformed call fails');
});

t.test('startscript: a cluster with no workers has no worker job in its spec', async (t) => {
  const run = startscript(t, [['c-0', 'chief', '1', 'c-0.h']], 2222);
  t.same(run('c-0', 'chief', '--configure').tfConfig, { cluster: { chief: ['c-0.h:2222'] }, task: { type: 'chief', index: 0 } });
});
