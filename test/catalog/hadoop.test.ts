// The hadoop app in the simulator with the real agent running the real startscript (fake hdfs
// and yarn record their calls): create, scale 3 -> 4 (the controller refreshes its nodes), 4 -> 2
// (the departing datanodes are decommissioned before their pods go), a member's restart.
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { realAgents } from '../support/agents.js';
import { catalogObjects } from '../support/catalog.js';
import { memberWatch, settle, type PodView } from '../support/member-watch.js';
import { NAMESPACE, world } from '../support/world.js';
import { installFakes } from './hadoop/fakes.js';

/** A Hadoop configuration file as name -> value. */
function properties(file: string): Record<string, string> {
  const text = readFileSync(file, 'utf8');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/<property>\s*<name>([^<]*)<\/name>\s*<value>([^<]*)<\/value>\s*<\/property>/g)) out[m[1]!] = m[2]!;
  return out;
}

async function setup(t: Test) {
  const base = mkdtempSync(join(tmpdir(), 'kd-hadoop-'));
  const shared = join(base, '.hdfs');
  mkdirSync(shared);
  // The fake namenode answers from the controller's exclude file.
  let controllerRoot = join(base, 'none');
  const agents = realAgents(base, {
    prepare: (root, pod: any) => {
      if (pod.spec.containers[0].env.some((e: any) => e.name === 'KD_ROLE' && e.value === 'controller')) controllerRoot = root;
      // The kubelet's downward API, which the simulated container does not resolve.
      const limits = pod.spec.containers[0].resources.limits;
      return {
        ...installFakes(root, shared, join(controllerRoot, 'etc/hadoop/dfs.exclude')),
        KD_CPU_LIMIT: String(Math.ceil(Number(String(limits.cpu).replace(/m$/, '')) / (String(limits.cpu).endsWith('m') ? 1000 : 1))),
        KD_MEMORY_LIMIT_MB: String(Number(String(limits.memory).replace(/Gi$/, '')) * 1024),
      };
    },
  });
  const w = await world(agents.container);
  t.teardown(async () => {
    await w.close();
    rmSync(base, { recursive: true, force: true });
  });
  for (const object of catalogObjects('hadoop')) w.sim.apply(object);
  const members = (n: number) =>
    w.apply('clusters/hadoop.yaml', (o) => {
      o.spec.roles[1].members = n;
    });

  // Pod names are generated: members by role and ordinal, as the first status named them.
  const named = new Map<string, string[]>();
  const podOf = (role: string, i: number) => named.get(role)?.[i] ?? `no ${role} ${i}`;
  const worker = (i: number) => podOf('worker', i);
  let CONTROLLER = '';
  const learnNames = () => {
    for (const role of status().roles) {
      const pods = named.get(role.id) ?? [];
      named.set(role.id, pods);
      for (const m of role.members) if (!pods.includes(m.pod)) pods.push(m.pod);
    }
    CONTROLLER = podOf('controller', 0);
  };
  // Departing members run --leave; the agent log says so (memberWatch reads calls for it).
  const leaveCalls = (pod: string) =>
    existsSync(join(base, pod, 'var/log/guestconfig/agent.log')) &&
    /startscript --leave/.test(readFileSync(join(base, pod, 'var/log/guestconfig/agent.log'), 'utf8'))
      ? ['--leave']
      : [];
  const { observe, notReady, removedBeforeLeave, mustLeave } = memberWatch({ calls: leaveCalls });
  // Departing pods seen deleting (or gone) before the namenode reported them decommissioned.
  const removedEarly: string[] = [];
  const departing = new Map<string, string>();
  const converge = () =>
    settle(
      t,
      w,
      (pods, round) => {
        observe(pods, round);
        for (const [pod, fqdn] of departing) {
          const deleting = !pods.some((p) => p.metadata.name === pod && !p.metadata.deletionTimestamp);
          if (deleting && !existsSync(join(shared, `decommissioned.${fqdn}`)) && !removedEarly.includes(pod)) removedEarly.push(pod);
        }
      },
      120,
    );
  const status = () => w.cluster('hadoop-demo').status;
  const root = (pod: string) => join(base, pod);
  const calls = (pod: string) => {
    const file = join(root(pod), '.test/calls');
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    // Polls of the report repeat as often as the wait takes: one stands for a run of them.
    return lines.filter((line, i) => !(line === 'hdfs dfsadmin -report' && lines[i - 1] === line));
  };
  const conf = (pod: string, file: string) => properties(join(root(pod), 'etc/hadoop', file));
  const fqdnOf = (pod: string) => {
    const line = readFileSync(join(root(CONTROLLER), 'etc/guestconfig/agent/config/members'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${pod}\t`));
    return line?.split('\t')[3] ?? `${pod}.?`;
  };
  const agentLog = (pod: string) => readFileSync(join(root(pod), 'var/log/guestconfig/agent.log'), 'utf8');
  const events = (pod: string) =>
    [...agentLog(pod).matchAll(/(?:running \S+startscript (--configure)|attempt \d+: startscript (--\w+))/g)].map((m) => m[1] ?? m[2]);

  return {
    w,
    base,
    shared,
    members,
    learnNames,
    worker,
    controller: () => CONTROLLER,
    converge,
    status,
    root,
    calls,
    conf,
    fqdnOf,
    agentLog,
    events,
    notReady,
    removedBeforeLeave,
    mustLeave,
    removedEarly,
    departing,
  };
}

t.test('create, scale up and down with decommissioning, restart: exact calls and configuration', async (t) => {
  const {
    w,
    shared,
    members,
    learnNames,
    worker,
    controller,
    converge,
    status,
    root,
    calls,
    conf,
    fqdnOf,
    agentLog,
    events,
    notReady,
    removedBeforeLeave,
    mustLeave,
    removedEarly,
    departing,
  } = await setup(t);
  // Create: 1 controller, 3 workers.
  members(3);
  await converge();
  t.equal(status().state, 'configured', 'created and configured');
  learnNames();
  const CONTROLLER = controller();
  const controllerFqdn = fqdnOf(CONTROLLER);
  t.match(controllerFqdn, new RegExp(`^${CONTROLLER}\\..+\\.${NAMESPACE}\\.svc\\.cluster\\.local$`));
  // The FQDN of worker ordinal i (the fourth is named only when it comes).
  const wf = (i: number) => fqdnOf(worker(0)).replace(worker(0), worker(0).replace(/-0$/, `-${i}`));
  writeFileSync(join(shared, 'datanodes'), [0, 1, 2, 3].map((i) => `${wf(i)}\n`).join(''));

  for (const pod of [CONTROLLER, worker(0), worker(1), worker(2)]) {
    t.same(calls(pod), [], `${pod}: --configure runs no tool`);
    t.same(events(pod), ['--configure'], `${pod}: configured once`);
    t.same(conf(pod, 'core-site.xml'), { 'fs.defaultFS': `hdfs://${controllerFqdn}:8020`, 'hadoop.tmp.dir': '/var/lib/hadoop/tmp' });
    t.match(conf(pod, 'hdfs-site.xml'), {
      'dfs.namenode.name.dir': 'file:///var/lib/hadoop/name',
      'dfs.datanode.data.dir': 'file:///var/lib/hadoop/data',
      'dfs.replication': '3',
      'dfs.hosts.exclude': '/etc/hadoop/dfs.exclude',
      'dfs.namenode.rpc-address': `${controllerFqdn}:8020`,
      'dfs.datanode.hostname': fqdnOf(pod),
    });
    t.equal(
      readFileSync(join(root(pod), 'etc/hadoop/log4j.properties'), 'utf8'),
      'hadoop.root.logger=INFO,console\n',
      'the image defaults come along',
    );
  }
  // 8 GiB limit on workers: heaps of 1024 MiB each, 819 MiB of overhead; 2 CPUs.
  t.match(conf(worker(0), 'yarn-site.xml'), {
    'yarn.resourcemanager.hostname': controllerFqdn,
    'yarn.resourcemanager.nodes.exclude-path': '/etc/hadoop/dfs.exclude',
    'yarn.nodemanager.hostname': wf(0),
    'yarn.nodemanager.resource.memory-mb': String(8192 - 2048 - 819),
    'yarn.nodemanager.resource.cpu-vcores': '2',
  });
  t.equal(readFileSync(join(root(CONTROLLER), 'etc/hadoop/workers'), 'utf8'), [0, 1, 2].map((i) => `${wf(i)}\n`).join(''));
  t.equal(readFileSync(join(root(CONTROLLER), 'etc/hadoop/dfs.exclude'), 'utf8'), '', 'nothing excluded');

  // Scale up 3 -> 4.
  members(4);
  await converge();
  t.equal(status().state, 'configured');
  learnNames();
  t.same(calls(CONTROLLER), ['hdfs dfsadmin -refreshNodes', 'yarn rmadmin -refreshNodes'], 'the controller refreshes its nodes');
  t.same(events(CONTROLLER), ['--configure', '--addnodes']);
  for (const i of [0, 1, 2]) {
    t.same(calls(worker(i)), [], `${worker(i)} runs no tool`);
    t.same(events(worker(i)), ['--configure', '--addnodes'], `${worker(i)} hears of the newcomer`);
  }
  t.same(events(worker(3)), ['--configure']);
  for (const pod of [CONTROLLER, worker(0), worker(3)]) {
    t.equal(
      readFileSync(join(root(pod), 'etc/hadoop/workers'), 'utf8'),
      [0, 1, 2, 3].map((i) => `${wf(i)}\n`).join(''),
      `${pod}: workers file`,
    );
    t.equal(conf(pod, 'hdfs-site.xml')['dfs.replication'], '3');
  }

  // Scale down 4 -> 2: workers 2 and 3 are decommissioned, then go.
  for (const i of [2, 3]) {
    mustLeave.add(worker(i));
    departing.set(worker(i), wf(i));
  }
  members(2);
  await converge();
  t.equal(status().state, 'configured');
  t.same(
    status()
      .roles.find((r: any) => r.id === 'worker')
      .members.map((m: any) => m.pod),
    [worker(0), worker(1)],
    'the departing members left',
  );
  t.equal(readFileSync(join(root(CONTROLLER), 'etc/hadoop/dfs.exclude'), 'utf8'), `${wf(2)}\n${wf(3)}\n`, 'both excluded');
  t.same(
    calls(CONTROLLER),
    [
      'hdfs dfsadmin -refreshNodes',
      'yarn rmadmin -refreshNodes',
      'hdfs dfs -setrep -R 2 /',
      'hdfs dfsadmin -refreshNodes',
      'yarn rmadmin -refreshNodes',
      'hdfs dfsadmin -report',
    ],
    'the controller lowers replication to 2, decommissions and waits',
  );
  t.same(events(CONTROLLER), ['--configure', '--addnodes', '--delnodes']);
  for (const i of [2, 3]) {
    t.ok(existsSync(join(shared, `decommissioned.${wf(i)}`)), `${worker(i)} was reported decommissioned`);
    t.same(calls(worker(i)), ['hdfs dfsadmin -report'], `${worker(i)} waited for its decommissioning`);
    t.equal(events(worker(i)).at(-1), '--leave');
  }
  t.same(removedEarly, [], 'no departing pod went before its datanode was decommissioned');
  t.same(removedBeforeLeave, [], 'nor before its --leave');
  for (const pod of [CONTROLLER, worker(0), worker(1)]) {
    t.equal(readFileSync(join(root(pod), 'etc/hadoop/workers'), 'utf8'), `${wf(0)}\n${wf(1)}\n`, `${pod}: workers file`);
    t.equal(conf(pod, 'hdfs-site.xml')['dfs.replication'], '2', `${pod}: replication 2`);
  }
  for (const i of [0, 1]) t.same(calls(worker(i)), [], `${worker(i)} runs no tool`);

  // A worker's container restarts: its configuration is on the PVC; it is not configured again.
  await w.sim.failPod(NAMESPACE, worker(0));
  await converge();
  t.equal(status().state, 'configured');
  const restarted = (w.sim.get('Pod', NAMESPACE, worker(0)) as unknown as PodView).status?.containerStatuses?.find((c) => c.name === 'app');
  t.equal(restarted?.restartCount, 1, 'restarted once');
  t.same(events(worker(0)), ['--configure', '--addnodes', '--delnodes'], 'no second --configure');
  t.equal(agentLog(worker(0)).match(/installing setup package/g)?.length, 1, 'its package is on the PVC too (new setup layout)');
  t.equal(conf(worker(0), 'hdfs-site.xml')['dfs.replication'], '2', 'its configuration is still there');
  t.same(
    notReady.filter((n) => !n.startsWith(`${worker(0)} `)),
    [],
    'no other member went NotReady',
  );
});

t.test('a datanode that does not finish decommissioning keeps its member: --leave fails, the pod stays', async (t) => {
  const { w, shared, members, learnNames, worker, converge, status, calls, fqdnOf, events } = await setup(t);
  members(3);
  await converge();
  learnNames();
  const wf = (i: number) => fqdnOf(worker(0)).replace(worker(0), worker(i));
  writeFileSync(join(shared, 'datanodes'), [0, 1, 2].map((i) => `${wf(i)}\n`).join(''));
  writeFileSync(join(shared, 'stuck'), '');
  members(2);
  await converge();
  const leaving = status()
    .roles.find((r: any) => r.id === 'worker')
    .members.find((m: any) => m.pod === worker(2));
  t.equal(leaving?.state, 'delete pending', 'kept');
  t.ok(w.sim.get('Pod', NAMESPACE, worker(2)), 'its pod is still there');
  t.same(events(worker(2)), ['--configure', '--leave', '--leave', '--leave'], 'three attempts');
  t.same(calls(worker(2)), ['hdfs dfsadmin -report'], 'each waited for the report');
  t.match(
    status().conditions.find((c: any) => c.type === 'MembersNotified'),
    { status: 'False', reason: 'LeaveFailed' },
  );
  t.notOk(existsSync(join(shared, `decommissioned.${wf(2)}`)));
});
