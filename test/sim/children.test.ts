import t from 'tap';
import { kubernetesErrors } from '../support/kube-validate.js';
import {
  claim,
  cluster,
  compositeController,
  configMap,
  FINALIZER,
  NS,
  service,
  setup,
  statefulSet,
  syncing,
  type Json,
} from './fixtures.js';

const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';

t.test('a new child gets the last-applied annotation, the controller-uid label and the controller reference', async (t) => {
  const sim = await setup(
    t,
    syncing(() => [configMap('settings', { a: '1' })]),
  );
  sim.apply(cluster());
  await sim.round();
  const parent = sim.get('kdcluster', NS, 'spark')!;
  const uid = parent.metadata.uid!;
  t.same(parent.metadata.finalizers, [FINALIZER], 'the finalizer goes on before anything else');
  t.same(parent.status, { state: 'configured', observedGeneration: 1 }, 'status from the response, with observedGeneration');
  const cm = sim.get('ConfigMap', NS, 'settings')!;
  t.equal(cm.metadata.labels?.['controller-uid'], uid);
  t.same(cm.metadata.ownerReferences, [
    {
      apiVersion: 'kubedirector.hpe.com/v1beta1',
      kind: 'KubeDirectorCluster',
      name: 'spark',
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  t.same(
    JSON.parse(cm.metadata.annotations![LAST_APPLIED]!),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: NS, labels: { 'controller-uid': uid } },
      data: { a: '1' },
    },
    'the desired object as returned, before the owner reference was added',
  );
  t.same(sim.errors, []);
});

t.test('an update merges into the observed object: allocated values stay, dropped keys go, no-op syncs do not write', async (t) => {
  let desired: Json = service('web', { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80 }] });
  desired.metadata.labels = { tier: 'front', old: 'yes' };
  const sim = await setup(
    t,
    syncing(() => [desired]),
  );
  sim.apply(cluster());
  await sim.round();
  const created = sim.get('svc', NS, 'web')! as Json;
  t.match(created.spec, { clusterIP: /^10\.96\./, ports: [{ port: 80, nodePort: 30000, protocol: 'TCP', targetPort: 80 }] });

  desired = service('web', {
    type: 'NodePort',
    ports: [
      { name: 'web', port: 80 },
      { name: 'admin', port: 9090 },
    ],
  });
  desired.metadata.labels = { tier: 'front' };
  await sim.round();
  const updated = sim.get('svc', NS, 'web')! as Json;
  t.equal(updated.spec.clusterIP, created.spec.clusterIP, 'cluster IP kept');
  t.same(
    updated.spec.ports.map((p: Json) => [p.name, p.port, p.nodePort]),
    [
      ['web', 80, 30000],
      ['admin', 9090, 30001],
    ],
    'merged by port: node port kept, new port appended',
  );
  t.notOk('old' in updated.metadata.labels, 'a label dropped from the desired state is removed');
  t.notOk(
    'sessionAffinity' in updated.spec && updated.spec.sessionAffinity === 'ClientIP',
    'a dropped field is removed (and defaulted again)',
  );
  t.not(updated.metadata.resourceVersion, created.metadata.resourceVersion);

  const result = await sim.round();
  t.equal(sim.get('svc', NS, 'web')!.metadata.resourceVersion, updated.metadata.resourceVersion, 'the same desired state writes nothing');
  t.notOk(result.changed);
});

t.test('children left out of the response are deleted', async (t) => {
  let names = ['a', 'b'];
  const sim = await setup(
    t,
    syncing(() => names.map((n) => configMap(n))),
  );
  sim.apply(cluster());
  await sim.round();
  t.same(
    sim.list('cm', NS).map((o) => o.metadata.name),
    ['a', 'b'],
  );
  names = ['b'];
  await sim.round();
  t.same(
    sim.list('cm', NS).map((o) => o.metadata.name),
    ['b'],
  );
});

t.test('a labeled orphan is adopted and seen as a child; unlabeled ones and other owners are left alone', async (t) => {
  const requests: Json[] = [];
  const sim = await setup(t, (hook, request) => {
    if (hook === 'sync') requests.push(request);
    return hook === 'customize'
      ? { relatedResources: [] }
      : { status: {}, children: Object.values(request.children['PersistentVolumeClaim.v1']).map(stripServerFields) };
  });
  sim.apply(cluster());
  const uid = sim.get('kdcluster', NS, 'spark')!.metadata.uid!;
  sim.apply(claim('p-orphan', '1Gi', { 'controller-uid': uid }));
  sim.apply(claim('p-stranger', '1Gi'));
  const owned = claim('p-other', '1Gi', { 'controller-uid': uid });
  owned.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'someone-else', controller: true }];
  sim.apply(owned);
  await sim.round();
  t.same(Object.keys(requests[0].children['PersistentVolumeClaim.v1']), ['demo/p-orphan'], 'only the labeled orphan is a child');
  t.match(
    requests[0].children['PersistentVolumeClaim.v1']['demo/p-orphan'].metadata.ownerReferences,
    [{ uid, controller: true }],
    'adopted before the sync',
  );
  t.notOk(sim.get('pvc', NS, 'p-stranger')!.metadata.ownerReferences);
  t.same(
    sim.errors.filter((e) => !e.includes('garbage collector')),
    [],
  );
});

