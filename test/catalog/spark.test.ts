// The Spark app from the catalog in the simulator, with the real agent running the real setup
// package under /bin/sh against temporary roots: the configuration each member ends with, the
// events each member's startscript ran, a restart on a persisted /etc, and what `run` execs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { realAgents, TEST_RECORDS } from '../support/agents.js';
import { catalogObjects } from '../support/catalog.js';
import { repoPath } from '../support/fixtures.js';
import { memberWatch, settle, type PodView } from '../support/member-watch.js';
import { NAMESPACE, world } from '../support/world.js';
import { installFakes, parseConf } from './spark/fakes.js';

const CLUSTER = 'spark-demo';

interface Limits {
  spec: { containers: { resources?: { limits?: Record<string, string> } }[] };
}

/** The limits the kubelet gives the app container through resourceFieldRef (divisors 1 and 1Mi). */
function limitsEnv(pod: KubeObject): Record<string, string> {
  const limits = (pod as unknown as Limits).spec.containers[0]?.resources?.limits ?? {};
  const cpu = limits.cpu ?? '1';
  const cores = cpu.endsWith('m') ? Math.ceil(Number(cpu.slice(0, -1)) / 1000) : Math.ceil(Number(cpu));
  const memory = limits.memory ?? '2Gi';
  const mib = memory.endsWith('Gi') ? Number(memory.slice(0, -2)) * 1024 : Number(memory.replace(/Mi$/, ''));
  return { KD_CPU_LIMIT: String(cores), KD_MEMORY_LIMIT_MB: String(mib) };
}

/** The startscript runs each root's agent log shows, kept across logs a new container starts afresh. */
function startscriptRuns(base: string) {
  const history = new Map<string, { past: string[]; current: string[] }>();
  const parse = (log: string) =>
    log
      .split('\n')
      .map((line) => /(?:running \S*startscript (--configure)$|event \S+ attempt \d+: startscript (.*)$)/.exec(line))
      .filter((m) => m !== null)
      .map((m) => m[1] ?? m[2]!);
  const observe = () => {
    for (const key of readdirSync(base)) {
      const file = join(base, key, 'var/log/guestconfig/agent.log');
      const lines = existsSync(file) ? parse(readFileSync(file, 'utf8')) : [];
      const h = history.get(key) ?? { past: [], current: [] };
      const continues = h.current.every((line, i) => lines[i] === line);
      if (!continues) h.past.push(...h.current);
      h.current = lines;
      history.set(key, h);
    }
  };
  const runs = (pod: string) =>
    [...history.entries()].filter(([key]) => key === pod || key.startsWith(`${pod}-`)).flatMap(([, h]) => [...h.past, ...h.current]);
  return { observe, runs };
}

async function setup(t: Test) {
  const base = mkdtempSync(join(tmpdir(), 'kd-spark-'));
  const agents = realAgents(base, { prepare: (root, pod) => ({ ...installFakes(root), ...limitsEnv(pod) }) });
  const w = await world(agents.container);
  t.teardown(async () => {
    await w.close();
    rmSync(base, { recursive: true, force: true });
  });
  for (const object of catalogObjects('spark')) w.sim.apply(object);
  const { observe: watch, notReady } = memberWatch(agents);
  const { observe, runs } = startscriptRuns(base);
  const converge = () =>
    settle(
      t,
      w,
      (pods, round) => {
        watch(pods, round);
        observe();
      },
      100,
    );
  const workers = (count: number) =>
    w.apply('clusters/spark.yaml', (o) => {
      o.spec.roles[1].members = count;
    });
  /** A file of the pod's current root (its persisted root, or its newest container's). */
  const file = (pod: string, path: string) => {
    const keys = readdirSync(base).filter((k) => (k === pod || k.startsWith(`${pod}-`)) && existsSync(join(base, k, path)));
    const newest = keys.sort((a, b) => statTime(join(base, b, path)) - statTime(join(base, a, path)))[0];
    if (!newest) throw new Error(`no ${path} in ${pod}`);
    return readFileSync(join(base, newest, path), 'utf8');
  };
  const env = (pod: string) => parseConf(file(pod, 'etc/spark/conf/spark-env.sh'), '=');
  const defaults = (pod: string) => parseConf(file(pod, 'etc/spark/conf/spark-defaults.conf'), ' ');
  const status = () => w.cluster(CLUSTER).status;
  /** The pods of a role, in member order. */
  const role = (id: string): string[] =>
    (status().roles as { id: string; members: { pod: string }[] }[]).find((r) => r.id === id)!.members.map((m) => m.pod);
  /** A member's FQDN, from the membership file the hooks rendered. */
  const fqdn = (pod: string) => {
    const members = file(role('controller')[0]!, 'etc/kubedirector/members');
    const line = members.split('\n').find((l) => l.startsWith(`${pod}\t`));
    if (!line) throw new Error(`${pod} is not a member`);
    return line.split('\t')[3]!;
  };
  return { w, converge, workers, runs, env, defaults, status, notReady, role, fqdn };
}

