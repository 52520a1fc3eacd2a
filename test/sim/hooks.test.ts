import t from 'tap';
import { admit, committedCrd } from '../support/apiserver.js';
import { cluster, configMap, FINALIZER, NS, Reply, role, setup, syncing, type Json } from './fixtures.js';

const CHILD_TYPES = ['ConfigMap.v1', 'PersistentVolumeClaim.v1', 'Secret.v1', 'Service.v1', 'StatefulSet.apps/v1'];

t.test('the sync request is v2: whole parent, every child type keyed even when empty, related by type', async (t) => {
  const sim = await setup(t, (hook) =>
    hook === 'customize'
      ? {
          relatedResources: [{ apiVersion: 'kubedirector.hpe.com/v1beta1', resource: 'kubedirectorapps', namespace: NS, names: ['spark'] }],
        }
      : { status: {}, children: [configMap('settings')] },
  );
  sim.apply({
    apiVersion: 'kubedirector.hpe.com/v1beta1',
    kind: 'KubeDirectorApp',
    metadata: { name: 'spark', namespace: NS },
    spec: { label: { name: 'Spark' } },
  });
  sim.apply(cluster());
  await sim.round();
  await sim.round();
  const [customize, first, second] = sim.calls;
  t.same(
    sim.calls.map((c) => c.hook),
    ['customize', 'sync', 'sync'],
    'customize is cached for an unchanged generation',
  );
  t.same(Object.keys(customize!.request as Json), ['controller', 'parent']);
  const request = first!.request as Json;
  t.same(Object.keys(request).sort(), ['children', 'controller', 'finalizing', 'parent', 'related']);
  t.equal(request.finalizing, false);
  t.equal(request.controller.metadata.name, 'kubedirectorclusters');
  t.match(request.parent.metadata, {
    name: 'spark',
    namespace: NS,
    uid: String,
    resourceVersion: String,
    generation: 1,
    finalizers: [FINALIZER],
    creationTimestamp: '2026-01-01T00:00:00Z',
  });
  t.same(Object.keys(request.children).sort(), CHILD_TYPES);
  t.same(request.children['ConfigMap.v1'], {});
  t.same(Object.keys(request.related), ['KubeDirectorApp.kubedirector.hpe.com/v1beta1']);
  t.equal(request.related['KubeDirectorApp.kubedirector.hpe.com/v1beta1']['demo/spark'].spec.label.name, 'Spark');
  t.same(
    first!.response,
    { status: {}, children: [configMap('settings')] },
    'the response is recorded as sent, before Metacontroller adds labels',
  );
  const observed = (second!.request as Json).children['ConfigMap.v1']['demo/settings'];
  t.match(observed.metadata, {
    uid: String,
    resourceVersion: String,
    labels: { 'controller-uid': request.parent.metadata.uid },
    ownerReferences: [{ controller: true }],
  });
});

t.test('related rules: names, label selectors, and no namespace meaning every namespace (v2)', async (t) => {
  const sim = await setup(t, (hook, request) => {
    if (hook !== 'customize') return { status: {}, children: [] };
    return {
      relatedResources: [
        { apiVersion: 'v1', resource: 'configmaps', namespace: NS, names: ['a'] },
        { apiVersion: 'v1', resource: 'secrets', labelSelector: { matchLabels: { pick: 'me' } } },
        {
          apiVersion: 'v1',
          resource: 'services',
          namespace: 'other',
          labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] },
        },
        { apiVersion: 'kubedirector.hpe.com/v1beta1', resource: 'kubedirectorclusters', names: [request.parent.metadata.name] },
      ],
    };
  });
  sim.apply(cluster());
  for (const ns of [NS, 'other']) {
    sim.apply({ ...configMap('a'), metadata: { name: 'a', namespace: ns } });
    sim.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: ns, labels: { pick: 'me' } } });
    sim.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unpicked', namespace: ns } });
    sim.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'front', namespace: ns, labels: { tier: 'front' } },
      spec: { ports: [{ port: 80 }] },
    });
  }
  await sim.round();
  const related = (sim.calls.find((c) => c.hook === 'sync')!.request as Json).related;
  t.same(Object.keys(related['ConfigMap.v1']), ['demo/a']);
  t.same(Object.keys(related['Secret.v1']), ['demo/s', 'other/s'], 'no namespace: all namespaces');
  t.same(Object.keys(related['Service.v1']), ['other/front']);
  t.same(Object.keys(related['KubeDirectorCluster.kubedirector.hpe.com/v1beta1']), ['demo/spark']);
});

