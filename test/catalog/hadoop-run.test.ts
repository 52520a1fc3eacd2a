// The hadoop package's run script, executed directly in a prepared root with fake daemons: what
// it starts, as which user, with which configuration, the namenode formatted once, and the
// container's end when either daemon exits.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';

const PACKAGE = 'catalog/hadoop/package';

function fake(file: string, body: string) {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** A root with the package, and fakes: hdfs and yarn record argv and environment, then act as FAKE_<daemon> says. */
function prepare(t: Test) {
  const root = mkdtempSync(join(tmpdir(), 'kd-hadoop-run-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const pkg = join(root, 'opt/guestconfig/appconfig');
  cpSync(PACKAGE, pkg, { recursive: true });
  const bin = join(root, 'opt/hadoop/bin');
  const fakebin = join(root, 'fakebin');
  mkdirSync(bin, { recursive: true });
  mkdirSync(fakebin);
  const record = `echo "$(basename "$0") $* | conf=$HADOOP_CONF_DIR heap=$HADOOP_HEAPSIZE_MAX user=$HADOOP_USER_NAME logs=$HADOOP_LOG_DIR" >>"$KD_ROOT/calls"`;
  const daemon = `${record}
if [ "$1" = namenode ] && [ "$2" = -format ]; then mkdir -p "$KD_ROOT/var/lib/hadoop/name/current" && echo formatted >"$KD_ROOT/var/lib/hadoop/name/current/VERSION"; exit 0; fi
eval "action=\\\${FAKE_$1:-sleep}"
case $action in
  sleep) trap 'kill "$s"; echo "$1 stopped" >>"$KD_ROOT/calls"; exit 143' TERM; sleep 20 & s=$!; wait "$s"; exit 0 ;;
  *) sleep 0.3; exit "$action" ;;
esac`;
  fake(join(bin, 'hdfs'), daemon);
  fake(join(bin, 'yarn'), daemon);
  // Root, as the container runs; the image's user hadoop is 1000:100.
  fake(join(fakebin, 'id'), 'case "$*" in "-u") echo 0 ;; "-u hadoop") echo 1000 ;; "-g hadoop") echo 100 ;; *) exit 1 ;; esac');
  fake(join(fakebin, 'chown'), 'echo "chown $*" >>"$KD_ROOT/calls"');
  fake(join(fakebin, 'setpriv'), 'echo "setpriv $1 $2 $3" >>"$KD_ROOT/calls"; shift 3; exec "$@"');
  const run = (role: string, env: Record<string, string> = {}) =>
    spawnSync('/bin/sh', [join(pkg, 'run')], {
      env: {
        PATH: `${fakebin}:${process.env.PATH}`,
        KD_ROOT: root,
        KD_ROLE: role,
        KD_MEMORY_LIMIT_MB: '4096',
        KD_CPU_LIMIT: '2',
        ...env,
      },
      encoding: 'utf8',
      timeout: 15000,
    });
  const calls = () => {
    const file = join(root, 'calls');
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    rmSync(file, { force: true });
    return lines.map((l) => l.replaceAll(root, '<root>'));
  };
  return { root, run, calls };
}

const chowns = [
  '/var/lib/hadoop',
  '/var/lib/hadoop/tmp',
  '/var/lib/hadoop/name',
  '/var/lib/hadoop/data',
  '/var/lib/hadoop/yarn',
  '/var/lib/hadoop/yarn/local',
  '/var/log/hadoop',
  '/var/log/hadoop/userlogs',
].map((d) => `chown 1000:100 <root>${d}`);
const setpriv = 'setpriv --reuid=1000 --regid=100 --init-groups';
const env = (heap: number) => `conf=<root>/etc/hadoop heap=${heap}m user=hadoop logs=/var/log/hadoop`;

t.test('controller: formats the namenode once, runs namenode and resourcemanager as hadoop, exits when one does', async (t) => {
  const { run, calls } = prepare(t);
  // 4096 MiB: 3/8 of it for each daemon.
  const first = run('controller', { FAKE_resourcemanager: '5' });
  t.equal(first.status, 5, 'the status of the daemon that exited');
  const lines = calls();
  t.same(lines.slice(0, chowns.length), chowns, 'the data directories go to hadoop');
  t.same(
    lines.slice(chowns.length, chowns.length + 2),
    [setpriv, `hdfs namenode -format -nonInteractive | ${env(1536)}`],
    'formatted first, as hadoop',
  );
  t.same(
    lines.slice(chowns.length + 2).sort(),
    [setpriv, setpriv, `hdfs namenode | ${env(1536)}`, `yarn resourcemanager | ${env(1536)}`, 'namenode stopped'].sort(),
    'both daemons started as hadoop; the namenode stopped when the resourcemanager exited',
  );
  t.match(first.stderr, /yarn resourcemanager exited with status 5: stopping the other daemon/);

  const second = run('controller', { FAKE_namenode: '0' });
  t.equal(second.status, 1, 'a daemon that exits, even with 0, ends the container with a failure');
  const again = calls();
  t.notOk(
    again.some((l) => l.includes('-format')),
    'not formatted again',
  );
  t.same(
    again.slice(chowns.length).sort(),
    [setpriv, setpriv, `hdfs namenode | ${env(1536)}`, `yarn resourcemanager | ${env(1536)}`, 'resourcemanager stopped'].sort(),
  );
});

t.test('worker: datanode and nodemanager as hadoop, heaps of 1/8 of the limit, data directory 0700', async (t) => {
  const { root, run, calls } = prepare(t);
  const result = run('worker', { FAKE_datanode: '3', KD_MEMORY_LIMIT_MB: '8192' });
  t.equal(result.status, 3);
  const lines = calls();
  t.same(lines.slice(0, chowns.length), chowns);
  t.same(
    lines.slice(chowns.length).sort(),
    [setpriv, setpriv, `hdfs datanode | ${env(1024)}`, `yarn nodemanager | ${env(1024)}`, 'nodemanager stopped'].sort(),
  );
  t.notOk(existsSync(join(root, 'var/lib/hadoop/name/current')), 'no namenode format on a worker');
  t.equal(statSync(join(root, 'var/lib/hadoop/data')).mode & 0o777, 0o700, 'the datanode directory is 0700, as the datanode wants');
  t.match(result.stdout, /started .*hdfs datanode .* and .*yarn nodemanager .*heap 1024 MiB each/);
});

t.test('SIGTERM stops both daemons and exits 143', async (t) => {
  const { root } = prepare(t);
  const child = spawn('/bin/sh', [join(root, 'opt/guestconfig/appconfig/run')], {
    env: { PATH: `${join(root, 'fakebin')}:${process.env.PATH}`, KD_ROOT: root, KD_ROLE: 'worker' },
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) =>
    child.on('exit', (c) => {
      resolve(c);
    }),
  );
  t.equal(code, 143);
  const lines = readFileSync(join(root, 'calls'), 'utf8');
  t.match(lines, /datanode stopped/);
  t.match(lines, /nodemanager stopped/);
});