t.test('an owned child whose labels no longer match is released', async (t) => {
  const sim = await setup(
    t,
    syncing(() => []),
  );
  sim.apply(cluster());
  await sim.round();
  const uid = sim.get('kdcluster', NS, 'spark')!.metadata.uid!;
  const pvc = claim('p-x', '1Gi', { other: 'label' });
  pvc.metadata.ownerReferences = [
    { apiVersion: 'kubedirector.hpe.com/v1beta1', kind: 'KubeDirectorCluster', name: 'spark', uid, controller: true },
  ];
  sim.apply(pvc);
  await sim.round();
  t.same(sim.get('pvc', NS, 'p-x')!.metadata.ownerReferences, [], 'released, not deleted');
});

t.test('dropping an owner reference the last desired state listed orphans the child, and it is adopted again', async (t) => {
  let withRef = true;
  const sim = await setup(
    t,
    syncing((request) => {
      const cm = configMap('settings');
      if (withRef)
        cm.metadata.ownerReferences = [
          {
            apiVersion: request.parent.apiVersion,
            kind: request.parent.kind,
            name: 'spark',
            uid: request.parent.metadata.uid,
            controller: true,
          },
        ];
      return [cm];
    }),
  );
  sim.apply(cluster());
  await sim.round();
  t.equal(sim.get('cm', NS, 'settings')!.metadata.ownerReferences?.length, 1);
  withRef = false;
  await sim.round();
  t.notOk(sim.get('cm', NS, 'settings')!.metadata.ownerReferences, 'the merge removed the owner references: an orphan');
  await sim.round();
  t.match(
    sim.get('cm', NS, 'settings')!.metadata.ownerReferences,
    [{ controller: true }],
    'the matching orphan is adopted on the next sync',
  );
  t.same(sim.list('cm', NS).length, 1, 'never deleted');
});