const statTime = (path: string) => statSync(path).mtimeMs;

const MASTER_FQDN = 'kdss-master.spark-demo.analytics.svc.cluster.local';
const MASTER = `spark://${MASTER_FQDN}:7077`;

t.test('create, scale workers 2 -> 3 -> 2, restart a worker: exact configuration and events, configured, never NotReady', async (t) => {
  const { w, converge, workers, runs, env, defaults, status, notReady, role, fqdn } = await setup(t);
  w.apply('clusters/spark.yaml');
  await converge();
  t.equal(status().state, 'configured');
  const [CONTROLLER] = role('controller') as [string];
  const [JUPYTER] = role('jupyter') as [string];
  const first = role('worker');
  t.equal(first.length, 2);
  const worker = (n: number) => role('worker')[n] ?? later[n - first.length]!;
  const later: string[] = [];
  const MASTER = `spark://${fqdn(CONTROLLER)}:7077`;
  t.match(fqdn(CONTROLLER), new RegExp(`^${CONTROLLER}\\.[a-z0-9-]+\\.${NAMESPACE}\\.svc\\.cluster\\.local$`));

  t.same(env(CONTROLLER), {
    SPARK_LOCAL_HOSTNAME: fqdn(CONTROLLER),
    SPARK_LOCAL_DIRS: '/var/lib/spark/local',
    SPARK_LOG_DIR: '/var/lib/spark/logs',
    SPARK_PID_DIR: '/var/lib/spark/run',
    SPARK_MASTER_HOST: fqdn(CONTROLLER),
    SPARK_MASTER_PORT: '7077',
    SPARK_MASTER_WEBUI_PORT: '8080',
    SPARK_DAEMON_MEMORY: '1024m',
  });
  for (const pod of [worker(0), worker(1)]) {
    t.same(
      env(pod),
      {
        SPARK_LOCAL_HOSTNAME: fqdn(pod),
        SPARK_LOCAL_DIRS: '/var/lib/spark/local',
        SPARK_LOG_DIR: '/var/lib/spark/logs',
        SPARK_PID_DIR: '/var/lib/spark/run',
        SPARK_WORKER_CORES: '2',
        SPARK_WORKER_MEMORY: '2688m',
        SPARK_WORKER_DIR: '/var/lib/spark/work',
        SPARK_WORKER_WEBUI_PORT: '8081',
        SPARK_DAEMON_MEMORY: '512m',
      },
      `${pod}: 2 cores, (4096 - 512) * 3/4 MiB for executors`,
    );
    t.same(defaults(pod), { 'spark.master': MASTER, 'spark.local.dir': '/var/lib/spark/local' });
  }
  t.same(defaults(CONTROLLER), { 'spark.master': MASTER, 'spark.local.dir': '/var/lib/spark/local' });
  t.same(defaults(JUPYTER), {
    'spark.master': MASTER,
    'spark.local.dir': '/var/lib/spark/local',
    'spark.driver.host': fqdn(JUPYTER),
    'spark.driver.bindAddress': '0.0.0.0',
    'spark.driver.memory': '1024m',
    'spark.eventLog.enabled': 'true',
    'spark.eventLog.dir': 'file:///var/lib/spark/events',
    'spark.history.fs.logDirectory': 'file:///var/lib/spark/events',
  });
  t.equal(env(JUPYTER).SPARK_LOCAL_HOSTNAME, fqdn(JUPYTER));

  workers(3);
  await converge();
  t.equal(status().state, 'configured');
  later.push(role('worker')[2]!);
  const third = fqdn(worker(2));
  t.same(env(worker(2)).SPARK_LOCAL_HOSTNAME, third);
  t.same(defaults(worker(2))['spark.master'], MASTER);

  workers(2);
  await converge();
  t.equal(status().state, 'configured');
  t.same(role('worker'), first, 'the newest worker left');
  t.same(
    w.sim
      .list('Pod', NAMESPACE)
      .map((p) => p.metadata.name)
      .sort(),
    [CONTROLLER, JUPYTER, ...first].sort(),
  );

  t.same(notReady, [], 'no member went NotReady through creation and scaling');
  await w.sim.failPod(NAMESPACE, worker(0));
  await converge();
  t.equal(status().state, 'configured', 'configured again after the restart');
  const app = (w.sim.get('Pod', NAMESPACE, worker(0)) as unknown as PodView).status?.containerStatuses?.find((c) => c.name === 'app');
  t.equal(app?.restartCount, 1, 'the worker container restarted once');
  t.equal(env(worker(0)).SPARK_WORKER_MEMORY, '2688m', 'its configuration is still on its PVC');

  t.same(runs(CONTROLLER), [
    '--configure',
    `--addnodes --nodegroup 1 --role worker --fqdns ${third}`,
    `--delnodes --nodegroup 1 --role worker --fqdns ${third}`,
  ]);
  t.same(runs(worker(0)), ['--configure'], 'configured once: the restarted container is configured already on its persisted /etc');
  t.same(runs(worker(1)), ['--configure']);
  t.same(runs(worker(2)), ['--configure']);
  t.same(runs(JUPYTER), ['--configure']);
  t.ok(notReady.length > 0, 'the failed worker was NotReady while it restarted');
  t.same(
    notReady.filter((entry) => !entry.startsWith(`${worker(0)} in round`)),
    [],
    'and no other member went NotReady',
  );
});

