import t from 'tap';
import { catalogEntries } from '../support/catalog.js';
import { readdirSync } from 'node:fs';
import type { KubeObject } from '../../src/api/meta.js';
import { finalize } from '../../src/reconcile/finalize.js';
import { sync } from '../../src/reconcile/sync.js';
import { admit, committedCrd } from '../support/apiserver.js';
import { clone, readYaml, repoPath } from '../support/fixtures.js';
import { SYSTEMD_CAPABILITIES } from '../../src/reconcile/render/security.js';
import { kubernetesErrors } from '../support/kube-validate.js';
import { pod } from '../support/pods.js';
import {
  NAMESPACE,
  OPTIONS,
  app,
  applied,
  cluster,
  condition,
  named,
  names,
  request,
  run,
  stored,
  type Status,
} from '../support/requests.js';

const clusterCrd = committedCrd('kubedirectorclusters');
const spark = app('test/fixtures/apps/spark.yaml');
const sparkCluster = readYaml('clusters/spark.yaml');

const sorted = (objects: KubeObject[]) =>
  [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));

t.test('every example cluster renders valid Kubernetes objects and a status the CRD keeps whole', async (t) => {
  const entries = catalogEntries();
  const apps = entries.map((e) => e.app);
  const clusterFiles = readdirSync(repoPath('clusters')).filter((f) => f.endsWith('.yaml'));
  const appOf = (clusterFile: string) =>
    apps.find((a) => a.metadata.name === readYaml<{ spec: { app: string } }>(`clusters/${clusterFile}`).spec.app);
  t.same(
    clusterFiles.filter((f) => !appOf(f)),
    [],
    'every example cluster has its app in catalog/',
  );
  for (const application of apps) {
    for (const clusterFile of clusterFiles.filter((f) => appOf(f) === application)) {
      const manifest = readYaml<{ spec: { app: string } }>(`clusters/${clusterFile}`);
      const carried = entries.find((e) => e.app === application)?.package;
      const { children, status } = run({ parent: stored(manifest), apps: [application, ...(carried ? [carried] : [])] });
      t.ok(children.length > 0, `${clusterFile}: children rendered`);
      t.same(children.flatMap(kubernetesErrors), [], `${clusterFile}: every child is valid Kubernetes`);
      t.equal(condition(status, 'Valid').status, 'True', `${clusterFile}: valid`);
      const admitted = admit(clusterCrd, { ...stored(manifest), status });
      t.same(admitted.unknownFields, [], `${clusterFile}: every status field is declared in the CRD`);
      t.same(admitted.errors, [], `${clusterFile}: status passes the CRD schema`);
    }
  }
});

t.test('the Spark example: one StatefulSet per role, a headless Service, member Services and PVCs', async (t) => {
  const { children, status } = run({ parent: stored(sparkCluster), apps: [spark] });
  const sets = named(children, 'StatefulSet') as any[];
  t.same(
    sets.map((s) => s.spec.replicas),
    [1, 2, 1],
    'controller x1, worker x2, jupyter x1',
  );
  const headless = named(children, 'Service').find((s: any) => s.spec.clusterIP === 'None') as any;
  t.ok(headless.spec.publishNotReadyAddresses, 'members resolve each other before they are ready');
  for (const set of sets) {
    t.equal(set.spec.serviceName, headless.metadata.name);
    t.equal(set.spec.podManagementPolicy, 'Parallel');
    t.equal(set.spec.template.spec.containers[0].name, 'app');
    t.match(set.spec.template.metadata.labels, set.spec.selector.matchLabels, 'the selector matches the pod labels');
  }
  const members = status.roles!.flatMap((r) => r.members);
  t.same(
    members.map((m) => m.nodeID),
    [1, 2, 3, 4],
    'node ids assigned from 1',
  );
  t.same(
    members.map((m) => m.state),
    ['create pending', 'create pending', 'create pending', 'create pending'],
  );
  t.equal(status.lastNodeID, 4);
  t.same(
    names(children, 'Service').filter((n) => n !== headless.metadata.name),
    members.map((m) => m.service),
    'one Service per member',
  );
  t.same(
    names(children, 'PersistentVolumeClaim'),
    members.filter((m) => m.pvc).map((m) => m.pvc),
    'a PVC per worker',
  );
  const memberService = named(children, 'Service').find((s) => s.metadata.name === members[0]!.service) as any;
  t.same(
    memberService.spec.ports.map((p: any) => p.name),
    ['spark-spark-master', 'http-spark-ui'],
    'ports named <urlScheme>-<service id>',
  );
  t.equal(memberService.spec.type, 'LoadBalancer', 'without a serviceType or kd-global-config default: LoadBalancer');
});

