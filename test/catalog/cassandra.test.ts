// The cassandra app end to end in the simulator: the real agent runs the real setup package
// under sh in every member, with fake nodetool/cqlsh/cassandra recording what they are asked
// and nodetool answering from one shared ring (test/catalog/cassandra/fakes.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { SKIP_LEAVE_ANNOTATION } from '../../src/reconcile/plan.js';
import { realAgents } from '../support/agents.js';
import { catalogObjects } from '../support/catalog.js';
import { memberWatch, settle } from '../support/member-watch.js';
import { NAMESPACE, world } from '../support/world.js';
import { cassandraWorld, hostIdOf, ipOf } from './cassandra/fakes.js';

const CLUSTER = 'cassandra-demo';

async function setup(t: Test) {
  const base = mkdtempSync(join(tmpdir(), 'kd-cassandra-'));
  const cw = cassandraWorld(base);
  const agents = realAgents(join(base, 'roots'), { prepare: cw.prepare });
  const w = await world(agents.container);
  t.teardown(async () => {
    await w.close();
    rmSync(base, { recursive: true, force: true });
  });
  for (const object of catalogObjects('cassandra', NAMESPACE)) w.sim.apply(object);
  // A departing member has handed over once it decommissioned: the watch flags one deleted before.
  const watch = memberWatch({ calls: (pod) => (cw.calls(pod).includes('nodetool decommission') ? ['--leave'] : []) });
  const cluster = (seeds: number, workers: number, change?: (o: any) => void) =>
    w.apply('clusters/cassandra.yaml', (o) => {
      o.spec.roles[0].members = seeds;
      o.spec.roles[1].members = workers;
      change?.(o);
    });
  const converge = (maxRounds = 80) => settle(t, w, watch.observe, maxRounds);
  const status = () => (w.cluster(CLUSTER) as any).status;
  /** The role's members: pod, node id, FQDN, state. */
  const members = (role: string) =>
    (status().roles.find((r: any) => r.id === role)?.members ?? []).map((m: any) => ({
      pod: m.pod as string,
      id: m.nodeID as number,
      fqdn: `${m.pod}.${status().clusterService}.${NAMESPACE}.svc.cluster.local`,
      state: m.state as string,
    }));
  const file = (pod: string, path: string) => readFileSync(join(cw.root(pod)!, path), 'utf8');
  const config = (pod: string) => parse(file(pod, 'etc/cassandra/cassandra.yaml'));
  return { w, cw, cluster, converge, status, members, file, config, watch };
}

/** What --configure writes for a member, besides the image's settings it keeps. */
const managed = (name: string, seeds: string, self: string) => ({
  cluster_name: name,
  seed_provider: [{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds }] }],
  listen_address: self,
  broadcast_address: self,
  rpc_address: '0.0.0.0',
  broadcast_rpc_address: self,
  endpoint_snitch: 'GossipingPropertyFileSnitch',
  data_file_directories: ['/var/lib/cassandra/data'],
  commitlog_directory: '/var/lib/cassandra/commitlog',
  saved_caches_directory: '/var/lib/cassandra/saved_caches',
  hints_directory: '/var/lib/cassandra/hints',
  cdc_raw_directory: '/var/lib/cassandra/cdc_raw',
});
const kept = {
  num_tokens: 16,
  allocate_tokens_for_local_replication_factor: 3,
  hinted_handoff_enabled: true,
  authenticator: { class_name: 'AllowAllAuthenticator' },
  partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
  concurrent_reads: 32,
  storage_port: 7000,
  native_transport_port: 9042,
  dynamic_snitch_update_interval: '100ms',
};
const event = (name: string, role: string, ...fqdns: string[]) => `--${name} --nodegroup 1 --role ${role} --fqdns ${fqdns.join(',')}`;

