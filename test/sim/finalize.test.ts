import t from 'tap';
import { claim, cluster, compositeController, configMap, FINALIZER, NS, setup, statefulSet, type Handler, type Json } from './fixtures.js';

/** Children while alive; while finalizing, first only the claim, then nothing and finalized. */
function lifecycle(finalizeCalls: Json[]): Handler {
  return (hook, request) => {
    if (hook === 'customize') return { relatedResources: [] };
    const uid = request.parent.metadata.uid;
    const claims = [claim('p-web-0', '1Gi', { 'kd.example/set': 'web', 'controller-uid': uid })];
    if (hook === 'sync')
      return {
        status: { state: 'configured' },
        children: [statefulSet('web', { labels: { 'controller-uid': uid } }), configMap('settings'), ...claims],
      };
    finalizeCalls.push(request);
    const finalized = finalizeCalls.length > 1;
    return { status: { state: 'deleting' }, children: finalized ? [] : claims, finalized };
  };
}

t.test('deleting the parent: finalize until finalized, then the finalizer goes and the garbage collector takes the rest', async (t) => {
  const finalizeCalls: Json[] = [];
  const sim = await setup(t, lifecycle(finalizeCalls));
  sim.apply(cluster());
  await sim.converge();
  t.same(
    sim.list('pods', NS).map((p) => p.metadata.name),
    ['web-0'],
  );
  const generation = sim.get('kdcluster', NS, 'spark')!.metadata.generation!;

  const callsBefore = sim.calls.length;
  sim.delete('kdcluster', NS, 'spark');
  const deleting = sim.get('kdcluster', NS, 'spark')!;
  t.ok(deleting.metadata.deletionTimestamp, 'the finalizer keeps the parent, marked for deletion');
  t.equal(deleting.metadata.generation, generation + 1);

  await sim.round();
  t.equal(finalizeCalls.length, 1);
  t.equal(finalizeCalls[0].finalizing, true);
  t.same(Object.keys(finalizeCalls[0].children['StatefulSet.apps/v1']), ['demo/web'], 'children are still sent');
  t.notOk(sim.get('sts', NS, 'web'), 'children left out of a finalize response are deleted');
  t.notOk(sim.get('cm', NS, 'settings'));
  t.match((sim.get('kdcluster', NS, 'spark') as Json).status, { state: 'deleting' });

  await sim.round();
  t.ok(sim.get('pod', NS, 'web-0')!.metadata.deletionTimestamp, 'the set is gone, so the garbage collector deletes its pod');
  t.equal(finalizeCalls.length, 2);
  t.notOk(sim.get('kdcluster', NS, 'spark'), 'finalized: the finalizer is removed and the parent is gone');
  t.notOk(
    sim.get('pvc', NS, 'p-web-0')!.metadata.deletionTimestamp,
    "the finalizer went first, so the finalized response's children were not managed",
  );
  await sim.converge();
  t.same(sim.list('pods', NS), []);
  t.same(sim.list('pvc', NS), [], 'the claim owned by the parent went with it once no pod mounted it');
  t.same(
    sim.calls.slice(callsBefore).map((c) => c.hook),
    ['customize', 'finalize', 'finalize'],
    'deletion bumped the generation, so customize was asked again',
  );
  t.same(sim.errors, []);
});

t.test('no adoption while the parent is being deleted', async (t) => {
  const finalizeCalls: Json[] = [];
  const sim = await setup(t, (hook, request) => {
    if (hook === 'customize') return { relatedResources: [] };
    if (hook === 'finalize') finalizeCalls.push(request);
    return { status: {}, children: [], finalized: false };
  });
  sim.apply(cluster());
  await sim.round();
  const uid = sim.get('kdcluster', NS, 'spark')!.metadata.uid!;
  sim.delete('kdcluster', NS, 'spark');
  sim.apply(claim('p-orphan', '1Gi', { 'controller-uid': uid }));
  await sim.round();
  t.same(finalizeCalls[0].children['PersistentVolumeClaim.v1'], {});
  t.notOk(sim.get('pvc', NS, 'p-orphan')!.metadata.ownerReferences);
});

t.test('without a finalize hook there is no finalizer and deletion is immediate', async (t) => {
  const sim = await setup(
    t,
    (hook) => (hook === 'customize' ? { relatedResources: [] } : { status: {}, children: [configMap('settings')] }),
    {
      controller: compositeController({ finalize: false }),
    },
  );
  sim.apply(cluster());
  await sim.round();
  t.same(sim.get('kdcluster', NS, 'spark')!.metadata.finalizers, undefined);
  sim.delete('kdcluster', NS, 'spark');
  t.notOk(sim.get('kdcluster', NS, 'spark'));
  t.notOk(sim.get('cm', NS, 'settings'), 'garbage collected at once');
  t.notOk(sim.calls.some((c) => c.hook === 'finalize'));
});

t.test('a finalizer the controller no longer needs is removed', async (t) => {
  const sim = await setup(t, (hook) => (hook === 'customize' ? { relatedResources: [] } : { status: {}, children: [] }), {
    controller: compositeController({ finalize: false }),
  });
  sim.apply({ ...cluster(), metadata: { ...cluster().metadata, finalizers: [FINALIZER, 'example.com/keep'] } });
  await sim.round();
  t.same(sim.get('kdcluster', NS, 'spark')!.metadata.finalizers, ['example.com/keep']);
});
