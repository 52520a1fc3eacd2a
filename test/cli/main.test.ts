// The command line as users run it: tsx on the TypeScript entry point, and npm run -s.
import t from 'tap';
import { catalogFiles } from '../support/catalog.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cli } from '../support/cli.js';
import { repoPath } from '../support/fixtures.js';

t.test('demo walks through the Spark and Cassandra examples as kubectl would show them', async (t) => {
  const result = cli(['demo']);
  t.equal(result.status, 0, result.stderr);
  const out = result.stdout;
  for (const step of [
    '$ kubectl apply -f catalog/spark/',
    '$ kubectl get kdapp',
    '$ kubectl apply -f clusters/spark.yaml',
    '$ kubectl get pods',
    '$ kubectl get service',
    '$ kubectl get kdcluster',
    '$ kubectl apply -f clusters/cassandra.yaml',
  ]) {
    t.match(out, step);
  }
  t.match(out, /spark-demo\s+spark\s+configured\s+4\s+4/, 'the Spark cluster comes up configured');
  t.match(out, /spark-demo\s+spark\s+configured\s+6\s+6/, 'and scales to four workers');
  t.match(out, /cassandra-demo\s+cassandra\s+configured\s+5\s+5/, 'Cassandra too');
  t.match(
    out,
    /LoadBalancer\s+10\.96\.\d+\.\d+\s+172\.18\.255\.\d+\s+7077:\d+\/TCP,8080:\d+\/TCP/,
    'the Spark master and its UI behind a member Service',
  );
});

t.test('render reads standard input', async (t) => {
  const files = catalogFiles('cassandra').flatMap((f) => ['-f', f]);
  const result = cli(['render', '-f', '-', ...files], readFileSync(repoPath('clusters/cassandra.yaml'), 'utf8'));
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /kind: StatefulSet/);
});

t.test('render -f takes directories, each read as kubectl does: its manifests sorted by name', async (t) => {
  const result = cli(['render', '-f', 'clusters/spark.yaml', '-f', 'catalog/spark/']);
  t.equal(result.status, 0, result.stderr);
  t.equal(result.stderr, '');
  t.match(result.stdout, /^# Rendered by kubedirector-hooks for KubeDirectorCluster default\/spark-demo \(uid [0-9a-f-]{36}\)\./);
  t.match(result.stdout, /kind: StatefulSet/);
  const empty = cli(['render', '-f', 'clusters/spark.yaml', '-f', 'catalog/spark/package/']);
  t.equal(empty.status, 1);
  t.match(empty.stderr, /catalog\/spark\/package\/: the directory holds no \.yaml, \.yml or \.json files/);
});

t.test('two clusters render under different uids, so their objects never share names', async (t) => {
  const uidOf = (args: string[]) => /\(uid ([0-9a-f-]+)\)/.exec(cli(['render', ...args]).stdout)?.[1];
  const spark = uidOf(['-f', 'clusters/spark.yaml', '-f', 'catalog/spark']);
  const elsewhere = uidOf(['-f', 'clusters/spark.yaml', '-f', 'catalog/spark', '-n', 'data']);
  const cassandra = uidOf(['-f', 'clusters/cassandra.yaml', '-f', 'catalog/cassandra']);
  t.ok(spark && elsewhere && cassandra);
  t.equal(new Set([spark, elsewhere, cassandra]).size, 3);
  t.equal(uidOf(['-f', 'clusters/spark.yaml', '-f', 'catalog/spark']), spark, 'and the same cluster renders the same');
  const given = cli(['render', '-f', 'clusters/spark.yaml', '-f', 'catalog/spark', '--uid', 'abc-123', '--namespace', 'data']);
  t.match(given.stdout, /KubeDirectorCluster data\/spark-demo \(uid abc-123\)/);
  t.match(given.stdout, /namespace: data\n/);
});

t.test('npm run -s render prints the manifests alone, ready for kubectl apply -f -', async (t) => {
  const result = spawnSync('npm', ['run', '-s', 'render', '--', '-f', 'clusters/spark.yaml', '-f', 'catalog/spark/'], {
    encoding: 'utf8',
    cwd: repoPath('').pathname,
  });
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /^# Rendered by kubedirector-hooks/, 'no npm banner before the first line');
});

t.test('exit 1 for input that cannot be rendered, naming the file and line or the field', async (t) => {
  const broken = cli(['render', '-f', '-'], 'kind: KubeDirectorCluster\nmetadata:\n  name: [x\nspec: {}\n');
  t.equal(broken.status, 1);
  t.equal(broken.stdout, '');
  t.match(broken.stderr, /^kubedirector-hooks: <stdin>:4:1: Flow sequence in block collection must be sufficiently indented/);

  const noApp = cli(['render', '-f', 'clusters/spark.yaml']);
  t.equal(noApp.status, 1);
  t.equal(noApp.stdout, '', 'no manifests for a cluster the hooks would not reconcile');
  t.equal(
    noApp.stderr,
    'kubedirector-hooks: KubeDirectorCluster default/spark-demo is not valid: AppNotFound: spec.app: KubeDirectorApp "spark" not found in namespace default or namespace kubedirector\n',
  );

  const invalid = cli(
    ['render', '-f', '-', '-f', 'catalog/spark'],
    readFileSync(repoPath('clusters/spark.yaml'), 'utf8').replace(/members: 1/, 'members: 3'),
  );
  t.equal(invalid.status, 1);
  t.equal(invalid.stdout, '');
  t.match(invalid.stderr, /is not valid: \w+: spec\.roles\[0\]\.members: /);

  const missing = cli(['render', '-f', 'clusters/nothing.yaml']);
  t.equal(missing.status, 1);
  t.match(missing.stderr, /clusters\/nothing\.yaml: no such file or directory/);

  const noCluster = cli(['render', '-f', 'catalog/spark']);
  t.equal(noCluster.status, 1);
  t.match(noCluster.stderr, /exactly one KubeDirectorCluster, got 0/);
});
