// The command line as users run it: tsx on the TypeScript entry point.
import t from 'tap';
import { catalogFiles } from '../support/catalog.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { repoPath } from '../support/fixtures.js';

const cli = (args: string[], input?: string) =>
  spawnSync(repoPath('node_modules/.bin/tsx').pathname, [repoPath('src/cli/main.ts').pathname, ...args], {
    encoding: 'utf8',
    input,
    cwd: repoPath('').pathname,
  });

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

t.test('usage and errors', async (t) => {
  t.match(cli(['help']).stdout, /usage:\n {2}kubedirector-hooks \[serve\]/);
  const unknown = cli(['frobnicate']);
  t.equal(unknown.status, 1);
  t.match(unknown.stderr, /kubedirector-hooks: unknown command "frobnicate"/);
  const noFile = cli(['render']);
  t.equal(noFile.status, 1);
  t.match(noFile.stderr, /render needs -f FILE/);
  t.match(cli(['demo', 'hadoop']).stderr, /no example "hadoop"; there are spark, cassandra/);
});