t.test('the same request gives a byte-identical response, whatever the order of its maps', async (t) => {
  const parts = { parent: stored(sparkCluster), apps: [spark] };
  const first = JSON.stringify(sync(request(parts), OPTIONS));
  t.equal(JSON.stringify(sync(request(parts), OPTIONS)), first);
  const reversed = request(parts);
  reversed.related = Object.fromEntries(Object.entries(reversed.related).reverse());
  t.equal(JSON.stringify(sync(reversed, OPTIONS)), first, 'map order does not matter');
});

t.test('names are deterministic: UID scheme from the cluster uid, CrNameRole from the names', async (t) => {
  const uidNames = names(run({ parent: stored(sparkCluster), apps: [spark] }).children, 'StatefulSet');
  t.match(uidNames, [/^kdss-[b-z2-9]{5}$/, /^kdss-/, /^kdss-/]);
  const other = stored(sparkCluster);
  other.metadata.uid = 'another-uid';
  t.notSame(names(run({ parent: other, apps: [spark] }).children, 'StatefulSet'), uidNames, 'another cluster, other names');
  const byName = stored({ ...sparkCluster, spec: { ...(sparkCluster.spec as object), namingScheme: 'CrNameRole' } });
  const { children, status } = run({ parent: byName, apps: [spark] });
  t.same(names(children, 'StatefulSet'), ['spark-demo-controller', 'spark-demo-worker', 'spark-demo-jupyter']);
  t.equal(status.clusterService, 'spark-demo');
  t.equal(status.roles![0]!.members[0]!.service, 'spark-demo-controller-0');
});

t.test('kd-global-config supplies defaults', async (t) => {
  const config = {
    apiVersion: 'kubedirector.hpe.com/v1beta1',
    kind: 'KubeDirectorConfig',
    metadata: { name: 'kd-global-config', namespace: 'kubedirector' },
    spec: {
      defaultServiceType: 'NodePort',
      defaultStorageClassName: 'fast',
      clusterSvcDomainBase: '.svc.example.org',
      podLabels: { team: 'data' },
    },
  };
  const { children } = run({ parent: stored(sparkCluster), apps: [spark], config });
  const memberService = named(children, 'Service').find((s: any) => s.spec.type) as any;
  t.equal(memberService.spec.type, 'NodePort');
  const worker = named(children, 'StatefulSet')[1] as any;
  t.equal(worker.spec.volumeClaimTemplates[0].spec.storageClassName, 'fast');
  t.equal(worker.spec.template.metadata.labels.team, 'data');
  t.match(worker.spec.template.spec.dnsConfig.searches[0], /\.analytics\.svc\.example\.org$/);
  t.equal(
    named(children, 'PersistentVolumeClaim')[0]!.spec && (named(children, 'PersistentVolumeClaim')[0] as any).spec.storageClassName,
    'fast',
  );
});

