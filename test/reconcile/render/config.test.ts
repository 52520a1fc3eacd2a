import t from 'tap';
import type { KubeObject } from '../../../src/api/meta.js';
import { CONFIG_FAILURE_PREFIX } from '../../../src/reconcile/plan.js';
import { clone, readYaml } from '../../support/fixtures.js';
import { pod } from '../../support/pods.js';
import { NAMESPACE, app, applied, cluster, condition, named, run, stored, type Status } from '../../support/requests.js';

const everyField = app('test/fixtures/api/app-every-field.yaml');
const config = readYaml<any>('test/fixtures/api/config.yaml');
delete config.spec.requiredSecretPrefix;
const manifest = readYaml<any>('test/fixtures/api/cluster-every-field.yaml');
manifest.spec.roles[1].members = 3;
const spark = app('test/fixtures/apps/spark.yaml');
const sparkCluster = readYaml('clusters/spark.yaml');

const configMap = (children: KubeObject[]) =>
  named(children, 'ConfigMap')[0] as KubeObject & { data: Record<string, string>; binaryData?: Record<string, string> };
const secret = (children: KubeObject[]) => named(children, 'Secret')[0] as KubeObject & { data: Record<string, string> };
const podsOf = (status: Status, shape = {}) => status.roles!.flatMap((r) => r.members.map((m) => pod(m.pod, shape)));
const decoded = (data: Record<string, string>) =>
  Object.values(data)
    .map((v) => Buffer.from(v, 'base64').toString('utf8'))
    .join('\n');

t.test('configmeta describes the whole cluster once, with placeholders for each member and for secrets', async (t) => {
  const { children, status } = run({ parent: stored(manifest), apps: [everyField], config });
  t.equal(condition(status, 'Valid').status, 'True', condition(status, 'Valid').message);
  const data = configMap(children).data;
  const meta = JSON.parse(data['configmeta.json']!);
  t.equal(meta.version, '8');
  t.equal(meta.node, '@kd-node');
  t.equal(meta.connections.secrets, '@kd-connected-secrets');
  const workers = meta.nodegroups['1'].roles.worker;
  t.equal(workers.fqdns.length, 3);
  t.match(workers.fqdns[0], /^analytics-worker-0\.analytics\.analytics\.svc\.cluster\.local$/);
  t.same(workers.hostnames, workers.fqdns);
  t.same(workers.node_ids, ['2', '3', '4']);
  t.equal(workers.secret_keys, '@kd-secret-keys:worker');
  t.same(meta.nodegroups['1'].roles.coordinator.flavor, { storage: 'n/a', name: 'n/a', memory: '4096', description: 'n/a', cores: '2' });
  t.same(meta.nodegroups['1'].roles.coordinator.services.ui.endpoints, [
    'http://analytics-coordinator-0.analytics.analytics.svc.cluster.local:8080',
  ]);
  t.same(meta.services.ssh, {
    '1': {
      coordinator: { bdvlibrefkey: ['nodegroups', '1', 'roles', 'coordinator', 'services', 'ssh'] },
      worker: { bdvlibrefkey: ['nodegroups', '1', 'roles', 'worker', 'services', 'ssh'] },
    },
  });
  t.same(meta.nodegroups['1'].config_metadata, { tier: 'gold' });
  t.same(meta.distros['example/analytics'], { '1': { bdvlibrefkey: ['nodegroups', '1'] } });
  const [podName, node] = data.nodes!.split('\n')[0]!.split('\t');
  t.equal(podName, 'analytics-coordinator-0');
  t.same(JSON.parse(node!), {
    role_id: 'coordinator',
    nodegroup_id: '1',
    id: '1',
    hostname: 'analytics-coordinator-0.analytics.analytics.svc.cluster.local',
    fqdn: 'analytics-coordinator-0.analytics.analytics.svc.cluster.local',
    domain: 'analytics.analytics.svc.cluster.local',
    distro_id: 'example/analytics',
    depends_on: {},
    block_device_paths: ['/dev/xvd0', '/dev/xvd1'],
  });
  t.equal(data.members!.split('\n')[1], 'analytics-worker-0\tworker\t2\tanalytics-worker-0.analytics.analytics.svc.cluster.local');
  t.equal(data['fqdns.worker']!.split('\n').filter(Boolean).length, 3, 'one FQDN per line, per role');
  t.equal(data['injections.coordinator'], 'https://example.com/files/settings.conf\t/etc/app\t644\tapp\tapp\n');
  t.equal(data.generation, '1\n');
  t.match(data['agent.sh'], /^#!\/bin\/sh/, 'the agent travels with the configuration');
});

t.test('no ConfigMap holds a secret value; the Secret does', async (t) => {
  const connected = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'shared-credentials', namespace: NAMESPACE, labels: { 'kubedirector.hpe.com/secretType': 'db' } },
    data: { password: Buffer.from('hunter2').toString('base64') },
  } as KubeObject;
  const { children } = run({ parent: stored(manifest), apps: [everyField, connected], config });
  const everything = JSON.stringify(named(children, 'ConfigMap'));
  for (const value of ['s3cret', 't0ken-from-upstream', 'hunter2', connected.data && (connected as any).data.password]) {
    t.notOk(everything.includes(value), `"${value}" is not in any ConfigMap`);
  }
  const secrets = decoded(secret(children).data);
  t.match(secrets, '"admin-password":"s3cret"', 'a plain secret key');
  t.match(secrets, '"api-token":"t0ken-from-upstream"', 'an encrypted one, decrypted with masterEncryptionKey');
  t.match(secrets, `"password":"${(connected as any).data.password}"`, 'connected secrets, grouped by type');
});

