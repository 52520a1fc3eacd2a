// Another version of the app, and its setup package carried in the cluster's ConfigMap: members
// still on the old template keep finding the package they were made with until they are replaced.
import t from 'tap';
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../../src/api/meta.js';
import { clone, readYaml } from '../../support/fixtures.js';
import { pod } from '../../support/pods.js';
import { NAMESPACE, app, applied, condition, madeFrom, run, stored, type Status } from '../../support/requests.js';

const v1 = app('test/fixtures/scenarios/workers-app.yaml');
const manifest = readYaml<any>('test/fixtures/scenarios/workers-cluster.yaml');

function version(name: string, versionString: string, distroID = 'example/workers'): KubeObject {
  const next = clone(v1) as any;
  next.metadata.name = name;
  next.spec.version = versionString;
  next.spec.distroID = distroID;
  next.spec.roles[0].configPackage = { packageURL: `configmap://${name}-setup/appconfig.tgz` };
  return next;
}
const packageOf = (appName: string, content: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `${appName}-setup`, namespace: NAMESPACE, labels: { 'kubedirector.hpe.com/setup-package-for': appName } },
  binaryData: { 'appconfig.tgz': Buffer.from(content).toString('base64') },
});
const keyOf = (content: string) => `package.worker.${createHash('sha256').update(content).digest('hex').slice(0, 16)}.tgz`;

const configMap = (children: KubeObject[]) =>
  children.find((c) => c.kind === 'ConfigMap') as KubeObject & { binaryData?: Record<string, string>; data: Record<string, string> };
const statefulSet = (children: KubeObject[]) => children.find((c) => c.kind === 'StatefulSet')!;
const env = (set: KubeObject, name: string) =>
  (set.spec as any).template.spec.containers[0].env.find((e: { name: string }) => e.name === name)?.value as string | undefined;
const partition = (set: KubeObject) => (set.spec as any).updateStrategy.rollingUpdate?.partition ?? 0;
const podsOf = (status: Status, set: KubeObject) => status.roles![0]!.members.map((m) => madeFrom(pod(m.pod), set));

const first = run({ parent: stored(manifest), apps: [v1, packageOf('workers', 'v1 package')] });
const before = run({
  parent: stored(manifest, { status: first.status }),
  apps: [v1, packageOf('workers', 'v1 package')],
  children: first.children.map((c) => applied(c)),
  pods: podsOf(first.status, statefulSet(first.children)),
});
const oldSet = statefulSet(before.children);
const upgradedManifest = { ...manifest, spec: { ...manifest.spec, app: 'workers-v2' } };

t.test('the package is filed under its content and the template names it', async (t) => {
  t.same(Object.keys(configMap(before.children).binaryData ?? {}), [keyOf('v1 package')]);
  t.equal(env(oldSet, 'KD_PACKAGE_KEY'), keyOf('v1 package'));
  t.equal(env(oldSet, 'KD_PACKAGE_URL'), 'configmap://workers-setup/appconfig.tgz');
});

t.test('another version of the app: both packages while members run the old one, then only the new', async (t) => {
  const upgrading = run({
    parent: stored(upgradedManifest, { generation: 2, status: before.status }),
    apps: [version('workers-v2', '2.0'), packageOf('workers-v2', 'v2 package')],
    children: before.children.map((c) => applied(c)),
    pods: podsOf(before.status, oldSet),
  });
  t.equal(condition(upgrading.status, 'Valid').status, 'True', condition(upgrading.status, 'Valid').message);
  const newSet = statefulSet(upgrading.children);
  t.equal(env(newSet, 'KD_PACKAGE_KEY'), keyOf('v2 package'), 'the template names the new package');
  t.same(
    Object.keys(configMap(upgrading.children).binaryData ?? {}).sort(),
    [keyOf('v1 package'), keyOf('v2 package')].sort(),
    'the old package stays for the members not yet replaced',
  );
  t.equal(partition(newSet), 2, 'the highest member is replaced first');
  t.match(JSON.parse(configMap(upgrading.children).data['configmeta.json']!).nodegroups['1'], { catalog_entry_version: '2.0' });

  const [m0, m1] = podsOf(before.status, oldSet);
  const replaced = podsOf(before.status, newSet);
  const mixed = run({
    parent: stored(upgradedManifest, { generation: 2, status: upgrading.status }),
    apps: [version('workers-v2', '2.0'), packageOf('workers-v2', 'v2 package')],
    children: upgrading.children.map((c) => applied(c)),
    pods: [m0!, m1!, replaced[2]!],
  });
  t.equal(Object.keys(configMap(mixed.children).binaryData ?? {}).length, 2, 'kept while any pod installs it');
  t.equal(partition(statefulSet(mixed.children)), 1, 'the next member');

  const done = run({
    parent: stored(upgradedManifest, { generation: 2, status: mixed.status }),
    apps: [version('workers-v2', '2.0'), packageOf('workers-v2', 'v2 package')],
    children: mixed.children.map((c) => applied(c)),
    pods: replaced,
  });
  t.same(Object.keys(configMap(done.children).binaryData ?? {}), [keyOf('v2 package')], 'dropped once no pod installs it');
  t.equal(partition(statefulSet(done.children)), 0);
  t.match(condition(done.status, 'RolledOut'), { status: 'True' });
});

t.test('an app of another distroID cannot replace the running one: nothing changes', async (t) => {
  const other = run({
    parent: stored({ ...manifest, spec: { ...manifest.spec, app: 'other' } }, { generation: 2, status: before.status }),
    apps: [version('other', '1.0', 'example/other'), packageOf('other', 'other package')],
    children: before.children.map((c) => applied(c)),
    pods: podsOf(before.status, oldSet),
  });
  t.match(condition(other.status, 'Valid'), {
    status: 'False',
    reason: 'AppChangeNotAllowed',
    message:
      /spec.app: KubeDirectorApp "other" is distroID "example\/other", but the members run "example\/workers" \(version 1.0\): only another version of the same distroID can replace it/,
  });
  t.same(
    other.children.map((c) => `${c.kind}/${c.metadata.name}`).sort(),
    before.children.map((c) => `${c.kind}/${c.metadata.name}`).sort(),
    'the observed children, unchanged',
  );
  t.same(statefulSet(other.children).spec, oldSet.spec);
});

t.test("a rolloutOrder naming a role the app lacks is the app's error", async (t) => {
  const broken = clone(v1) as any;
  broken.spec.rolloutOrder = ['worker', 'ghost'];
  const answer = run({ parent: stored(manifest), apps: [broken, packageOf('workers', 'v1 package')] });
  t.match(condition(answer.status, 'Valid'), {
    status: 'False',
    reason: 'InvalidApp',
    message: /rolloutOrder names roles it does not have: ghost/,
  });
});
