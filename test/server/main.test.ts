// The real entry point, as a process: listens, serves, and exits cleanly on SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../support/fixtures.js';

const tsx = repoPath('node_modules/.bin/tsx').pathname;
const main = repoPath('src/server/main.ts').pathname;

t.test('serves until SIGTERM, then exits 0', async (t) => {
  const child = spawn(tsx, [main], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' } });
  t.teardown(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const match = /Server listening at (http:\/\/[^"]+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => {
      reject(new Error(`exited ${code} before listening: ${lines.join('\n')}`));
    });
  });
  const health = await fetch(`${address}/healthz`);
  t.equal(health.status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  t.equal(code, 0, 'clean exit');
  t.match(lines.join('\n'), /shutting down: finishing in-flight hook calls/);
});

t.test('refuses to start with a bad setting', async (t) => {
  const child = spawn(tsx, [main], { env: { ...process.env, PORT: 'eighty' } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  t.equal(code, 2);
  t.match(stderr, 'invalid configuration: PORT must be an integer');
});

t.test('with a token file and METRICS_PORT: hooks need the token, probes and metrics do not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kd-main-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'token'), 'main-test-token-5e6f\n');
  const env = { ...process.env, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', AUTH_TOKEN_FILE: join(dir, 'token') };
  const child = spawn(tsx, [main], { env });
  t.teardown(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  const [hooks, ops] = await new Promise<string[]>((resolve, reject) => {
    const addresses: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      // The two servers log independently: the metrics port's lines say so.
      const match = /"(metrics port: )?Server listening at (http:\/\/[^"]+)/.exec(line);
      if (match) addresses[match[1] ? 1 : 0] = match[2]!;
      if (addresses[0] && addresses[1]) resolve(addresses);
    });
    child.once('exit', (code) => {
      reject(new Error(`exited ${code} before listening: ${lines.join('\n')}`));
    });
  });
  const body = readFileSync(repoPath('test/fixtures/requests/sync-minimal.json'), 'utf8');
  const post = (authorization?: string) =>
    fetch(`${hooks}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body,
    });
  const rejected = await post();
  t.equal(rejected.status, 401, 'an unauthenticated hook call');
  t.same(await rejected.json(), { error: 'Unauthorized', message: 'no bearer token: send Authorization: Bearer <token>' });
  t.equal((await post('Bearer main-test-token-5e6f')).status, 200, 'with the token');
  t.equal((await fetch(`${hooks}/healthz`)).status, 200, 'the kubelet probes the hook port without credentials');
  t.equal((await fetch(`${hooks}/metrics`)).status, 401, 'the hook port no longer serves /metrics');
  const metrics = await fetch(`${ops}/metrics`);
  t.equal(metrics.status, 200, 'the metrics port serves it without credentials');
  t.match(await metrics.text(), /kubedirector_hook_requests_total\{hook="sync",outcome="rejected"\} 1/);
  t.match(lines.join('\n'), /"auth":\["bearer"\].*hook callers must authenticate/);
  t.notMatch(lines.join('\n'), 'main-test-token-5e6f', 'the token is never logged');
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  t.equal(code, 0, 'clean exit, both ports closed');
});