t.test('a secret key that cannot be decrypted freezes the cluster and says why', async (t) => {
  const wrongKey = clone(config);
  wrongKey.spec.masterEncryptionKey = '11'.repeat(32);
  const { status } = run({ parent: stored(manifest), apps: [everyField], config: wrongKey });
  t.match(condition(status, 'Valid'), {
    reason: 'SecretKeyUndecryptable',
    message: /spec.roles\[0\].secretKeys: secret key "api-token" cannot be decrypted/,
  });
});

t.test('configmeta grows linearly with members', async (t) => {
  const size = (workers: number) => {
    const spec = clone(sparkCluster.spec) as any;
    spec.roles[1].members = workers;
    const data = configMap(run({ parent: stored({ ...sparkCluster, spec }), apps: [spark] }).children).data;
    return Object.entries(data)
      .filter(([key]) => key !== 'agent.sh')
      .reduce((sum, [, v]) => sum + v.length, 0);
  };
  const [small, double] = [size(200), size(400)];
  t.ok(double <= 2.05 * small, `200 workers: ${small} bytes, 400 workers: ${double} bytes`);
  t.ok(double >= 1.8 * small, 'and really is per member');
});

t.test('the pod template starts the agent and asks it about readiness and liveness', async (t) => {
  const { children } = run({ parent: stored(manifest), apps: [everyField], config });
  const container = (named(children, 'StatefulSet')[1] as any).spec.template.spec.containers[0];
  t.same(container.lifecycle.postStart.exec.command, ['/bin/sh', '/etc/kubedirector/agent.sh', 'start']);
  t.same(container.readinessProbe.exec.command, ['/bin/sh', '/etc/kubedirector/agent.sh', 'ready']);
  t.same(container.livenessProbe.exec.command, ['/bin/sh', '/etc/kubedirector/agent.sh', 'alive']);
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  t.same(env.KD_POD_NAME, { fieldRef: { fieldPath: 'metadata.name' } });
  t.equal(env.KD_ROLE, 'worker');
  t.equal(env.KD_PACKAGE_URL, 'https://example.com/packages/worker.tgz');
  t.equal(env.KD_EVENTS, 'configure addnodes delnodes');
  t.equal(env.KD_MAX_LOG, '4096', "the app's defaultMaxLogSizeDump");
  t.equal(env.KD_SYSTEMD, '1');
  const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m]));
  t.match(mounts['/etc/kubedirector'], { name: 'kd-config', readOnly: true });
  t.match(mounts['/etc/kubedirector-secrets'], { name: 'kd-secrets', readOnly: true });
});

t.test('members that join are announced to the configured members of roles taking --addnodes', async (t) => {
  const sync = cluster(manifest, [everyField], { config });
  let response = sync(podsOf(sync().status));
  t.same(configMap(response.children).data.events, '', 'members created together know each other: nothing to announce');
  const settled = response.status;
  const spec = clone(manifest.spec);
  spec.roles[1].members = 4;
  response = sync(podsOf(settled), spec);
  const newcomer = response.status.roles![1]!.members[3]!.pod;
  t.equal(response.status.roles![1]!.members[3]!.state, 'create pending');
  const generation = response.status.configGeneration!;
  response = sync([...podsOf(settled), pod(newcomer)]);
  t.equal(response.status.roles![1]!.members[3]!.state, 'configured');
  const events = configMap(response.children).data.events!;
  t.equal(
    events,
    `${generation + 1}.1\tworker\t--addnodes\t--nodegroup\t1\t--role\tworker\t--fqdns\t${newcomer}.analytics.analytics.svc.cluster.local\n`,
    'one event, for the worker role only (the coordinator does not take addnodes)',
  );
  t.same(response.status.roles![1]!.members[0]!.stateDetail!.pendingNotifyCmds, [
    { arguments: ['--addnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', `${newcomer}.analytics.analytics.svc.cluster.local`] },
  ]);
  t.notOk(response.status.roles![1]!.members[3]!.stateDetail!.pendingNotifyCmds, 'not for the newcomer itself');
  t.notOk(response.status.roles![0]!.members[0]!.stateDetail!.pendingNotifyCmds, 'nor for the coordinator');
  t.equal(response.status.state, 'updating', 'until every member has processed it');
});