t.test('customize is called again when the parent generation changes', async (t) => {
  const sim = await setup(
    t,
    syncing(() => []),
  );
  sim.apply(cluster());
  await sim.round();
  await sim.round();
  sim.apply(cluster('spark', { app: 'spark', roles: [role('worker', 2)] }));
  await sim.round();
  t.same(
    sim.calls.map((c) => c.hook),
    ['customize', 'sync', 'sync', 'customize', 'sync'],
  );
  t.equal((sim.calls[4]!.request as Json).parent.metadata.generation, 2);
});

t.test('a response Metacontroller cannot decode applies nothing and leaves status alone', async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'unknown field',
      () => ({ status: { state: 'x' }, children: [configMap('new')], extra: true }),
      /strict validation failed for v2 webhookResponse \(type: sync, mode: Strict\): unknown field "extra"/,
    ],
    ['status 500', () => new Reply(500, '{"error":"boom"}'), /unsupported status code: 500 body: \{"error":"boom"\}/],
    ['status 202', () => ({ status: {}, children: [] }), /unsupported status code: 202/],
    ['not JSON', () => new Reply(200, 'hello'), /can't unmarshal webhookResponse.*not JSON/],
    [
      'wrong type',
      () => ({ status: {}, children: { a: 1 } }),
      /can't unmarshal webhookResponse \(version: v2, type: sync\): children: expected an array/,
    ],
    [
      'child without kind',
      () => ({ status: {}, children: [{ apiVersion: 'v1', metadata: { name: 'x' } }] }),
      /children\[0\]: expected an object with apiVersion and kind/,
    ],
  ];
  for (const [name, bad, message] of cases) {
    t.test(name, async (t) => {
      let good = true;
      const sim = await setup(t, (hook) => {
        if (hook === 'customize') return { relatedResources: [] };
        if (good) return { status: { state: 'configured' }, children: [configMap('kept')] };
        const reply = bad();
        return name === 'status 202' ? new Reply(202, JSON.stringify(reply)) : reply;
      });
      sim.apply(cluster());
      await sim.round();
      good = false;
      const before = sim.get('kdcluster', NS, 'spark')!;
      const result = await sim.round();
      t.match(result.errors, [message]);
      t.ok(sim.get('cm', NS, 'kept'), 'the child not in the bad response is not deleted');
      t.notOk(sim.get('cm', NS, 'new'));
      t.same(sim.get('kdcluster', NS, 'spark'), before, 'parent and status unchanged');
      t.equal(sim.calls.at(-1)!.hook, 'sync');
    });
  }
});

t.test('a response without status wipes the status down to observedGeneration', async (t) => {
  let withStatus = true;
  const sim = await setup(t, (hook) =>
    hook === 'customize' ? { relatedResources: [] } : withStatus ? { status: { state: 'configured' }, children: [] } : { children: [] },
  );
  sim.apply(cluster());
  await sim.round();
  withStatus = false;
  await sim.round();
  t.same(sim.get('kdcluster', NS, 'spark')!.status, { observedGeneration: 1 });
});

t.test('a customize response with unknown fields fails before the sync hook is called', async (t) => {
  const sim = await setup(t, (hook) =>
    hook === 'customize' ? { relatedResources: [{ apiVersion: 'v1', resource: 'configmaps', nmes: ['a'] }] } : { status: {}, children: [] },
  );
  sim.apply(cluster());
  const result = await sim.round();
  t.match(result.errors, [/customize hook failed: strict validation failed .*unknown field "relatedResources\[0\].nmes"/]);
  t.same(
    sim.calls.map((c) => c.hook),
    ['customize'],
  );
});

t.test('admission of the parent refuses invalid applies and status writes', async (t) => {
  const crd = committedCrd('kubedirectorclusters');
  const admitParent = (obj: Json, old?: Json) => admit(crd, obj, old).errors;
  const sim = await setup(
    t,
    syncing(
      () => [],
      () => ({ state: 'no-such-state' }),
    ),
    { admitParent },
  );
  sim.apply(cluster('bad', { roles: [] }));
  t.match(sim.errors, [/apply KubeDirectorCluster demo\/bad: KubeDirectorCluster.kubedirector.hpe.com "bad" is invalid: .*app/]);
  t.notOk(sim.get('kdcluster', NS, 'bad'));
  sim.apply(cluster());
  const result = await sim.round();
  t.match(result.errors, [/metacontroller demo\/spark: can't update status: KubeDirectorCluster.kubedirector.hpe.com "spark" is invalid/]);
  t.notOk(sim.get('kdcluster', NS, 'spark')!.status);
  t.same(sim.get('kdcluster', NS, 'spark')!.metadata.finalizers, [FINALIZER], 'the finalizer update passed admission');
});
