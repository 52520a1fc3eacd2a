// The README's commands that need no cluster, taken from README.md and run as written in a clean
// checkout: the demo, the token for the kustomize base, and the debugging curls against
// `npm start`. And an account of every other command: which test runs it, or why none can here.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoPath } from '../support/fixtures.js';
import { COVERAGE, cleanCheckout, coverageOf, readmeCommand, readmeCommands } from '../support/readme-commands.js';

t.setTimeout(300_000);

const commands = readmeCommands();
const checkout = cleanCheckout();
t.teardown(checkout.cleanup);
const sh = (command: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: checkout.dir, encoding: 'utf8', env: { ...process.env, ...env } });

t.test('every command of the README is run by a test or says why it cannot be', async (t) => {
  t.ok(commands.length > 30, `${commands.length} commands found`);
  for (const { command, line } of commands) t.ok(coverageOf(command), `README.md:${line}: ${command}`);
  for (const { start } of COVERAGE)
    t.ok(
      commands.some((c) => c.command.startsWith(start)),
      `a README command starts with: ${start}`,
    );
});

t.test('the image the README builds and loads is the one the manifests run', async (t) => {
  const { version } = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
  const image = `ghcr.io/kubedirector-hooks/kubedirector-hooks:${version}`;
  for (const start of ['docker build -t ', 'kind load docker-image ', 'k3d image import '])
    t.match(readmeCommand(start, commands), ` ${image}`, `${start}…: the package version`);
  t.match(readFileSync(repoPath('metacontroller/hooks-deployment.yaml'), 'utf8'), `image: ${image}`, 'the kustomize base runs it');
  const values = readFileSync(repoPath('metacontroller/chart/values.yaml'), 'utf8');
  t.match(values, /repository: ghcr\.io\/kubedirector-hooks\/kubedirector-hooks/, 'the chart runs it');
  t.match(readFileSync(repoPath('metacontroller/chart/Chart.yaml'), 'utf8'), `appVersion: "${version}"`, 'the chart tags it');
});

t.test('npm run demo', async (t) => {
  const quickStart = readmeCommand('npm ci && npm run demo', commands);
  // npm ci needs the registry; the checkout links the installed node_modules instead.
  const result = sh(quickStart.replace(/^npm ci && /, '').replace(/\s+#.*$/, ''));
  t.equal(result.status, 0, result.stderr);
  for (const step of [
    'kubectl get kdapp',
    'kubectl get pods',
    'kubectl get service',
    'kubectl get kdcluster',
    'kubectl patch kdcluster spark-demo',
  ])
    t.match(result.stdout, `$ ${step}`, `it shows ${step}`);
  t.match(result.stdout, /spark-demo\s+spark\s+configured\s+4\s+4/, 'Spark comes up');
  t.match(result.stdout, /spark-demo\s+spark\s+configured\s+6\s+6/, 'and scales');
  t.match(result.stdout, /cassandra-demo\s+cassandra\s+configured/, 'then Cassandra');
});

t.test('the token file for the kustomize base', async (t) => {
  const result = sh(readmeCommand('openssl rand -hex 32 > metacontroller/hooks-token', commands));
  t.equal(result.status, 0, result.stderr);
  t.match(readFileSync(join(checkout.dir, 'metacontroller/hooks-token'), 'utf8'), /^[0-9a-f]{64}\n$/);
  t.equal(sh('git check-ignore -q metacontroller/hooks-token', { GIT_DIR: repoPath('.git').pathname }).status, 0, 'git ignores it');
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

t.test('the debugging curls against npm start', async (t) => {
  // The README's port is 8080; another on this machine may hold it, so the server and the curls use a free one.
  const port = await freePort();
  const server = spawn('npm', ['start'], {
    cwd: checkout.dir,
    env: { ...process.env, PORT: String(port) },
    detached: true,
    stdio: 'ignore',
  });
  t.teardown(() => {
    if (server.exitCode === null) process.kill(-server.pid!, 'SIGTERM');
  });
  const deadline = Date.now() + 180_000;
  while (sh(`curl -sf localhost:${port}/readyz`).status !== 0) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not serve (exit ${server.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const curl = (start: string) => {
    const result = sh(readmeCommand(start, commands).replaceAll('localhost:8080', `localhost:${port}`));
    t.equal(result.status, 0, `${start}: ${result.stderr}`);
    return result.stdout;
  };
  type Answer = { status: { state?: string; conditions: { type: string; status: string; reason: string }[] }; children: any[] };
  const reason = (answer: Answer, type: string) => {
    const condition = answer.status.conditions.find((c) => c.type === type);
    return `${condition?.status} ${condition?.reason}`;
  };

  const synced = JSON.parse(curl("curl -s -X POST localhost:8080/sync -H 'Content-Type")) as Answer;
  t.equal(reason(synced, 'Valid'), 'True Valid', 'the first sync: Valid=True');
  t.equal(reason(synced, 'Ready'), 'False Creating', 'Ready=False Creating');
  t.ok(
    synced.children.some((c: { kind: string }) => c.kind === 'StatefulSet'),
    'the children to create',
  );

  const finalized = JSON.parse(curl('curl -s -X POST localhost:8080/finalize ')) as Answer & { finalized: boolean };
  t.equal(finalized.finalized, false, 'the deletion: finalized false');
  t.same(
    finalized.children.map((c: { kind: string; metadata: { ownerReferences?: unknown[] } }) => [c.kind, c.metadata.ownerReferences]),
    [
      ['PersistentVolumeClaim', []],
      ['PersistentVolumeClaim', []],
    ],
    "only the workers' two PVCs kept, released from the cluster",
  );

  const customized = JSON.parse(curl('curl -s -X POST localhost:8080/customize ')) as { relatedResources: unknown[] };
  t.ok(Array.isArray(customized.relatedResources) && customized.relatedResources.length > 0, 'customize names the related objects');

  t.match(curl('curl -s localhost:8080/metrics'), /kubedirector_hook_requests_total\{hook="sync",outcome="[a-z]+"\} 1/);
});
