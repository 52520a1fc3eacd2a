import t from 'tap';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { buildServer } from '../../src/server/app.js';
import { repoPath } from '../support/fixtures.js';

const request = readFileSync(repoPath('test/fixtures/requests/sync-minimal.json'), 'utf8');
const json = { 'content-type': 'application/json' };

/** A server whose log lines are collected as parsed JSON. */
function serverWithLogs(options: Parameters<typeof buildServer>[0] = {}) {
  const lines: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = buildServer({ logLevel: 'debug', ...options, logStream });
  return { app, lines };
}

t.test('health endpoints answer', async (t) => {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  t.same((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
  t.same((await app.inject({ url: '/readyz' })).json(), { status: 'ready' });
});

t.test('sync answers 200 with whole children and a status', async (t) => {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  const reply = await app.inject({ method: 'POST', url: '/sync', headers: json, payload: request });
  t.equal(reply.statusCode, 200);
  const body = reply.json();
  t.ok(body.status, 'status is always present: a missing status would wipe it');
  t.equal(body.children.length, 19, 'the Spark example: every child of its first sync');
  const statefulSets = body.children.filter((c: { kind: string }) => c.kind === 'StatefulSet');
  t.match(
    statefulSets.map((s: any) => s.spec.template.spec.containers[0].image),
    ['apache/spark:3.5.3', /pyspark-notebook:spark-3.5.3$/, /pyspark-notebook:spark-3.5.3$/],
    'nothing stripped from children',
  );
  const again = await app.inject({ method: 'POST', url: '/sync', headers: json, payload: request });
  t.equal(again.body, reply.body, 'the same request gives a byte-identical response');
});

t.test('finalize and customize speak the v2 protocol', async (t) => {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  const finalize = await app.inject({ method: 'POST', url: '/finalize', headers: json, payload: request });
  t.equal(finalize.statusCode, 200);
  t.type(finalize.json().finalized, 'boolean');
  const { controller, parent } = JSON.parse(request);
  const customize = await app.inject({ method: 'POST', url: '/customize', headers: json, payload: { controller, parent } });
  t.equal(customize.statusCode, 200);
  t.ok(Array.isArray(customize.json().relatedResources));
});

t.test('bad input gets a clear 4xx and the server keeps serving', async (t) => {
  const app = buildServer({ logLevel: 'silent', bodyLimit: 1024 * 1024 });
  t.teardown(() => app.close());
  const post = (payload: string, headers: Record<string, string> = json, url = '/sync') =>
    app.inject({ method: 'POST', url, headers, payload });

  const malformed = await post('{"controller": {}, "parent": ');
  t.equal(malformed.statusCode, 400);
  t.match(malformed.json().message, /^request body is not valid JSON: .*JSON/);

  const empty = await post('');
  t.equal(empty.statusCode, 400);
  t.match(empty.json().message, /request body is empty/);

  const noNamespace = await post(JSON.stringify({ controller: {}, parent: { apiVersion: 'v', kind: 'k', metadata: { name: 'a' } } }));
  t.equal(noNamespace.statusCode, 400);
  t.match(noNamespace.json().message, 'body/parent/metadata/namespace: Expected required property');

  const badChildren = JSON.parse(request);
  badChildren.children['Service.v1'] = { 'analytics/x': { kind: 'Service', metadata: { name: 'x' } } };
  const wrongType = await post(JSON.stringify(badChildren));
  t.equal(wrongType.statusCode, 400);
  t.match(wrongType.json().message, 'body/children/Service.v1/analytics~1x/apiVersion: Expected required property');

  const notAnObject = await post('[1, 2]');
  t.equal(notAnObject.statusCode, 400);
  t.match(notAnObject.json().message, /body\/: Expected object/);

  const form = await post('a=b', { 'content-type': 'application/x-www-form-urlencoded' });
  t.equal(form.statusCode, 415);
  t.match(form.json().message, 'send Content-Type: application/json');

  const huge = await post(JSON.stringify({ controller: {}, pad: 'x'.repeat(2 * 1024 * 1024) }));
  t.equal(huge.statusCode, 413);
  t.match(huge.json().message, 'larger than the limit of 1048576 bytes; raise BODY_LIMIT_BYTES');

  const unknown = await app.inject({ method: 'GET', url: '/sync' });
  t.equal(unknown.statusCode, 404);
  t.match(unknown.json().message, 'hooks are POST /customize, /sync, /finalize');

  const good = await post(request);
  t.equal(good.statusCode, 200, 'a valid request after all that still succeeds');
});

t.test('the default body limit takes large Metacontroller requests', async (t) => {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  const big = JSON.parse(request);
  // Forty unrelated ConfigMaps near their 1 MiB limit: big, but what an API server could send.
  big.related ??= {};
  big.related['ConfigMap.v1'] = Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => [
      `analytics/padding-${i}`,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `padding-${i}`, namespace: 'analytics' },
        data: { blob: 'x'.repeat(1000 * 1024) },
      },
    ]),
  );
  const reply = await app.inject({ method: 'POST', url: '/sync', headers: json, payload: JSON.stringify(big) });
  t.equal(reply.statusCode, 200, 'a 40 MiB request is accepted');
});

t.test('log lines about a hook call name its parent', async (t) => {
  const { app, lines } = serverWithLogs();
  t.teardown(() => app.close());
  await app.inject({ method: 'POST', url: '/sync', headers: json, payload: request });
  const broken = JSON.parse(request);
  delete broken.controller;
  await app.inject({ method: 'POST', url: '/sync', headers: json, payload: JSON.stringify(broken) });
  await app.inject({ url: '/healthz' });

  const calls = lines.filter((l) => l.url === '/sync');
  t.equal(calls.length, 2, 'one line per hook call');
  t.match(calls[0], { parent: 'analytics/spark-demo', statusCode: 200, children: 19, msg: 'hook call', level: 30 });
  t.match(calls[1], { parent: 'analytics/spark-demo', statusCode: 400, reason: /controller/, msg: 'hook call rejected', level: 40 });
  t.match(
    lines.find((l) => l.url === '/healthz'),
    { level: 20 },
    'probes log at debug only',
  );
});