t.test('a desired child whose labels do not match the selector fails the whole sync', async (t) => {
  let bad = false;
  const sim = await setup(
    t,
    syncing(
      () => [configMap('good'), ...(bad ? [configMap('bad', {}, { metadata: { labels: { 'controller-uid': 'not-the-parent' } } })] : [])],
      () => ({ state: bad ? 'bad' : 'good' }),
    ),
  );
  sim.apply(cluster());
  await sim.round();
  bad = true;
  const result = await sim.round();
  t.match(result.errors, [/labels on desired child ConfigMap demo\/bad don't match parent selector/]);
  t.notOk(sim.get('cm', NS, 'bad'));
  t.equal((sim.get('kdcluster', NS, 'spark') as Json).status.state, 'good', 'status is not written either');
});

t.test('a child of a type the controller does not list is an error, and the observed child of the right version is deleted', async (t) => {
  let apiVersion = 'apps/v1';
  const sim = await setup(
    t,
    syncing(() => [{ ...statefulSet('web', { storage: '' }), apiVersion }, configMap('settings')]),
  );
  sim.apply(cluster());
  await sim.round();
  t.ok(sim.get('sts', NS, 'web'));
  apiVersion = 'apps/v1beta1';
  const result = await sim.round();
  t.match(result.errors, [/StatefulSet in apps\/v1beta1 is not a child resource of CompositeController kubedirectorclusters/]);
  t.notOk(sim.get('sts', NS, 'web'), 'StatefulSet.apps/v1 was not in the response, so it was deleted');
  t.ok(sim.get('cm', NS, 'settings'), 'other children still applied');
});

t.test('the API server refuses forbidden updates; the other children still go ahead', async (t) => {
  let version = 1;
  const sim = await setup(
    t,
    syncing(() => [
      statefulSet('web', {
        storage: version === 1 ? '1Gi' : '2Gi',
        serviceName: version === 1 ? 'a' : 'b',
        replicas: version,
        policy: 'Parallel',
      }),
      claim('data', version === 1 ? '2Gi' : version === 2 ? '1Gi' : '5Gi'),
      service('web', { clusterIP: version === 1 ? 'None' : '10.96.9.9', ports: [{ port: 80 }] }),
      configMap('settings', { version: String(version) }),
    ]),
  );
  sim.apply(cluster());
  await sim.converge();
  version = 2;
  const result = await sim.round();
  t.match(
    result.errors.join('\n'),
    /StatefulSet\.apps "web" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/,
  );
  t.match(
    result.errors.join('\n'),
    /PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value/,
  );
  t.match(result.errors.join('\n'), /Service "web" is invalid: spec.clusterIP: Invalid value: "10.96.9.9": field is immutable/);
  t.equal((sim.get('sts', NS, 'web') as Json).spec.replicas, 1, 'the refused StatefulSet update did not happen at all');
  t.equal((sim.get('cm', NS, 'settings') as Json).data.version, '2');

  version = 3;
  await sim.round();
  t.equal((sim.get('pvc', NS, 'data') as Json).spec.resources.requests.storage, '5Gi', 'a bound claim may grow');
  t.equal((sim.get('pvc', NS, 'data') as Json).status.capacity.storage, '2Gi');
  await sim.round();
  t.match(
    (sim.get('pvc', NS, 'data') as Json).status,
    {
      capacity: { storage: '2Gi' },
      conditions: [{ type: 'Resizing', status: 'True' }],
      allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' },
    },
    'the next round, the claim is resizing',
  );
  await sim.round();
  const grown = (sim.get('pvc', NS, 'data') as Json).status;
  t.equal(grown.capacity.storage, '5Gi', 'the round after, capacity has caught up');
  t.notOk(grown.conditions ?? grown.allocatedResourceStatuses, 'and the resize marks are gone');
});

t.test('validateChild refusals are recorded and the object is not written; defaulted objects pass it', async (t) => {
  let broken = false;
  const sim = await setup(
    t,
    syncing(() => [
      statefulSet('web', { replicas: 2 }),
      service('web', { type: 'LoadBalancer', ports: [{ port: broken ? 'eighty' : 80 }] }),
      claim('data'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } },
    ]),
    { validateChild: kubernetesErrors },
  );
  sim.apply(cluster());
  await sim.converge();
  t.same(sim.errors, [], 'everything the simulator defaults and controllers write is schema-valid');
  t.same((sim.get('secret', NS, 's') as Json).data, { password: 'eA==' }, 'stringData is folded into data');
  broken = true;
  const result = await sim.round();
  t.match(result.errors, [/can't update Service demo\/web: Service "web" is invalid: .*port/]);
  t.equal((sim.get('svc', NS, 'web') as Json).spec.ports[0].port, 80);
});

t.test('with the default OnDelete strategy children are created but never updated', async (t) => {
  let value = '1';
  const sim = await setup(
    t,
    syncing(() => [configMap('settings', { value })]),
    { controller: compositeController({ updateMethod: 'OnDelete' }) },
  );
  sim.apply(cluster());
  await sim.round();
  value = '2';
  await sim.round();
  t.equal((sim.get('cm', NS, 'settings') as Json).data.value, '1');
});

t.test('with Recreate a changed child is deleted and created again on the next sync', async (t) => {
  let value = '1';
  const sim = await setup(
    t,
    syncing(() => [configMap('settings', { value })]),
    { controller: compositeController({ updateMethod: 'Recreate' }) },
  );
  sim.apply(cluster());
  await sim.round();
  const uid = sim.get('cm', NS, 'settings')!.metadata.uid;
  value = '2';
  await sim.round();
  t.notOk(sim.get('cm', NS, 'settings'));
  await sim.round();
  t.equal((sim.get('cm', NS, 'settings') as Json).data.value, '2');
  t.not(sim.get('cm', NS, 'settings')!.metadata.uid, uid);
});

/** What a hook would send back for an observed object. */
function stripServerFields(obj: Json): Json {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ownerReferences: _o, finalizers: _f, ...metadata } = obj.metadata;
  const { status: _s, ...rest } = obj;
  return { ...rest, metadata };
}

t.test("a claim grows only if its StorageClass allows expansion, as the API server's resize admission says", async (t) => {
  const fixed = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: 'x' };
  let size = '1Gi';
  const sim = await setup(
    t,
    syncing(() => [claim('data', size)]),
    { storageClasses: [fixed] },
  );
  sim.apply(cluster());
  await sim.converge();
  t.equal((sim.get('pvc', NS, 'data') as Json).status.phase, 'Bound');
  size = '5Gi';
  const result = await sim.round();
  t.match(result.errors, [
    /PersistentVolumeClaim.*persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/,
  ]);
  t.equal((sim.get('pvc', NS, 'data') as Json).spec.resources.requests.storage, '1Gi', 'the claim is unchanged');

  sim.apply({ ...fixed, allowVolumeExpansion: true });
  t.equal((sim.get('sc', '', 'standard') as Json).allowVolumeExpansion, true, 'a StorageClass is cluster-scoped: no namespace');
  t.notOk(sim.get('sc', '', 'standard')?.metadata.namespace);
  await sim.converge();
  t.equal((sim.get('pvc', NS, 'data') as Json).status.capacity.storage, '5Gi', 'once the class allows it, the claim grows');
});