t.test('the pod template carries the role and app settings', async (t) => {
  const cluster = readYaml<any>('test/fixtures/api/cluster-every-field.yaml');
  const application = app('test/fixtures/api/app-every-field.yaml');
  cluster.spec.roles[1].members = 2;
  const config = readYaml<any>('test/fixtures/api/config.yaml');
  const prefixed = run({ parent: stored(cluster), apps: [application], config });
  t.match(
    condition(prefixed.status, 'Valid').message,
    'secret "coordinator-secret" of role "coordinator" does not start with the required prefix "kd-"',
  );
  delete config.spec.requiredSecretPrefix;
  const { children, status } = run({ parent: stored(cluster), apps: [application], config });
  t.equal(condition(status, 'Valid').status, 'True', condition(status, 'Valid').message);
  t.same(children.flatMap(kubernetesErrors), []);
  const coordinator = named(children, 'StatefulSet')[0] as any;
  const podSpec = coordinator.spec.template.spec;
  const container = podSpec.containers[0];
  t.equal(podSpec.serviceAccountName, 'analytics');
  t.equal(podSpec.automountServiceAccountToken, true, 'token mounted only with a service account');
  t.ok(podSpec.affinity.nodeAffinity, 'affinity as given');
  t.same(
    container.securityContext.capabilities,
    { drop: ['ALL'], add: [...SYSTEMD_CAPABILITIES, 'NET_ADMIN', 'SYS_PTRACE'].sort() },
    "the app's capabilities beside systemd's",
  );
  t.equal(container.tty, true);
  t.equal(container.stdin, true);
  t.same(container.resources.limits, { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }, 'quantities as strings');
  t.notOk(
    container.env.some((e: any) => e.name === 'NVIDIA_VISIBLE_DEVICES'),
    'a GPU was asked for',
  );
  t.ok(
    container.env.some((e: any) => e.name === 'PYTHONUSERBASE'),
    'new setup layout',
  );
  t.ok(
    container.env.some((e: any) => e.valueFrom?.fieldRef),
    'valueFrom passes through',
  );
  const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m]));
  t.match(mounts['/dev/shm'], { name: 'dshm' });
  t.match(mounts['/etc/secret'], { name: 'secret-vol-coordinator-secret' });
  t.match(mounts['/mnt/shared'], { name: 'projected-vol-0', readOnly: true });
  t.match(mounts['/tmp'], { name: 'tmpfs-tmp' });
  t.match(mounts['/sys/fs/cgroup'], { readOnly: true }, 'systemd support without native systemd');
  t.match(mounts['/var/lib/coordinator'], { name: 'p', subPath: 'var/lib/coordinator' }, 'persisted dirs on the PVC');
  t.match(mounts['/opt/guestconfig'], { name: 'p' }, 'new-layout dirs persisted');
  t.same(container.volumeDevices, [
    { name: 'b0', devicePath: '/dev/xvd0' },
    { name: 'b1', devicePath: '/dev/xvd1' },
  ]);
  t.same(
    coordinator.spec.volumeClaimTemplates.map((v: any) => [v.metadata.name, v.spec.volumeMode ?? 'Filesystem']),
    [
      ['p', 'Filesystem'],
      ['b0', 'Block'],
      ['b1', 'Block'],
    ],
  );
  t.equal(podSpec.initContainers[0].image, container.image, 'the init container seeds the PVC from the same image');
  t.same(status.roles![0]!.members[0]!.blockDevicePaths, ['/dev/xvd0', '/dev/xvd1']);
  t.same(
    names(children, 'PersistentVolumeClaim').filter((n) => n.endsWith('coordinator-0')),
    ['p-analytics-coordinator-0', 'b0-analytics-coordinator-0', 'b1-analytics-coordinator-0'],
  );
  const worker = named(children, 'StatefulSet')[1] as any;
  t.equal(worker.spec.template.spec.automountServiceAccountToken, false);
  t.notOk(worker.spec.template.spec.initContainers, 'no storage, no init container');
  t.ok(worker.spec.template.spec.containers[0].env.some((e: any) => e.name === 'NVIDIA_VISIBLE_DEVICES'));
  t.notOk(
    names(children, 'Service').some((n) => n.includes('notebook')),
    'no notebook role in this cluster',
  );
});