t.test('members leave only after the others have processed --delnodes', async (t) => {
  const sync = cluster(manifest, [everyField], { config });
  const settled = sync(podsOf(sync().status)).status;
  const spec = clone(manifest.spec);
  spec.roles[1].members = 2;
  let response = sync(podsOf(settled), spec);
  const leaver = response.status.roles![1]!.members[2]!;
  t.equal(leaver.state, 'delete pending');
  t.match(
    configMap(response.children).data.events,
    new RegExp(`\\t--delnodes\\t--nodegroup\\t1\\t--role\\tworker\\t--fqdns\\t${leaver.pod}\\.`),
  );
  t.notOk(configMap(response.children).data.fqdns!.includes(leaver.pod), 'a leaving member is out of configmeta');
  response = sync(podsOf(settled));
  t.equal(response.status.roles![1]!.members[2]!.state, 'delete pending', 'the others have not processed it yet');
  t.equal((named(response.children, 'StatefulSet')[1] as any).spec.replicas, 3);
  response = sync(podsOf(settled, { ready: false }));
  t.equal(response.status.roles![1]!.members[2]!.state, 'delete pending', 'working on it');
  response = sync(podsOf(settled));
  t.equal(response.status.roles![1]!.members[2]!.state, 'deleting', 'processed: now it goes');
  t.equal((named(response.children, 'StatefulSet')[1] as any).spec.replicas, 2);
});

t.test("a failed setup becomes config error with the agent's report", async (t) => {
  const sync = cluster(manifest, [everyField], { config });
  const first = sync();
  const report = `${CONFIG_FAILURE_PREFIX}startscript --configure exited with status 3\n--- stdout ---\n${'o'.repeat(5000)}\n--- stderr ---\ndisk full\n`;
  const failing = first.status.roles![1]!.members[0]!.pod;
  const pods = podsOf(first.status).map((p) =>
    p.metadata.name === failing ? pod(failing, { ready: false, state: 'terminated', terminationMessage: report }) : p,
  );
  const response = sync(pods);
  const member = response.status.roles![1]!.members[0]!;
  t.equal(member.state, 'config error');
  t.equal(member.stateDetail!.configErrorDetail, 'startscript --configure exited with status 3');
  t.equal(member.stateDetail!.startScriptStderrMessage, 'disk full');
  t.equal(member.stateDetail!.startScriptStdoutMessage, 'o'.repeat(4096), 'at most maxLogSizeDump characters');
  t.match(condition(response.status, 'Ready'), { status: 'False', reason: 'ConfigError' });
  t.ok(response.status.memberStateRollup!.configErrors);
  t.equal(response.status.state, 'configured', 'config error is a settled state, as upstream');
  const retried = sync(podsOf(first.status));
  t.equal(retried.status.roles![1]!.members[0]!.state, 'configured', 'a later successful setup clears it');
  t.notOk(retried.status.roles![1]!.members[0]!.stateDetail!.configErrorDetail);
});

