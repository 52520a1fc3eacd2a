// Properties of sync over random valid Spark clusters (fast-check): valid Kubernetes children and
// a status the CRD keeps whole; the same request gives the same bytes; a second sync over what
// the first applied changes nothing; and no spec change drops a PVC unless the policy says so.
import t from 'tap';
import fc from 'fast-check';
import type { KubeObject } from '../../src/api/meta.js';
import { admit, committedCrd } from '../support/apiserver.js';
import { readYaml } from '../support/fixtures.js';
import { kubernetesErrors } from '../support/kube-validate.js';
import { OPTIONS, app, applied, request, run, stored } from '../support/requests.js';
import { sync } from '../../src/reconcile/sync.js';

const spark = app('test/fixtures/apps/spark.yaml');
const base = readYaml<any>('clusters/spark.yaml');
const clusterCrd = committedCrd('kubedirectorclusters');
const RUNS = { numRuns: 40, seed: 20261125 };

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const resources = fc.record({
  limits: fc.record({ cpu: fc.constantFrom('1', '2', 4, '1500m'), memory: fc.constantFrom('2Gi', '4Gi', '8Gi', 4294967296) }),
  requests: fc.record({ cpu: fc.constantFrom('500m', '1'), memory: fc.constantFrom('1Gi', '2Gi') }),
});
const storage = fc.option(fc.record({ size: fc.constantFrom('1Gi', '10Gi', '50Gi', 5368709120) }, { requiredKeys: ['size'] }), {
  nil: undefined,
});
const env = fc.array(fc.record({ name: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), value: fc.string({ maxLength: 12 }) }), {
  maxLength: 3,
});
const role = (id: string, members: fc.Arbitrary<number>) =>
  fc.record(
    { id: fc.constant(id), members, resources, storage, env, podLabels: fc.dictionary(label, label, { maxKeys: 2 }) },
    { requiredKeys: ['id', 'members', 'resources'] },
  );

const spec = fc.record(
  {
    app: fc.constant('spark'),
    namingScheme: fc.constantFrom('UID', 'CrNameRole'),
    serviceType: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
    roles: fc.tuple(
      role('controller', fc.constant(1)),
      role('worker', fc.integer({ min: 0, max: 6 })),
      role('jupyter', fc.integer({ min: 0, max: 2 })),
    ),
    persistentVolumeClaimRetentionPolicy: fc.record({
      whenScaled: fc.constantFrom('Retain', 'Delete'),
      whenDeleted: fc.constantFrom('Retain', 'Delete'),
    }),
  },
  { requiredKeys: ['app', 'roles'] },
);
const cluster = fc.record({ name: label, uid: fc.uuid(), spec });
const manifest = (c: { name: string; spec: unknown }) => ({ ...base, metadata: { name: c.name }, spec: c.spec });
const parent = (c: { name: string; uid: string; spec: unknown }, status?: unknown) => {
  const object = stored(manifest(c), status ? { status } : {});
  object.metadata.uid = c.uid;
  return object;
};

t.test('random clusters render valid Kubernetes objects and a status the CRD keeps whole', async (t) => {
  fc.assert(
    fc.property(cluster, (c) => {
      const { children, status } = run({ parent: parent(c), apps: [spark] });
      const errors = children.flatMap(kubernetesErrors);
      const admitted = admit(clusterCrd, { ...parent(c), status });
      return (
        errors.length === 0 &&
        admitted.errors.length === 0 &&
        admitted.unknownFields.length === 0 &&
        status.conditions[0]!.status === 'True'
      );
    }),
    RUNS,
  );
  t.pass('held for every generated cluster');
});

t.test('sync is deterministic and idempotent', async (t) => {
  fc.assert(
    fc.property(cluster, (c) => {
      const first = request({ parent: parent(c), apps: [spark] });
      const body = JSON.stringify(sync(first, OPTIONS));
      if (JSON.stringify(sync(first, OPTIONS)) !== body) return false;
      const response = JSON.parse(body) as { children: KubeObject[]; status: unknown };
      const second = run({ parent: parent(c, response.status), apps: [spark], children: response.children.map((child) => applied(child)) });
      // The first sync sees no children, so it cannot tell Metacontroller's apply strategy yet;
      // from the second on, what is observed no longer moves.
      const third = run({ parent: parent(c, second.status), apps: [spark], children: second.children.map((child) => applied(child)) });
      return (
        JSON.stringify(second.children) === JSON.stringify(response.children) &&
        JSON.stringify(third.children) === JSON.stringify(second.children) &&
        JSON.stringify(third.status) === JSON.stringify(second.status)
      );
    }),
    RUNS,
  );
  t.pass('same request, same bytes; the same children again, and once they are observed a sync over the previous one changes nothing');
});

t.test('no spec change drops an observed PVC while the policy retains them', async (t) => {
  fc.assert(
    fc.property(cluster, spec, fc.boolean(), (before, after, appGone) => {
      const first = run({ parent: parent(before), apps: [spark] });
      const pvcs = first.children.filter((child) => child.kind === 'PersistentVolumeClaim');
      const observed = first.children.map((child) => applied(child));
      const changed = {
        ...before,
        spec: { ...after, namingScheme: before.spec.namingScheme, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain' } },
      };
      const next = run({ parent: parent(changed, first.status), apps: appGone ? [] : [spark], children: observed });
      const kept = new Set(next.children.filter((child) => child.kind === 'PersistentVolumeClaim').map((child) => child.metadata.name));
      return pvcs.every((pvc) => kept.has(pvc.metadata.name));
    }),
    RUNS,
  );
  t.pass('every observed PVC is still a child');
});