t.test('problems that need the app are reported on the field, and freeze the children', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const observed = first.children.map((c) => applied(c));
  const status = first.status;
  const cases: [string, (spec: any) => void, RegExp, string][] = [
    ['app', (s) => (s.app = 'missing'), /spec.app: KubeDirectorApp "missing" not found in namespace analytics$/, 'AppNotFound'],
    [
      'role',
      (s) => (s.roles[2].id = 'notebook'),
      /spec.roles\[2\].id: role "notebook" is not a role of app "spark"; its roles are controller, worker, jupyter/,
      'RoleNotInApp',
    ],
    [
      'cardinality',
      (s) => (s.roles[0].members = 2),
      /spec.roles\[0\].members: role "controller" asks for 2 members but the app's cardinality is "1"/,
      'CardinalityViolation',
    ],
    [
      'min resources',
      (s) => (s.roles[1].resources.requests.memory = '512Mi'),
      /spec.roles\[1\].resources.requests.memory: role "worker" requests memory 512Mi; the app requires at least 1Gi/,
      'BelowMinResources',
    ],
    ['request above limit', (s) => (s.roles[1].resources.requests.cpu = '3'), /requests cpu 3, more than its limit 2/, 'RequestAboveLimit'],
    ['total members', (s) => (s.roles[1].members = 1000), /1002 members requested; a cluster has at most 1000/, 'TooManyMembers'],
    [
      'missing role',
      (s) => s.roles.splice(0, 1),
      /role "controller" of app "spark" needs at least 1 members but is not in spec.roles/,
      'RoleMissing',
    ],
  ];
  for (const [name, mutate, message, reason] of cases) {
    const spec = clone(sparkCluster.spec) as any;
    mutate(spec);
    const parent = stored({ ...sparkCluster, spec }, { status, generation: 2 });
    const response = run({ parent, apps: [spark], children: observed });
    const valid = condition(response.status, 'Valid');
    t.equal(valid.status, 'False', `${name}: invalid`);
    t.equal(valid.reason, reason, `${name}: reason`);
    t.match(valid.message, message, `${name}: message names the field`);
    t.same(sorted(response.children), sorted(first.children), `${name}: children are exactly what was applied before`);
    t.same(response.status.roles, status.roles, `${name}: members are kept as they were`);
    t.equal(condition(response.status, 'Ready').status, 'False');
  }
});

t.test('a request for a cluster whose app is gone keeps everything, including retained PVCs', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const observed = first.children.map((c) => applied(c));
  const orphanPvc = applied({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'p-old-9', namespace: NAMESPACE },
    spec: {},
  });
  const response = run({ parent: stored(sparkCluster, { status: first.status }), apps: [], children: [...observed, orphanPvc] });
  t.equal(response.children.length, observed.length + 1, 'nothing is dropped');
  t.equal(condition(response.status, 'Valid').reason, 'AppNotFound');
});

t.test('a new cluster whose app is missing shows 0 members and 0 ready beside its reason', async (t) => {
  const response = run({ parent: stored(sparkCluster), apps: [] });
  t.match(response.status, { members: 0, readyMembers: 0 });
  t.match(condition(response.status, 'Ready'), { status: 'False', reason: 'Invalid' });
  t.equal(response.status.state, undefined, 'no state: nothing was ever created');
});

t.test('an unreadable spec freezes too', async (t) => {
  const parent = stored({ ...sparkCluster, spec: { app: 'spark', roles: 'all of them' } });
  const response = run({ parent, apps: [spark] });
  t.equal(condition(response.status, 'Valid').reason, 'InvalidSpec');
  t.match(condition(response.status, 'Valid').message, 'spec/roles: Expected array');
  t.same(response.children, []);
});

t.test('fields a StatefulSet update may not change are returned exactly as observed', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const worker = clone(named(first.children, 'StatefulSet')[1]!) as any;
  worker.spec.selector = { matchLabels: { legacy: 'selector' } };
  worker.spec.serviceName = 'legacy-headless';
  worker.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '5Gi';
  worker.spec.volumeClaimTemplates[0].status = { phase: 'Pending' };
  const observed = applied(worker);
  const response = run({ parent: stored(sparkCluster, { status: first.status }), apps: [spark], children: [observed] });
  const rendered = named(response.children, 'StatefulSet').find((s) => s.metadata.name === worker.metadata.name) as any;
  t.same(rendered.spec.selector, worker.spec.selector);
  t.equal(rendered.spec.serviceName, 'legacy-headless');
  t.same(rendered.spec.volumeClaimTemplates, worker.spec.volumeClaimTemplates, 'claim templates as observed, defaults and all');
  t.equal(condition(response.status, 'SpecApplied').status, 'True', 'a size difference is applied through the PVCs');
  const pvc = named(response.children, 'PersistentVolumeClaim')[0] as any;
  t.equal(pvc.spec.resources.requests.storage, '10Gi', 'PVCs get the size the spec asks for');
});

