// The paths the manifests name (webhook URLs, probe paths) are routes the hook server serves.
// (No helm or kubectl needed: the kustomize base's files are read directly; the chart renders
// the same paths, which equivalence.test.ts checks.)
import t from 'tap';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../../src/server/app.js';
import { configFromEnv } from '../../src/server/config.js';
import { parseObjects, type Obj } from '../support/metacontroller.js';

const json = { 'content-type': 'application/json' };
const read = (file: string) => parseObjects(readFileSync(`metacontroller/${file}`, 'utf8'))[0]!;

t.test('probe paths answer 200', async (t) => {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  const container = read('hooks-deployment.yaml').spec.template.spec.containers[0] as Obj;
  for (const probe of ['livenessProbe', 'readinessProbe']) {
    const reply = await app.inject({ method: 'GET', url: container[probe].httpGet.path });
    t.equal(reply.statusCode, 200, `${probe} ${container[probe].httpGet.path}`);
  }
});

t.test('the hook port as deployed refuses calls without the token, and its probes stay open', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kd-routes-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'token'), 'routes-test-token');
  const container = read('hooks-deployment.yaml').spec.template.spec.containers[0] as Obj;
  const env = Object.fromEntries(container.env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
  t.equal(env.AUTH_TOKEN_FILE, '/var/run/secrets/kubedirector-hooks/auth/token', 'the manifests turn the token on');
  const app = buildServer({ ...configFromEnv({ ...env, AUTH_TOKEN_FILE: join(dir, 'token') }), logLevel: 'silent' });
  t.teardown(() => app.close());
  const hooks = read('compositecontroller.yaml').spec.hooks as Record<string, Obj>;
  for (const [name, hook] of Object.entries(hooks)) {
    const reply = await app.inject({ method: 'POST', url: new URL(hook.webhook.url).pathname, headers: json, payload: '{}' });
    t.equal(reply.statusCode, 401, `${name} without the token`);
  }
  for (const probe of ['livenessProbe', 'readinessProbe']) {
    t.equal((await app.inject({ url: container[probe].httpGet.path })).statusCode, 200, probe);
  }
});

t.test('webhook paths are POST routes of the server', async (t) => {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  const hooks = read('compositecontroller.yaml').spec.hooks as Record<string, Obj>;
  t.same(Object.keys(hooks).sort(), ['customize', 'finalize', 'sync']);
  for (const [name, hook] of Object.entries(hooks)) {
    const path = new URL(hook.webhook.url).pathname;
    // An empty object is not a valid hook request: a route answers 400, a missing one 404.
    const reply = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: '{}' });
    t.equal(reply.statusCode, 400, `${name}: POST ${path} is served (and validates its body)`);
  }
  const missing = await app.inject({
    method: 'POST',
    url: '/no-such-hook',
    headers: { 'content-type': 'application/json' },
    payload: '{}',
  });
  t.equal(missing.statusCode, 404, 'an unknown path would have been noticed');
});
