// The Cassandra example end to end on the simulator, against the real hook server.
import { installApp } from '../support/catalog.js';
import t from 'tap';
import { NAMESPACE, world } from '../support/world.js';

t.test('Cassandra: two seeds and two other members, from nothing to configured', async (t) => {
  const w = await world();
  t.teardown(() => w.close());
  installApp(w, 'cassandra');
  w.apply('clusters/cassandra.yaml');
  const { rounds } = await w.sim.converge({ maxRounds: 40 });
  t.same(w.sim.errors, [], `converged in ${rounds} rounds without errors`);
  const status = (w.cluster('cassandra-demo') as any).status;
  t.equal(status.state, 'configured');
  t.same(
    status.roles.map((r: any) => [r.id, r.members.map((m: any) => m.state)]),
    [
      ['seed', ['configured', 'configured']],
      ['worker', ['configured', 'configured']],
    ],
  );
  t.equal(w.sim.list('PersistentVolumeClaim', NAMESPACE).length, 4, 'a 20Gi PVC per member');
  const services = w.sim.list('Service', NAMESPACE).filter((s: any) => s.spec.type === 'ClusterIP' && s.spec.clusterIP !== 'None');
  t.equal(services.length, 4, 'one ClusterIP Service per member (serviceType: ClusterIP)');
  t.ok(
    services.every((s: any) => s.spec.ports.some((p: any) => p.port === 9042 && p.name === 'generic-cql')),
    'CQL on each',
  );
  const seeds = (w.sim.list('ConfigMap', NAMESPACE) as any[])
    .find((c) => c.data?.['fqdns.seed'])
    .data['fqdns.seed'].trim()
    .split('\n');
  t.same(
    seeds,
    status.roles[0].members.map((m: any) => `${m.pod}.${status.clusterService}.${NAMESPACE}.svc.cluster.local`),
    'the seed list every member reads',
  );
});