t.test('a storage change on a role with members is deferred and said so', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const spec = clone(sparkCluster.spec) as any;
  spec.roles[0].storage = { size: '5Gi' };
  const observed = first.children.map((c) => applied(c));
  const response = run({
    parent: stored({ ...sparkCluster, spec }, { status: first.status, generation: 2 }),
    apps: [spark],
    children: observed,
  });
  const controller = named(response.children, 'StatefulSet')[0] as any;
  t.notOk(controller.spec.volumeClaimTemplates, 'the claim templates stay as they are');
  t.notOk(controller.spec.template.spec.initContainers, 'and the pod template agrees with them');
  const applied_ = condition(response.status, 'SpecApplied');
  t.equal(applied_.status, 'False');
  t.match(applied_.message, /role "controller": a storage change .* takes effect once the role has no members/);

  spec.roles[0].members = 0;
  spec.roles[0].id = 'controller';
  const emptied = run({
    parent: stored(
      { ...sparkCluster, spec },
      { status: { ...first.status, roles: first.status.roles!.map((r) => (r.id === 'controller' ? { ...r, members: [] } : r)) } },
    ),
    apps: [
      {
        ...spark,
        spec: {
          ...(spark.spec as object),
          roles: (spark.spec as any).roles.map((r: any) => (r.id === 'controller' ? { ...r, cardinality: '0+' } : r)),
        },
      },
    ],
    children: observed,
  });
  t.notOk(
    names(emptied.children, 'StatefulSet').includes(controller.metadata.name),
    'with no members and no pods the StatefulSet is recreated (dropped now, rendered anew next sync)',
  );
});

t.test('PVCs grow with the spec and never shrink', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const pvc = named(first.children, 'PersistentVolumeClaim')[0]!;
  // As the API server keeps it: the default class filled in, and bound (only a bound claim may grow).
  const observedPvc = applied(
    { ...pvc, spec: { ...(pvc.spec as object), storageClassName: 'standard' } },
    { status: { phase: 'Bound', capacity: { storage: '10Gi' } } },
  );
  for (const [size, expected] of [
    ['20Gi', '20Gi'],
    ['5Gi', '10Gi'],
  ] as const) {
    const spec = clone(sparkCluster.spec) as any;
    spec.roles[1].storage.size = size;
    const response = run({ parent: stored({ ...sparkCluster, spec }, { status: first.status }), apps: [spark], children: [observedPvc] });
    const rendered = named(response.children, 'PersistentVolumeClaim').find((p) => p.metadata.name === pvc.metadata.name) as any;
    t.equal(rendered.spec.resources.requests.storage, expected, `spec ${size}: PVC asks for ${expected}`);
  }
});

t.test('PVCs of members that left are kept unless whenScaled is Delete', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const pvcs = named(first.children, 'PersistentVolumeClaim').map((p) => applied(p));
  const stranger = applied({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'scratch', namespace: NAMESPACE },
    spec: {},
  });
  const status = clone(first.status);
  status.roles![1]!.members = status.roles![1]!.members.slice(0, 1);
  const spec = clone(sparkCluster.spec) as any;
  spec.roles[1].members = 1;
  const keep = run({ parent: stored({ ...sparkCluster, spec }, { status }), apps: [spark], children: [...pvcs, stranger] });
  t.same(
    names(keep.children, 'PersistentVolumeClaim').sort(),
    [...pvcs.map((p) => p.metadata.name), 'scratch'].sort(),
    'default: retained',
  );
  spec.persistentVolumeClaimRetentionPolicy = { whenScaled: 'Delete' };
  const drop = run({ parent: stored({ ...sparkCluster, spec }, { status }), apps: [spark], children: [...pvcs, stranger] });
  t.same(
    names(drop.children, 'PersistentVolumeClaim').sort(),
    [pvcs[0]!.metadata.name, 'scratch'].sort(),
    'Delete: only the departed member loses its PVC',
  );
});

