// The kafka app end to end in the simulator: the real agent runs the app's real setup package
// (catalog/kafka/package) under sh in each member's temporary root, with fake Kafka tools that
// record their calls; and the package's run script on its own.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realAgents } from '../support/agents.js';
import { catalogObjects } from '../support/catalog.js';
import { memberWatch, settle } from '../support/member-watch.js';
import { NAMESPACE, world } from '../support/world.js';
import { installFakes, parseProperties, readTopics, toolCalls, writeTopics, type Partition } from './kafka/fakes.js';

const PACKAGE = fileURLToPath(new URL('../../catalog/kafka/package', import.meta.url));
const CLUSTER = 'kafka-demo';
const PROPS = 'etc/kafka/kubedirector/server.properties';

interface Member {
  pod: string;
  nodeID: number;
  state: string;
}

async function setup(t: Test) {
  const base = mkdtempSync(join(tmpdir(), 'kd-kafka-'));
  const state = join(base, '.cluster');
  mkdirSync(state);
  const agents = realAgents(base, { prepare: (root) => installFakes(root, state) });
  const w = await world(agents.container);
  t.teardown(async () => {
    await w.close();
    rmSync(base, { recursive: true, force: true });
  });
  for (const object of catalogObjects('kafka')) w.sim.apply(object);
  const root = (name: string) => join(base, name);
  /** The startscript runs the agent started in a member, from its log: `--configure`, `--leave ...`. */
  const runs = (name: string) => {
    const log = join(root(name), 'var/log/guestconfig/agent.log');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => /startscript --\w+/.test(l) && !/exited|failed/.test(l))
      .map((l) => l.slice(l.indexOf('startscript --') + 'startscript '.length));
  };
  const watch = memberWatch({ calls: runs });
  const converge = (maxRounds = 80) => settle(t, w, watch.observe, maxRounds);
  const brokers = (n: number) =>
    w.apply('clusters/kafka.yaml', (o) => {
      o.spec.roles[1].members = n;
    });
  const status = () => w.cluster(CLUSTER).status;
  const props = (name: string) => parseProperties(readFileSync(join(root(name), PROPS), 'utf8'));
  const members = (role: string): Member[] => status().roles.find((r: { id: string }) => r.id === role)?.members ?? [];
  /** A member's FQDN, as the hooks name it: <pod>.<cluster service>.<namespace>.svc.cluster.local. */
  const fqdn = (name: string) => `${name}.${status().clusterService}.${NAMESPACE}.svc.cluster.local`;
  /** The Kafka cluster id every member must use: the cluster's uid as a Kafka Uuid (URL-safe base64 of its 16 bytes). */
  const clusterId = () => Buffer.from(w.cluster(CLUSTER).metadata.uid!.replaceAll('-', ''), 'hex').toString('base64url');
  return {
    w,
    base,
    state,
    root,
    runs,
    watch,
    converge,
    brokers,
    status,
    props,
    members,
    fqdn,
    clusterId,
    calls: (name: string) => toolCalls(root(name)),
  };
}

const configureCalls = (root: string, clusterId: string) => [
  `kafka-storage.sh format -t ${clusterId} -c ${root}/${PROPS}`,
  `chown -R appuser:appuser ${root}/etc/kafka/kubedirector ${root}/var/lib/kafka/data`,
];