/** Runs the package's run script for a role in a prepared root; returns the fakes' records. */
function run(
  t: Test,
  role: string,
  extra: Record<string, string> = {},
  configure = true,
  adjust: (root: string, env: Record<string, string>) => Record<string, string> = (_root, env) => env,
) {
  const root = mkdtempSync(join(tmpdir(), 'kd-spark-run-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const conf = join(root, 'etc/spark/conf');
  mkdirSync(conf, { recursive: true });
  if (configure)
    writeFileSync(join(conf, 'spark-defaults.conf'), `# written\nspark.master ${MASTER}\nspark.local.dir /var/lib/spark/local\n`);
  const result = spawnSync('/bin/sh', [repoPath('catalog/spark/package/run').pathname], {
    env: { ...adjust(root, installFakes(root)), KD_ROOT: root, KD_ROLE: role, ...extra },
    encoding: 'utf8',
  });
  const calls = existsSync(join(root, TEST_RECORDS, 'calls'))
    ? readFileSync(join(root, TEST_RECORDS, 'calls'), 'utf8')
        .split('\n')
        .filter(Boolean)
    : [];
  return { root, result, calls: calls.map((c) => c.replaceAll(root, '<root>')) };
}

t.test('run: the master in the foreground as spark (185), under tini', async (t) => {
  const { result, calls } = run(t, 'controller');
  t.equal(result.status, 0, result.stderr);
  t.same(calls, [
    'chown 185:185 <root>/var/lib/spark <root>/var/lib/spark/local',
    'tini -g -- setpriv --reuid=185 --regid=185 --init-groups -- env HOME=<root>/var/lib/spark USER=spark SPARK_NO_DAEMONIZE=1 <root>/opt/spark/sbin/start-master.sh',
    'setpriv --reuid=185 --regid=185 --init-groups -- env HOME=<root>/var/lib/spark USER=spark SPARK_NO_DAEMONIZE=1 <root>/opt/spark/sbin/start-master.sh',
    'start-master.sh ',
    'start-master.sh env SPARK_CONF_DIR=<root>/etc/spark/conf SPARK_NO_DAEMONIZE=1 USER=spark HOME=<root>/var/lib/spark',
  ]);
});

t.test('run: without setpriv, the master drops to spark with gosu (which apache/spark installs)', async (t) => {
  const tools = mkdtempSync(join(tmpdir(), 'kd-spark-tools-'));
  t.teardown(() => {
    rmSync(tools, { recursive: true, force: true });
  });
  // Only the system tools run needs, so that no real setpriv is found.
  for (const tool of ['awk', 'mkdir', 'env', 'cat']) {
    const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(tools, tool));
  }
  const { result, calls } = run(t, 'controller', {}, true, (root, env) => {
    rmSync(join(root, 'fakebin/setpriv'));
    return { ...env, PATH: `${join(root, 'fakebin')}:${tools}` };
  });
  t.equal(result.status, 0, result.stderr);
  t.same(calls, [
    'chown 185:185 <root>/var/lib/spark <root>/var/lib/spark/local',
    'tini -g -- gosu 185:185 env HOME=<root>/var/lib/spark USER=spark SPARK_NO_DAEMONIZE=1 <root>/opt/spark/sbin/start-master.sh',
    'gosu 185:185 env HOME=<root>/var/lib/spark USER=spark SPARK_NO_DAEMONIZE=1 <root>/opt/spark/sbin/start-master.sh',
    'start-master.sh ',
    'start-master.sh env SPARK_CONF_DIR=<root>/etc/spark/conf SPARK_NO_DAEMONIZE=1 USER=spark HOME=<root>/var/lib/spark',
  ]);
});

t.test("run: a worker in the foreground as the Jupyter image's jovyan, registering with the master", async (t) => {
  const { result, calls } = run(t, 'worker', { NB_UID: '1000', NB_GID: '100', NB_USER: 'jovyan' });
  t.equal(result.status, 0, result.stderr);
  t.same(calls, [
    'chown 1000:100 <root>/var/lib/spark <root>/var/lib/spark/local',
    `tini -g -- setpriv --reuid=1000 --regid=100 --init-groups -- env HOME=<root>/var/lib/spark USER=jovyan SPARK_NO_DAEMONIZE=1 <root>/opt/spark/sbin/start-worker.sh ${MASTER}`,
    `setpriv --reuid=1000 --regid=100 --init-groups -- env HOME=<root>/var/lib/spark USER=jovyan SPARK_NO_DAEMONIZE=1 <root>/opt/spark/sbin/start-worker.sh ${MASTER}`,
    `start-worker.sh ${MASTER}`,
    'start-worker.sh env SPARK_CONF_DIR=<root>/etc/spark/conf SPARK_NO_DAEMONIZE=1 USER=jovyan HOME=<root>/var/lib/spark',
  ]);
});

t.test("run: the notebook through the image's own entrypoint, as root, with the member's SPARK_CONF_DIR", async (t) => {
  const { result, calls } = run(t, 'jupyter', { NB_UID: '1000', NB_GID: '100', NB_USER: 'jovyan', USER: 'root', HOME: '/root' });
  t.equal(result.status, 0, result.stderr);
  t.same(calls, [
    'chown 1000:100 <root>/var/lib/spark <root>/var/lib/spark/local',
    'tini -g -- start.sh start-notebook.py',
    'start.sh start-notebook.py',
    'start.sh env SPARK_CONF_DIR=<root>/etc/spark/conf SPARK_NO_DAEMONIZE= USER=root HOME=/root',
  ]);
});

t.test('run: without a configuration it fails, starting nothing', async (t) => {
  const { result, calls } = run(t, 'worker', {}, false);
  t.equal(result.status, 1);
  t.match(result.stderr, /no .*etc\/spark\/conf\/spark-defaults.conf/);
  t.same(calls, []);
});

t.test('startscript: an unknown event and a missing controller fail with a reason', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kd-spark-start-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const config = join(root, 'config');
  mkdirSync(config);
  writeFileSync(join(config, 'members'), 'kdss-w-0\tworker\t2\tkdss-w-0.spark-demo.analytics.svc.cluster.local\n');
  const script = repoPath('catalog/spark/package/startscript').pathname;
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', KD_ROOT: root, KD_CONFIG: config, KD_ROLE: 'worker', KD_POD_NAME: 'kdss-w-0' };
  const missing = spawnSync('/bin/sh', [script, '--configure'], { env, encoding: 'utf8' });
  t.equal(missing.status, 1);
  t.match(missing.stderr, /no controller in/);
  t.notOk(existsSync(join(root, 'etc/spark/conf/spark-env.sh')), 'nothing written');
  const unknown = spawnSync('/bin/sh', [script, '--frobnicate'], { env, encoding: 'utf8' });
  t.equal(unknown.status, 1);
  t.match(unknown.stderr, /unknown event: --frobnicate/);
});