t.test('a member Service whose type changes is recreated rather than updated in place', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const observed = first.children.map((c) => applied(c));
  const spec = { ...(clone(sparkCluster.spec) as object), serviceType: 'ClusterIP' };
  const response = run({ parent: stored({ ...sparkCluster, spec }, { status: first.status }), apps: [spark], children: observed });
  const headless = first.status.clusterService!;
  t.same(names(response.children, 'Service'), [headless], 'member Services dropped this sync');
  const next = run({
    parent: stored({ ...sparkCluster, spec }, { status: first.status }),
    apps: [spark],
    children: observed.filter((c) => c.kind !== 'Service'),
  });
  t.ok(
    named(next.children, 'Service').filter((s: any) => s.spec.type === 'ClusterIP').length === 4,
    'and rendered with the new type next sync',
  );
});

t.test('finalize keeps PVCs by default, releasing them from the cluster', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const observed = first.children.map((c) => applied(c));
  const parent = stored(sparkCluster, { status: first.status });
  parent.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const keep = finalize(request({ parent, apps: [spark], children: observed, finalizing: true }), OPTIONS);
  t.same(
    keep.children.map((c) => c.kind),
    ['PersistentVolumeClaim', 'PersistentVolumeClaim'],
    'only the PVCs stay',
  );
  for (const pvc of keep.children)
    t.same(pvc.metadata.ownerReferences, [], 'owner reference withdrawn: garbage collection will not take them');
  t.equal(keep.finalized, false, 'not finalized while children remain');
  const done = finalize(request({ parent, apps: [spark], children: [], finalizing: true }), OPTIONS);
  t.equal(done.finalized, true);
  const spec = { ...(clone(sparkCluster.spec) as object), persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } };
  const deleting = stored({ ...sparkCluster, spec });
  const drop = finalize(request({ parent: deleting, apps: [spark], children: observed, finalizing: true }), OPTIONS);
  t.same(drop.children, [], 'whenDeleted Delete: nothing kept');
});

t.test('member states follow the pods', async (t) => {
  const sync = cluster(sparkCluster, [spark]);
  const first = sync();
  const pods = first.status.roles!.flatMap((r) => r.members.map((m) => m.pod));
  const [controller, worker0, worker1, jupyter] = pods as [string, string, string, string];
  const second = sync([
    pod(controller),
    pod(worker0, { ready: false, state: 'waiting' }),
    pod(worker1, { unschedulable: '0/3 nodes are available: insufficient memory' }),
  ]);
  const states = second.status.roles!.flatMap((r) => r.members.map((m) => m.state));
  t.same(states, ['configured', 'creating', 'creating', 'create pending']);
  t.equal(second.status.roles![1]!.members[1]!.stateDetail!.schedulingErrorMessage, '0/3 nodes are available: insufficient memory');
  t.ok(second.status.memberStateRollup!.membersNotScheduled);
  t.equal(second.status.state, 'creating');
  t.equal(second.status.readyMembers, 1);

  const allReady = [controller, worker0, worker1, jupyter].map((name) => pod(name));
  const third = sync(allReady);
  t.equal(third.status.state, 'configured');
  t.equal(condition(third.status, 'Ready').status, 'True');
  t.equal(third.status.readyMembers, 4);

  const failed = allReady.map((p) => (p.metadata.name === worker0 ? pod(worker0, { ready: false, state: 'terminated' }) : p));
  const fourth = sync(failed);
  t.equal(fourth.status.roles![1]!.members[0]!.state, 'configured', 'a member whose container died stays configured');
  t.ok(fourth.status.memberStateRollup!.membersDown, 'but the rollup says a member is down');
  t.match(condition(fourth.status, 'Ready'), { status: 'False', reason: 'MembersDown' });

  const restarted = allReady.map((p) =>
    p.metadata.name === worker0 ? pod(worker0, { ready: false, containerID: 'containerd://new' }) : p,
  );
  const fifth = sync(restarted);
  t.equal(fifth.status.roles![1]!.members[0]!.state, 'creating', 'a new container goes back through creating');
  t.ok(fifth.status.memberStateRollup!.membersRestarting);
  t.equal(fifth.status.state, 'updating');

  const recovered = allReady.map((p) => (p.metadata.name === worker0 ? pod(worker0, { containerID: 'containerd://new' }) : p));
  const sixth = sync(recovered);
  t.equal(sixth.status.roles![1]!.members[0]!.state, 'configured');
  t.equal(sixth.status.roles![1]!.members[0]!.stateDetail!.lastConfiguredContainer, 'containerd://new');
  t.equal(sixth.status.state, 'configured');
  const again = sync(recovered);
  t.same(again.status, sixth.status, 'nothing in status changes while nothing observed changes');
  t.same(sync(recovered).children, again.children, 'nor in the children');
});

