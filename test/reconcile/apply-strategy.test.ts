// Metacontroller's apply strategy, told from the observed children, and what it means for the
// PVCs a deletion keeps: said while the cluster lives, and at deletion how to release them.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { observedApplyStrategy } from '../../src/reconcile/apply-strategy.js';
import { finalize } from '../../src/reconcile/finalize.js';
import { LAST_APPLIED } from '../../src/reconcile/observed.js';
import { clone, readYaml } from '../support/fixtures.js';
import { OPTIONS, UID, app, applied, condition, request, run, stored, type Status } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const sparkCluster = readYaml('clusters/spark.yaml');

/** An object as Metacontroller's server-side apply stores it: the owner reference owned by an Apply operation, no last-applied annotation. */
function serverSideApplied(desired: KubeObject, manager = 'metacontroller'): KubeObject {
  const metadata = clone(desired.metadata);
  metadata.ownerReferences = [
    { apiVersion: 'kubedirector.hpe.com/v1beta1', kind: 'KubeDirectorCluster', name: 'spark-demo', uid: UID, controller: true },
  ];
  const managedFields = [
    {
      manager,
      operation: 'Apply',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:ownerReferences': { [`k:{"uid":"${UID}"}`]: {} } } },
    },
    { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } },
  ];
  return { ...clone(desired), metadata: { ...metadata, uid: `uid-${desired.metadata.name}`, managedFields } as KubeObject['metadata'] };
}

const first = run({ parent: stored(sparkCluster), apps: [spark] });
const dynamicChildren = first.children.map((c) => applied(c));
const ssaChildren = first.children.map((c) => serverSideApplied(c));

t.test('the strategy shows in the observed children', async (t) => {
  t.equal(observedApplyStrategy(dynamicChildren, UID), 'dynamic-apply', 'the last-applied annotation: dynamic-apply');
  t.equal(observedApplyStrategy(ssaChildren, UID), 'server-side-apply', 'an Apply operation owns the owner reference');
  t.equal(
    observedApplyStrategy(
      first.children.map((c) => serverSideApplied(c, 'my-metacontroller')),
      UID,
    ),
    'server-side-apply',
    'whatever the field manager is called',
  );
  t.equal(observedApplyStrategy(ssaChildren, 'another-uid'), undefined, "another parent's reference says nothing about this one");
  t.equal(observedApplyStrategy([], UID), undefined, 'no child yet: unknown');
  const odd = [
    { ...dynamicChildren[0]!, metadata: { ...dynamicChildren[0]!.metadata, annotations: undefined, managedFields: 'x' } },
    {
      ...dynamicChildren[0]!,
      metadata: { ...dynamicChildren[0]!.metadata, annotations: undefined, managedFields: [null, 1, { operation: 'Apply' }] },
    },
  ] as unknown as KubeObject[];
  t.equal(observedApplyStrategy(odd, UID), undefined, 'managedFields of unexpected types are ignored');
  const migrating = [...dynamicChildren.slice(1), ssaChildren[0]!];
  t.equal(observedApplyStrategy(migrating, UID), 'server-side-apply', 'one child applied server-side decides: it will happen to all');
});

t.test('while the cluster lives, its status says whether deleting it can keep the PVCs', async (t) => {
  const parent = stored(sparkCluster, { status: first.status });
  t.match(condition(first.status, 'RetentionPolicySupported'), { status: 'Unknown', reason: 'NoChildrenYet' }, 'before any child');
  const dynamic = run({ parent, apps: [spark], children: dynamicChildren });
  t.match(condition(dynamic.status, 'RetentionPolicySupported'), { status: 'True', reason: 'DynamicApply' });
  const ssa = run({ parent, apps: [spark], children: ssaChildren });
  const held = condition(ssa.status, 'RetentionPolicySupported');
  t.match(held, { status: 'False', reason: 'ServerSideApply' });
  t.match(held.message, /--apply-strategy=dynamic-apply/, 'and what to do about it');
  t.same(
    ssa.children.map((c) => `${c.kind}/${c.metadata.name}`).sort(),
    dynamic.children.map((c) => `${c.kind}/${c.metadata.name}`).sort(),
    'the children are the same under both strategies',
  );
  const spec = { ...(clone(sparkCluster.spec) as object), persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } };
  const deleting = run({ parent: stored({ ...sparkCluster, spec }, { status: first.status }), apps: [spark], children: ssaChildren });
  t.match(
    condition(deleting.status, 'RetentionPolicySupported'),
    { status: 'True', reason: 'DeletePolicy' },
    'whenDeleted: Delete works under both',
  );
});

t.test('finalize under server-side apply keeps the PVCs owned and says how to release them', async (t) => {
  const parent = stored(sparkCluster, { status: first.status });
  parent.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const pvcs = ssaChildren.filter((c) => c.kind === 'PersistentVolumeClaim');
  t.equal(pvcs.length, 2);
  const response = finalize(request({ parent, apps: [spark], children: pvcs, finalizing: true }), OPTIONS);
  t.equal(response.finalized, false, 'the deletion waits: nothing is lost');
  t.same(
    response.children.map((c) => c.metadata.name),
    pvcs.map((c) => c.metadata.name),
    'the PVCs are still desired',
  );
  const status = response.status as Status;
  const ready = condition(status, 'Ready');
  t.match(ready.message, `kubectl patch pvc ${pvcs.map((p) => p.metadata.name).join(' ')} -n analytics --type=json`);
  t.match(condition(status, 'RetentionPolicySupported'), { status: 'False', reason: 'ServerSideApply' });

  const dynamicPvcs = dynamicChildren.filter((c) => c.kind === 'PersistentVolumeClaim');
  const released = finalize(request({ parent, apps: [spark], children: dynamicPvcs, finalizing: true }), OPTIONS);
  t.match((released.status as Status).conditions.find((c) => c.type === 'Ready')?.message, /2 PVCs being released \(kept\)/);
  t.notOk(JSON.stringify(released.status).includes('kubectl patch'), 'under dynamic-apply the release needs no one');
  t.notOk(
    released.children.some((c) => c.metadata.annotations?.[LAST_APPLIED]),
    'the desired PVCs carry no last-applied annotation of their own',
  );
});