t.test('connections: other clusters, typed ConfigMaps and Secrets; a change queues --reconnect', async (t) => {
  const warehouseCluster = {
    apiVersion: 'kubedirector.hpe.com/v1beta1',
    kind: 'KubeDirectorCluster',
    metadata: { name: 'warehouse', namespace: NAMESPACE },
  } as KubeObject;
  const warehouseMeta = run({ parent: stored({ ...sparkCluster, metadata: { name: 'warehouse' } }), apps: [spark] });
  const warehouseConfig = {
    ...configMap(warehouseMeta.children),
    metadata: { ...configMap(warehouseMeta.children).metadata, name: 'warehouse-config' },
  } as KubeObject;
  const settings = (value: string) =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shared-settings', namespace: NAMESPACE, labels: { 'kubedirector.hpe.com/cmType': 'settings' } },
      data: { mode: value },
    }) as KubeObject;
  let related = [warehouseCluster, warehouseConfig, settings('fast')];
  const sync = (pods: KubeObject[] = []) => {
    const step = cluster(manifest, [everyField, ...related], { config });
    return step(pods);
  };
  const meta = JSON.parse(configMap(sync().children).data['configmeta.json']!);
  const warehouse = meta.connections.clusters.warehouse;
  t.equal(warehouse.node, null);
  t.notOk('connections' in warehouse);
  t.same(warehouse.distros['kubedirector/spark']['1'].bdvlibrefkey, ['connections', 'clusters', 'warehouse', 'nodegroups', '1']);
  t.equal(warehouse.nodegroups['1'].roles.worker.fqdns.length, 2);
  t.notOk('secret_keys' in warehouse.nodegroups['1'].roles.worker, "a connected cluster's secret keys are not shared");
  t.same(meta.connections.configmaps.settings, [
    {
      metadata: { name: 'shared-settings' },
      data: { mode: 'fast' },
      labels: { 'kubedirector.hpe.com/cmType': 'settings' },
      annotations: {},
    },
  ]);

  const steps = cluster(manifest, [everyField, ...related], { config });
  const settled = steps(podsOf(steps().status)).status;
  related = [warehouseCluster, warehouseConfig, settings('slow')];
  const changed = run({
    parent: stored(manifest, { status: settled }),
    apps: [everyField, ...related],
    config,
    pods: podsOf(settled),
    children: [],
  });
  t.match(configMap(changed.children).data.events, /\tcoordinator,worker\t--reconnect\n$/, 'every role with a startscript reconnects');
  t.not(changed.status.lastConnectionHash, settled.lastConnectionHash);
});

t.test('a setup package carried by a ConfigMap next to the app reaches the members', async (t) => {
  const carried = clone(everyField) as any;
  carried.spec.roles[1].configPackage = { packageURL: 'configmap://analytics-packages/worker.tgz' };
  const packages = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'analytics-packages', namespace: NAMESPACE, labels: { 'kubedirector.hpe.com/setup-package-for': 'analytics-suite' } },
    binaryData: { 'worker.tgz': 'H4sIAAAAAAAAA+3BAQ0AAADCoPdPbQ43oAAAAAAAAAAAAIA3A5reHScAKAAA' },
  } as KubeObject;
  const { children, status } = run({ parent: stored(manifest), apps: [carried, packages], config });
  t.equal(condition(status, 'Valid').status, 'True', condition(status, 'Valid').message);
  t.same(
    Object.values(configMap(children).binaryData ?? {}),
    [(packages as any).binaryData['worker.tgz']],
    'the package is in the ConfigMap',
  );
  const missing = run({ parent: stored(manifest), apps: [carried], config });
  t.match(condition(missing.status, 'Valid'), {
    reason: 'PackageNotFound',
    message:
      /setup package configmap:\/\/analytics-packages\/worker.tgz of role "worker": no ConfigMap "analytics-packages" with binaryData key "worker.tgz" and label kubedirector.hpe.com\/setup-package-for=analytics-suite in namespace analytics/,
  });
});

t.test('an unchanged configuration keeps its generation; the observed ConfigMap is the memory', async (t) => {
  const first = run({ parent: stored(sparkCluster), apps: [spark] });
  const again = run({
    parent: stored(sparkCluster, { status: first.status }),
    apps: [spark],
    children: first.children.map((c) => applied(c)),
  });
  t.equal(configMap(again.children).data.generation, '1\n');
  t.equal(again.status.configGeneration, 1);
});

t.test('failure reports are read section by section, whatever the tails hold', async (t) => {
  const { configFailure } = await import('../../../src/reconcile/plan.js');
  const report = `${CONFIG_FAILURE_PREFIX}startscript --configure exited with status 2\n--- stdout ---\nline1\nline2\n\n--- stderr ---\nerr1\nerr2\n`;
  const observation = { exists: true, terminating: false, ready: false, containerState: 'terminated' as const, terminationMessage: report };
  t.same(configFailure(observation), {
    configErrorDetail: 'startscript --configure exited with status 2',
    startScriptStdoutMessage: 'line1\nline2\n',
    startScriptStderrMessage: 'err1\nerr2',
  });
  t.same(
    configFailure({
      ...observation,
      terminationMessage: `${CONFIG_FAILURE_PREFIX}cannot get setup package\n--- stdout ---\n\n--- stderr ---\ncurl: (22) 404\n`,
    }),
    {
      configErrorDetail: 'cannot get setup package',
      startScriptStdoutMessage: '',
      startScriptStderrMessage: 'curl: (22) 404',
    },
  );
  t.equal(configFailure({ ...observation, terminationMessage: 'OOMKilled' }), undefined, 'other terminations are not config errors');
});