t.test('scaling down: highest ordinals leave through delete pending and deleting; node ids are never reused', async (t) => {
  const sync = cluster(sparkCluster, [spark]);
  const podsOf = (s: Status) => s.roles!.flatMap((r) => r.members.map((m) => pod(m.pod)));
  const status = sync(podsOf(sync().status)).status;
  t.equal(status.state, 'configured');
  const spec = clone(sparkCluster.spec) as any;
  spec.roles[1].members = 0;
  spec.roles.splice(2, 1);
  const replicas = (response: ReturnType<typeof run>) => named(response.children, 'StatefulSet').map((s: any) => s.spec.replicas);
  const states = (response: ReturnType<typeof run>) => response.status.roles!.map((r) => r.members.map((m) => m.state));

  let response = sync(podsOf(status), spec);
  t.same(states(response), [['configured'], ['delete pending', 'delete pending'], ['delete pending']]);
  t.same(replicas(response), [1, 2, 1], 'pods stay while delete pending');
  response = sync(podsOf(status));
  t.same(states(response), [['configured'], ['deleting', 'deleting'], ['deleting']], 'without startscripts, nobody needs to hear of it');
  t.same(replicas(response), [1, 0, 0], 'the removed role drains to zero');
  t.equal(response.status.state, 'updating');
  t.ok(response.status.memberStateRollup!.membershipChanging);
  const controllerPod = podsOf(status).slice(0, 1);
  response = sync(controllerPod);
  t.same(
    response.status.roles!.map((r) => r.id),
    ['controller', 'worker'],
    'a removed role leaves status once its members are gone',
  );
  t.same(replicas(response), [1, 0], 'and its StatefulSet goes');
  const generation = response.status.configGeneration!;
  t.equal(response.status.state, 'updating', 'the controller has yet to process the smaller membership');
  const busy = sync([pod(controllerPod[0]!.metadata.name, { ready: false })]);
  t.equal(busy.status.roles![0]!.members[0]!.stateDetail!.lastConfigDataGeneration, generation, 'seen working on it');
  response = sync(controllerPod);
  t.equal(response.status.roles![0]!.members[0]!.stateDetail!.lastSetupGeneration, generation, 'then ready: processed');
  t.equal(response.status.state, 'configured');
  spec.roles[1].members = 1;
  response = sync(controllerPod, clone(spec));
  t.equal(response.status.roles![1]!.members[0]!.nodeID, 5, 'a returning ordinal gets a new node id');
  t.equal(response.status.lastNodeID, 5);
});

t.test('new members wait for departing ones with higher ordinals to be gone', async (t) => {
  const created = run({ parent: stored(sparkCluster), apps: [spark] });
  const children = created.children.map((c) => applied(c));
  const status = clone(created.status);
  const workers = status.roles![1]!;
  workers.members = workers.members.map((m, i) => ({ ...m, state: i === 1 ? 'deleting' : 'configured' }));
  const spec = clone(sparkCluster.spec) as any;
  spec.roles[1].members = 3;
  const pods = workers.members.map((m) => pod(m.pod, { deleting: m.state === 'deleting' }));
  const response = run({ parent: stored({ ...sparkCluster, spec }, { status, generation: 2 }), apps: [spark], pods, children });
  t.same(
    response.status.roles![1]!.members.map((m) => m.state),
    ['configured', 'deleting'],
    'ordinal 2 is not created above a deleting ordinal 1',
  );
  t.equal((named(response.children, 'StatefulSet')[1] as any).spec.replicas, 1);
});
