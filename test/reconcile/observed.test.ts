import t from 'tap';
import { LAST_APPLIED, asDesired, observedChildren } from '../../src/reconcile/observed.js';
import type { KubeObject } from '../../src/api/meta.js';

const desired = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'svc', namespace: 'ns', labels: { a: 'b' } },
  spec: { clusterIP: 'None', ports: [{ port: 80 }] },
};

const observed = (annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'svc',
    namespace: 'ns',
    uid: 'u-1',
    resourceVersion: '7',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { a: 'b' },
    annotations,
    ownerReferences: [{ apiVersion: 'x/v1', kind: 'K', name: 'p', uid: 'u' }],
  },
  spec: { clusterIP: 'None', ports: [{ port: 80, protocol: 'TCP' }], sessionAffinity: 'None' },
  status: { loadBalancer: {} },
});

t.test('an observed child is returned as Metacontroller last applied it', async (t) => {
  t.same(asDesired(observed({ [LAST_APPLIED]: JSON.stringify(desired) })), desired);
});

t.test('without a usable annotation, the observed object minus server-owned fields', async (t) => {
  for (const annotations of <Record<string, string>[]>[
    {},
    { [LAST_APPLIED]: '{not json' },
    { [LAST_APPLIED]: JSON.stringify({ ...desired, kind: 'Pod' }) },
  ]) {
    const result = asDesired(observed({ ...annotations, keep: 'me' }));
    t.same(result.metadata, { name: 'svc', namespace: 'ns', labels: { a: 'b' }, annotations: { keep: 'me' } });
    t.notOk('status' in result, 'status is the server side of the object');
    t.same(result.spec, observed().spec, 'spec untouched');
  }
  t.notOk('annotations' in asDesired(observed()).metadata, 'no empty annotations map');
});

t.test('observed children come in a stable order', async (t) => {
  const obj = (kind: string, name: string) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'ns' } });
  const children = {
    'Service.v1': { 'ns/b': obj('Service', 'b'), 'ns/a': obj('Service', 'a') },
    'ConfigMap.v1': { 'ns/z': obj('ConfigMap', 'z') },
    'Secret.v1': {},
  };
  t.same(
    observedChildren(children).map((o) => `${o.kind}/${o.metadata.name}`),
    ['ConfigMap/z', 'Service/a', 'Service/b'],
  );
});