t.test('three controllers and brokers 3 to 4 to 2, then a broker restart: exact configuration, leaves before removal', async (t) => {
  const { w, state, root, runs, watch, converge, brokers, status, props, members, fqdn, clusterId, calls } = await setup(t);
  brokers(3);
  await converge();
  t.equal(status().state, 'configured');
  const controllers = members('controller');
  const first = members('broker');
  t.same(
    controllers.map((m) => m.nodeID),
    [1, 2, 3],
  );
  t.same(
    first.map((m) => m.nodeID),
    [4, 5, 6],
  );
  const id = clusterId();
  t.equal(id.length, 22, 'a 16-byte Kafka Uuid');
  const voters = controllers.map((m) => `${m.nodeID}@${fqdn(m.pod)}:9093`).join(',');
  const common = {
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': '/var/lib/kafka/data',
  };
  const brokerProps = (m: Member, rf: number, isr: number) => ({
    'node.id': String(m.nodeID),
    ...common,
    'process.roles': 'broker',
    listeners: 'PLAINTEXT://:9092',
    'advertised.listeners': `PLAINTEXT://${fqdn(m.pod)}:9092`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'default.replication.factor': String(rf),
    'min.insync.replicas': String(isr),
    'offsets.topic.replication.factor': String(rf),
    'transaction.state.log.replication.factor': String(rf),
    'transaction.state.log.min.isr': String(isr),
  });
  for (const m of controllers) {
    t.same(
      props(m.pod),
      { 'node.id': String(m.nodeID), ...common, 'process.roles': 'controller', listeners: 'CONTROLLER://:9093' },
      `${m.pod}: controller properties`,
    );
  }
  for (const m of first) t.same(props(m.pod), brokerProps(m, 3, 2), `${m.pod}: broker properties`);
  for (const m of [...controllers, ...first]) {
    t.same(calls(m.pod), configureCalls(root(m.pod), id), `${m.pod}: formatted once with the cluster's id`);
    t.same(runs(m.pod), ['--configure']);
    t.same(parseProperties(readFileSync(join(root(m.pod), 'var/lib/kafka/data/meta.properties'), 'utf8')), {
      version: '1',
      'cluster.id': id,
      'node.id': String(m.nodeID),
    });
  }

  // Topics on the brokers 4, 5, 6 (replication factor 2).
  const topics: Partition[] = [
    { topic: 'events', partition: 0, replicas: [4, 6] },
    { topic: 'events', partition: 1, replicas: [6, 5] },
    { topic: 'events', partition: 2, replicas: [5, 6] },
    { topic: '__consumer_offsets', partition: 0, replicas: [5, 4] },
    { topic: '__consumer_offsets', partition: 1, replicas: [6, 4] },
  ];
  writeTopics(state, topics);

  brokers(4);
  await converge();
  t.equal(status().state, 'configured');
  const fourth = members('broker')[3]!;
  t.equal(fourth.nodeID, 7, 'node ids are never reused');
  t.same(props(fourth.pod), brokerProps(fourth, 3, 2));
  t.same(calls(fourth.pod), configureCalls(root(fourth.pod), id));
  for (const m of [...controllers, ...first]) t.same(runs(m.pod), ['--configure'], `${m.pod}: nothing to hear of a new broker`);

  const [b0, b1, b2] = first as [Member, Member, Member];
  watch.mustLeave.add(b2.pod);
  watch.mustLeave.add(fourth.pod);
  brokers(2);
  await converge();
  t.equal(status().state, 'configured');
  t.same(
    members('broker').map((m) => m.pod),
    [b0.pod, b1.pod],
  );
  const leave = (m: Member) => `--leave --nodegroup 1 --role broker --fqdns ${fqdn(m.pod)}`;
  const describe = (m: Member) => `kafka-topics.sh --bootstrap-server ${fqdn(m.pod)}:9092 --describe`;
  t.same(runs(b2.pod), ['--configure', leave(b2)]);
  t.same(
    calls(b2.pod),
    [
      ...configureCalls(root(b2.pod), id),
      describe(b2),
      `kafka-reassign-partitions.sh --bootstrap-server ${fqdn(b2.pod)}:9092 --reassignment-json-file ${root(b2.pod)}/etc/kafka/kubedirector/leave-plan.json --execute`,
      describe(b2),
    ],
    'broker 6 moves its replicas, then sees none left',
  );
  t.same(
    JSON.parse(readFileSync(join(root(b2.pod), '.test/plan.json'), 'utf8')),
    {
      version: 1,
      partitions: [
        { topic: 'events', partition: 0, replicas: [4, 5] },
        { topic: 'events', partition: 1, replicas: [4, 5] },
        { topic: 'events', partition: 2, replicas: [5, 4] },
        { topic: '__consumer_offsets', partition: 1, replicas: [5, 4] },
      ],
    },
    'only the partitions it held, each to a broker that stays and not already there',
  );
  t.same(runs(fourth.pod), ['--configure', leave(fourth)]);
  t.same(calls(fourth.pod), [...configureCalls(root(fourth.pod), id), describe(fourth)], 'broker 7 held nothing: nothing to move');
  t.same(
    readTopics(state).map((p) => p.replicas),
    [
      [4, 5],
      [4, 5],
      [5, 4],
      [5, 4],
      [5, 4],
    ],
  );
  for (const m of [...controllers, b0, b1]) {
    t.same(runs(m.pod), ['--configure'], `${m.pod}: nothing to run`);
    t.same(calls(m.pod), configureCalls(root(m.pod), id));
  }
  t.same(watch.notReady, [], 'no member went NotReady');
  t.same(watch.removedBeforeLeave, [], 'no leaving broker was removed before its --leave ran');

  // A broker's container restarts on its PVC: configured already, never formatted again.
  await w.sim.failPod(NAMESPACE, b0.pod);
  await converge();
  t.equal(status().state, 'configured');
  const app = (w.sim.get('Pod', NAMESPACE, b0.pod) as any).status.containerStatuses.find((c: { name: string }) => c.name === 'app');
  t.equal(app.restartCount, 1, 'restarted');
  t.same(runs(b0.pod), ['--configure'], 'not configured again');
  t.same(calls(b0.pod), configureCalls(root(b0.pod), id), 'not formatted again');
  t.same(props(b0.pod), brokerProps(b0, 3, 2));
  t.same(
    watch.notReady.filter((n) => !n.startsWith(`${b0.pod} `)),
    [],
    'only the restarted broker was NotReady',
  );
});

