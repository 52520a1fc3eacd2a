// The real entry point, as a process: listens, serves, and exits cleanly on SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
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