t.test('3 members, 4, then 2 leaving by decommission, then a restart: exact config and nodetool calls', async (t) => {
  const { w, cw, cluster, converge, status, members, file, config, watch } = await setup(t);
  cluster(1, 2);
  await converge();
  t.equal(status().state, 'configured');
  const [seed] = members('seed');
  const [w0, w1] = members('worker');
  t.same(
    [seed, w0, w1].map((m) => m!.id),
    [1, 2, 3],
    'node ids in role order',
  );
  for (const m of [seed!, w0!, w1!]) {
    t.same(config(m.pod), { ...kept, ...managed(CLUSTER, seed!.fqdn, m.fqdn) }, `${m.pod}: cassandra.yaml`);
    t.equal(
      file(m.pod, 'etc/cassandra/cassandra.yaml.image'),
      readFileSync('test/catalog/cassandra/cassandra.yaml', 'utf8'),
      'the image file kept aside',
    );
    t.equal(file(m.pod, 'etc/cassandra/cassandra-rackdc.properties'), 'dc=dc1\nrack=rack1\n');
    t.same(cw.events(m.pod), ['--configure']);
    t.same(cw.calls(m.pod), [], 'configure asks nothing of Cassandra');
  }
  t.same(
    cw.ring().map((e) => [e.fqdn, e.state]),
    [seed, w0, w1].map((m) => [m!.fqdn, 'UN']),
  );

  cluster(1, 3);
  await converge();
  t.equal(status().state, 'configured');
  const w2 = members('worker')[2]!;
  t.same([w2.id, w2.state], [4, 'configured'], 'the new member');
  t.same(config(w2.pod), { ...kept, ...managed(CLUSTER, seed!.fqdn, w2.fqdn) });
  t.same(cw.events(w2.pod), ['--configure']);
  for (const m of [seed!, w0!, w1!]) {
    t.same(cw.events(m.pod), ['--configure', event('addnodes', 'worker', w2.fqdn)], `${m.pod} hears of it`);
    t.same(cw.calls(m.pod), []);
    t.same(config(m.pod), { ...kept, ...managed(CLUSTER, seed!.fqdn, m.fqdn) }, 'its cassandra.yaml is the same');
  }

  watch.mustLeave.add(w1!.pod);
  watch.mustLeave.add(w2.pod);
  cluster(1, 1);
  await converge();
  t.equal(status().state, 'configured');
  t.same(
    status().roles.map((r: any) => r.members.map((m: any) => m.pod)),
    [[seed!.pod], [w0!.pod]],
  );
  for (const m of [w1!, w2]) {
    t.same(cw.calls(m.pod), ['nodetool netstats', 'nodetool decommission', 'nodetool netstats'], `${m.pod} decommissioned`);
    t.same(cw.events(m.pod).slice(-1), [event('leave', 'worker', m.fqdn)], 'in its --leave');
  }
  t.same(watch.removedBeforeLeave, [], 'before its pod was deleted');
  t.same(cw.events(seed!.pod).slice(-1), [event('delnodes', 'worker', w1!.fqdn, w2.fqdn)]);
  t.same(cw.events(w0!.pod).slice(-1), [event('delnodes', 'worker', w1!.fqdn, w2.fqdn)]);
  t.same(cw.calls(seed!.pod), ['nodetool status'], 'the lowest node id looked: nobody left down, nothing to remove');
  t.same(cw.calls(w0!.pod), [], 'the other survivor left it to the first');
  t.same(
    cw.ring().map((e) => [e.fqdn, e.state]),
    [
      [seed!.fqdn, 'UN'],
      [w0!.fqdn, 'UN'],
      [w1!.fqdn, 'LEFT'],
      [w2.fqdn, 'LEFT'],
    ],
  );
  t.equal(w.sim.list('PersistentVolumeClaim', NAMESPACE).length, 4, 'the PVCs of the members that left are kept');
  t.same(watch.notReady, [], 'no member went NotReady');

  const before = file(w0!.pod, 'etc/cassandra/cassandra.yaml');
  await w.sim.failPod(NAMESPACE, w0!.pod, { exitCode: 137 });
  await converge();
  t.equal(status().state, 'configured', 'back after the restart');
  t.same(
    watch.notReady.map((n) => n.replace(/ in round \d+$/, '')).filter((p, i, all) => all.indexOf(p) === i),
    [w0!.pod],
    'only the restarted member was NotReady',
  );
  t.same(
    cw.events(w0!.pod),
    ['--configure', event('addnodes', 'worker', w2.fqdn), event('delnodes', 'worker', w1!.fqdn, w2.fqdn)],
    'not configured again: its state is on its PVC',
  );
  t.equal(file(w0!.pod, 'etc/cassandra/cassandra.yaml'), before, 'nor its cassandra.yaml');
  t.same(cw.calls(w0!.pod), []);
});

t.test('a member down for good: its leave fails, the first survivor removes it from the ring', async (t) => {
  const { cw, cluster, converge, status, members, watch } = await setup(t);
  cluster(1, 3);
  await converge();
  const [seed] = members('seed');
  const [w0, w1, w2] = members('worker');
  cw.setState(w1!.fqdn, 'DN');

  watch.mustLeave.add(w2!.pod);
  cluster(1, 1);
  await converge();
  t.same(cw.calls(w2!.pod), ['nodetool netstats', 'nodetool decommission', 'nodetool netstats'], `${w2!.pod} decommissioned`);
  t.same(cw.calls(w1!.pod), ['nodetool netstats', 'nodetool netstats', 'nodetool netstats'], `${w1!.pod} could not, three times`);
  t.same(
    members('worker').map((m: any) => [m.pod, m.state]),
    [
      [w0!.pod, 'configured'],
      [w1!.pod, 'delete pending'],
    ],
    'the one down is kept',
  );
  t.match(
    status().conditions.find((c: any) => c.type === 'MembersNotified'),
    { status: 'False', reason: 'LeaveFailed', message: new RegExp(w1!.pod) },
  );
  t.same(cw.calls(seed!.pod), ['nodetool status', `nodetool removenode ${hostIdOf(w1!.id)}`], 'the lowest node id removed the one down');
  t.same(cw.calls(w0!.pod), [], 'the other survivor did nothing');
  t.same(
    cw.ring().map((e) => [e.ip, e.state]),
    [
      [ipOf(seed!.id), 'UN'],
      [ipOf(w0!.id), 'UN'],
      [ipOf(w2!.id), 'LEFT'],
    ],
    'gone from the ring',
  );

  cluster(1, 1, (o) => {
    o.metadata.annotations = { [SKIP_LEAVE_ANNOTATION]: w1!.pod };
  });
  await converge();
  t.same(
    members('worker').map((m: any) => m.pod),
    [w0!.pod],
    'waived by the operator, it goes',
  );
  t.equal(status().state, 'configured');
  t.same(watch.removedBeforeLeave, [], 'the member that could leave did before its removal');
  t.same(watch.notReady, [], 'no member went NotReady');
});