t.test('a broker whose replicas have nowhere to go refuses to leave and stays, said in status', async (t) => {
  const { state, root, runs, converge, brokers, status, members, fqdn, calls, clusterId } = await setup(t);
  brokers(2);
  await converge();
  const [b0, b1] = members('broker') as [Member, Member];
  writeTopics(state, [{ topic: 'events', partition: 0, replicas: [b0.nodeID, b1.nodeID] }]);
  brokers(1);
  await converge();
  const leaving = members('broker').find((m) => m.pod === b1.pod);
  t.equal(leaving?.state, 'delete pending', 'kept');
  t.match(
    status().conditions.find((c: { type: string }) => c.type === 'MembersNotified'),
    { status: 'False', reason: 'LeaveFailed' },
  );
  const leave = `--leave --nodegroup 1 --role broker --fqdns ${fqdn(b1.pod)}`;
  t.same(runs(b1.pod), ['--configure', leave, leave, leave], 'three attempts');
  const describe = `kafka-topics.sh --bootstrap-server ${fqdn(b1.pod)}:9092 --describe`;
  t.same(calls(b1.pod), [...configureCalls(root(b1.pod), clusterId()), describe, describe, describe], 'nothing reassigned');
  t.same(readTopics(state), [{ topic: 'events', partition: 0, replicas: [b0.nodeID, b1.nodeID] }]);
  const notify = (status().roles[1].members as any[]).find((m) => m.pod === b1.pod).stateDetail.notifyError;
  t.match(
    notify.startScriptStderrMessage,
    /partition events-0 \(replicas 4,5\) has no broker left to move to\nkafka: broker 5 cannot leave\n/,
  );
});

t.test('run starts the server in the foreground as appuser, with a heap from the memory limit', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kd-kafka-run-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const env = installFakes(root, join(root, '.cluster'));
  const run = (extra: Record<string, string>) =>
    spawnSync('/bin/sh', ['run'], { cwd: PACKAGE, env: { ...env, KD_ROOT: root, ...extra }, encoding: 'utf8' });
  const props = join(root, PROPS);
  const start = `${root}/opt/kafka/bin/kafka-server-start.sh`;

  const missing = run({ KD_MEMORY_LIMIT_MB: '4096' });
  t.equal(missing.status, 1, 'not configured: fails');
  t.match(missing.stderr, /server\.properties is missing/);
  t.same(toolCalls(root), [], 'and starts nothing');

  mkdirSync(join(root, 'etc/kafka/kubedirector'), { recursive: true });
  writeFileSync(props, 'node.id=5\nprocess.roles=broker\n');
  // Half the limit, at least 256 MiB, at most 6 GiB.
  const cases: [memory: string, heap: number][] = [
    ['4096', 2048],
    ['65536', 6144],
    ['300', 256],
  ];
  for (const [memory, heap] of cases) {
    rmSync(join(root, '.test'), { recursive: true, force: true });
    const result = run({ KD_MEMORY_LIMIT_MB: memory });
    t.equal(result.status, 0, result.stderr);
    t.equal(result.stdout, `kafka: node 5 (broker), heap ${heap} MiB, as appuser\n`);
    t.same(toolCalls(root), [
      'chroot --userspec=appuser:appuser --skip-chdir / true',
      `chroot --userspec=appuser:appuser --skip-chdir / ${start} ${props}`,
      `kafka-server-start.sh ${props}`,
      `env KAFKA_HEAP_OPTS=-Xms${heap}m -Xmx${heap}m`,
    ]);
  }

  rmSync(join(root, '.test'), { recursive: true, force: true });
  const su = run({ KD_MEMORY_LIMIT_MB: '4096', FAKE_NO_CHROOT: '1' });
  t.equal(su.status, 0);
  t.same(
    toolCalls(root),
    ['chroot --userspec=appuser:appuser --skip-chdir / true', `busybox su -s /bin/sh appuser -c exec "$0" "$@" ${start} ${props}`],
    'without CAP_SYS_CHROOT: busybox su',
  );
});
