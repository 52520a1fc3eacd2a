// Requests no API server would send get a 400 that names the limit, before any reconciling.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { OBJECT_MAX_DEPTH } from '../../src/api/bounds.js';
import { buildServer } from '../../src/server/app.js';
import { repoPath } from '../support/fixtures.js';

const minimal = readFileSync(repoPath('test/fixtures/requests/sync-minimal.json'), 'utf8');
const json = { 'content-type': 'application/json' };
type Body = Record<string, any>;

const DEEP = '"deep-placeholder"';

/** Posts the minimal request as edited; DEEP in it is replaced by `deep` (JSON.stringify recurses). */
function server() {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  return async (edit: (body: Body) => void, url = '/sync', deep = '') => {
    const body = JSON.parse(minimal) as Body;
    edit(body);
    return app.inject({ method: 'POST', url, headers: json, payload: JSON.stringify(body).replace(DEEP, deep) });
  };
}

const widget = (name: string, extra: Body = {}) => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'analytics' },
  ...extra,
});

t.test('a 1 MiB parent name is refused at once with a short answer', async (t) => {
  const post = server();
  const reply = await post((body) => (body.parent.metadata.name = 'a'.repeat(1024 * 1024)));
  t.equal(reply.statusCode, 400);
  t.equal(reply.json().message, 'body/parent/metadata/name: must be a DNS-1123 subdomain of at most 253 characters');
  t.ok(reply.body.length < 200, 'the answer does not echo the name');
  for (const url of ['/customize', '/finalize']) {
    const other = await post((body) => (body.parent.metadata.name = 'a'.repeat(1024 * 1024)), url);
    t.equal(other.statusCode, 400, `${url} too`);
  }
});

t.test('names and namespaces the API server would refuse', async (t) => {
  const post = server();
  const cases: [string, (body: Body) => void, string][] = [
    ['parent name with capitals', (b) => (b.parent.metadata.name = 'Spark'), 'body/parent/metadata/name: must be a DNS-1123 subdomain'],
    ['parent name of 254', (b) => (b.parent.metadata.name = 'a'.repeat(254)), 'body/parent/metadata/name: must be a DNS-1123 subdomain'],
    ['namespace with a dot', (b) => (b.parent.metadata.namespace = 'a.b'), 'body/parent/metadata/namespace: must be a DNS-1123 label'],
    ['namespace of 64', (b) => (b.parent.metadata.namespace = 'a'.repeat(64)), 'body/parent/metadata/namespace: must be a DNS-1123 label'],
    ['parent uid of 1 MiB', (b) => (b.parent.metadata.uid = 'u'.repeat(1024 * 1024)), 'body/parent/metadata/uid'],
    [
      'a related object with a bad name',
      (b) => (b.related = { 'Widget.example.com/v1': { 'analytics/x_y': widget('x_y') } }),
      'body/related/Widget.example.com~1v1/analytics~1x_y/metadata/name: must be a DNS-1123 subdomain',
    ],
    [
      'an object keyed by a 1 MiB key',
      (b) => (b.related = { 'Widget.example.com/v1': { ['k'.repeat(1024 * 1024)]: widget('w') } }),
      'must be keyed "namespace/name"',
    ],
  ];
  for (const [what, edit, message] of cases) {
    const reply = await post(edit);
    t.equal(reply.statusCode, 400, what);
    t.match(reply.json().message, message, what);
    t.ok(reply.body.length < 1000, `${what}: a short answer`);
  }
});

t.test('labels and annotations within the API server limits pass, beyond them fail', async (t) => {
  const post = server();
  const legal = await post((body) => {
    body.parent.metadata.labels = { 'example.com/team': 'data_eng', [`${'p'.repeat(253)}/${'n'.repeat(63)}`]: 'v'.repeat(63) };
    body.parent.metadata.annotations = { 'Example.COM/Note': 'x'.repeat(250 * 1024) };
  });
  t.equal(legal.statusCode, 200, 'at the limits');
  const cases: [string, (body: Body) => void, string][] = [
    [
      'label value of 64',
      (b) => (b.parent.metadata.labels = { team: 'v'.repeat(64) }),
      'body/parent/metadata/labels/team: label value must be',
    ],
    ['label key with a space', (b) => (b.parent.metadata.labels = { 'a b': 'v' }), 'body/parent/metadata/labels/a b: label key must be'],
    [
      'annotations over 256 KiB',
      (b) => (b.parent.metadata.annotations = { a: 'x'.repeat(256 * 1024) }),
      'annotations must total at most 262144 bytes',
    ],
    ['a 40 MiB annotation', (b) => (b.parent.metadata.annotations = { a: 'x'.repeat(40 * 1024 * 1024) }), 'annotations must total at most'],
  ];
  for (const [what, edit, message] of cases) {
    const reply = await post(edit);
    t.equal(reply.statusCode, 400, what);
    t.match(reply.json().message, message, what);
  }
  const longKey = await post((b) => (b.parent.metadata.labels = { ['k'.repeat(1024 * 1024)]: 'v' }));
  t.equal(longKey.statusCode, 400);
  t.ok(longKey.body.length < 1000, 'a 1 MiB label key is not echoed whole');
});

t.test('RBAC children keep the names the API server allows them', async (t) => {
  const post = server();
  const role = (name: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace: 'analytics', labels: { app: 'x' } },
    rules: [],
  });
  const reply = await post(
    (b) => (b.children = { ...b.children, 'Role.rbac.authorization.k8s.io/v1': { 'analytics/kd:member': role('kd:member') } }),
  );
  t.equal(reply.statusCode, 200, 'a colon is legal in a Role name');
  const bad = await post((b) => (b.children = { ...b.children, 'Role.rbac.authorization.k8s.io/v1': { 'analytics/..': role('..') } }));
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, 'must be a path segment');
});

t.test('nesting: as deep as the API server stores is answered, one level more is refused', async (t) => {
  const post = server();
  // A related object nested `depth` deep, itself included, as Metacontroller would relay it.
  const related = (b: Body) => (b.related = { 'Widget.example.com/v1': { 'analytics/deep': widget('deep', { spec: JSON.parse(DEEP) }) } });
  const nested = (depth: number) => '{"a":'.repeat(depth - 2) + '{}' + '}'.repeat(depth - 2);
  const legal = await post(related, '/sync', nested(OBJECT_MAX_DEPTH));
  t.not(legal.statusCode, 400, 'not refused for its depth');
  const tooDeep = await post(related, '/sync', nested(OBJECT_MAX_DEPTH + 1));
  t.equal(tooDeep.statusCode, 400);
  t.match(tooDeep.json().message, `request body nests objects and arrays deeper than ${OBJECT_MAX_DEPTH + 3} levels`);
  const good = await post(() => {});
  t.equal(good.statusCode, 200, 'the server keeps serving');
});
