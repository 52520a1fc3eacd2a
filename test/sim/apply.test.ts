import t from 'tap';
import { cluster, FINALIZER, NS, role, service, setup, syncing, type Json } from './fixtures.js';

t.test('apply: generation follows spec changes; fields others added survive; status is ignored', async (t) => {
  const sim = await setup(
    t,
    syncing(() => []),
  );
  sim.apply(cluster('spark', { app: 'spark', roles: [role('a', 1), role('b', 1)] }));
  await sim.round();
  const first = sim.get('kdcluster', NS, 'spark')!;
  t.equal(first.metadata.generation, 1);
  t.same(first.metadata.finalizers, [FINALIZER]);

  const relabeled = cluster('spark', { app: 'spark', roles: [role('a', 1), role('b', 1)] });
  relabeled.metadata.labels = { team: 'x' };
  sim.apply({ ...relabeled, status: { state: 'forged' } });
  const second = sim.get('kdcluster', NS, 'spark')! as Json;
  t.equal(second.metadata.generation, 1, 'a metadata change does not bump the generation');
  t.same(second.metadata.finalizers, [FINALIZER], "Metacontroller's finalizer survives a re-apply");
  t.equal(second.status.state, 'configured', 'status goes through the status subresource only');

  sim.apply(cluster('spark', { app: 'spark', roles: [role('b', 2)] }));
  const third = sim.get('kdcluster', NS, 'spark')! as Json;
  t.equal(third.metadata.generation, 2);
  t.same(
    third.spec.roles.map((r: Json) => r.id),
    ['b'],
    'lists of a custom resource are replaced, as kubectl does',
  );
  t.notOk(third.metadata.labels?.team, 'a label dropped from the manifest is removed');
  t.match(JSON.parse(third.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']), { spec: { roles: [{ id: 'b' }] } });
});

t.test('apply and delete report what the API server refused', async (t) => {
  const sim = await setup(
    t,
    syncing(() => []),
  );
  sim.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: NS } });
  sim.delete('pod', NS, 'missing');
  t.same(sim.errors, [
    'round 0: apply Deployment demo/x: no matches for kind "Deployment" in version "apps/v1"',
    'round 0: delete pod demo/missing: Pod "missing" not found',
  ]);
});

t.test('services keep what was allocated and drop node ports when they stop needing them', async (t) => {
  let type = 'NodePort';
  const sim = await setup(
    t,
    syncing(() => [service('web', { type, ports: [{ port: 80 }] })]),
  );
  sim.apply(cluster());
  await sim.round();
  t.match((sim.get('svc', NS, 'web') as Json).spec, { type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ nodePort: 30000 }] });
  type = 'ClusterIP';
  await sim.round();
  const spec = (sim.get('svc', NS, 'web') as Json).spec;
  t.same(spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  t.notOk('externalTrafficPolicy' in spec);
  type = 'LoadBalancer';
  await sim.round();
  await sim.round();
  t.match((sim.get('svc', NS, 'web') as Json).status, { loadBalancer: { ingress: [{ ip: '172.18.255.1' }] } });
  t.same(sim.errors, []);
});
