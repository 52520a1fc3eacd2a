// The hooks' error boundaries: an exception anywhere answers with every observed child as it is,
// the previous status and a Ready condition that says what went wrong; nothing is deleted.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { emergencyResponse, guarded } from '../../src/reconcile/boundary.js';
import { customize } from '../../src/reconcile/customize.js';
import { finalize } from '../../src/reconcile/finalize.js';
import { sync } from '../../src/reconcile/sync.js';
import { readYaml } from '../support/fixtures.js';
import { OPTIONS, app, applied, request, stored, type Status } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml('clusters/spark.yaml');
const first = sync(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
const children = first.children.map((c) => applied(c));
const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const readyOf = (status: Record<string, unknown>) => (status as Status).conditions.find((c) => c.type === 'Ready');

t.test('a child that breaks the reconciler freezes the sync instead of failing it', async (t) => {
  t.ok(children.length > 5, `${children.length} children observed`);
  const broken = children.map((c) => (c.kind === 'ConfigMap' ? { ...c, data: { ...(c as { data?: object }).data, events: 5 } } : c));
  const parent = stored(manifest, { generation: 2, status: first.status });
  const response = sync(request({ parent, apps: [spark], children: broken }), OPTIONS);
  t.same(response.children.map(key).sort(), children.map(key).sort(), 'every observed child is still there');
  t.match(readyOf(response.status), {
    status: 'False',
    reason: 'ReconcileError',
    message: /internal error, existing objects are left as they are/,
  });
  t.equal(response.status.observedGeneration, 2);
  t.equal(
    JSON.stringify(sync(request({ parent, apps: [spark], children: broken }), OPTIONS)),
    JSON.stringify(response),
    'the same answer every time',
  );
});

t.test('finalize keeps everything and stays unfinished when it fails', async (t) => {
  const broken = children.map((c) => (c.kind === 'ConfigMap' ? { ...c, data: { events: 5 } } : c));
  const parent = {
    ...stored(manifest, { status: first.status }),
    metadata: { ...stored(manifest).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
  };
  const response = guarded(request({ parent, children: broken, finalizing: true }), () => {
    throw new Error('boom');
  });
  t.notOk(response.finalized, 'not finalized');
  t.equal(response.children.length, children.length, 'no child dropped');
  t.match(readyOf(response.status), { reason: 'ReconcileError', message: /boom/ });
  const real = finalize(request({ parent, apps: [spark], children, finalizing: true }), OPTIONS);
  t.notOk(real.finalized, 'a teardown with children left is not finished either');
});

t.test('the emergency answer keeps the previous status and replaces only Ready', async (t) => {
  const previous = {
    state: 'configured',
    conditions: [
      { type: 'Valid', status: 'True', reason: 'Valid', message: 'ok' },
      { type: 'Ready', status: 'True', reason: 'AllMembersReady', message: 'x' },
    ],
  };
  const parent = stored(manifest, { generation: 3, status: previous });
  const response = emergencyResponse(request({ parent, children }), new Error('bad'));
  t.equal(response.status.state, 'configured');
  t.same(
    (response.status as Status).conditions.map((c) => c.type),
    ['Ready', 'Valid'],
  );
  t.equal(response.status.observedGeneration, 3);
  const garbage = emergencyResponse(request({ parent: stored(manifest, { status: 'not an object' }), children }), new Error('bad'));
  t.same(Object.keys(garbage.status).sort(), ['conditions', 'observedGeneration'], 'a status that is not an object is not kept');
});

t.test('customize still names the app, the global config, the pods and the StorageClasses when connections are malformed', async (t) => {
  const parent = stored({ ...manifest, spec: { ...(manifest.spec as object), connections: { clusters: 5 } } });
  const rules = customize(parent, OPTIONS).relatedResources;
  t.same(
    rules.map((r) => r.resource),
    ['kubedirectorapps', 'configmaps', 'kubedirectorapps', 'configmaps', 'kubedirectorconfigs', 'pods', 'storageclasses'],
  );
});
