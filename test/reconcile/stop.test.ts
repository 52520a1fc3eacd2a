// spec.stopped on its own: the StatefulSets go to 0 and nothing else of the cluster changes.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { sync } from '../../src/reconcile/sync.js';
import { clone, readYaml } from '../support/fixtures.js';
import { pod } from '../support/pods.js';
import { OPTIONS, app, applied, request, stored } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');
const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const stoppedManifest = () => {
  const cluster = clone(manifest);
  cluster.spec.stopped = true;
  return cluster;
};

/** The example configured: its children as applied, its pods ready, its status. */
function configured() {
  const first = sync(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  const children = first.children.map((c) => applied(c));
  const pods = (first.status.roles ?? []).flatMap((r) => r.members.map((m) => pod(m.pod)));
  const second = sync(request({ parent: stored(manifest, { status: first.status }), apps: [spark], children, pods }), OPTIONS);
  return { children: second.children.map((c) => applied(c)), pods, status: second.status };
}

const ready = (status: { conditions?: { type: string; reason: string; status: string }[] }) =>
  status.conditions?.find((c) => c.type === 'Ready');

t.test('stopping: every StatefulSet at 0 replicas, every other child kept as it was, no member leaves', async (t) => {
  const before = configured();
  t.equal(before.status.state, 'configured');
  const answer = sync(
    request({
      parent: stored(stoppedManifest(), { generation: 2, status: before.status }),
      apps: [spark],
      children: before.children,
      pods: before.pods,
    }),
    OPTIONS,
  );
  t.same(answer.children.map(key).sort(), before.children.map(key).sort(), 'the same children');
  for (const child of answer.children) {
    if (child.kind === 'StatefulSet') t.equal((child.spec as { replicas: number }).replicas, 0, `${key(child)} at 0 replicas`);
  }
  const configMap = (children: KubeObject[]) => children.find((c) => c.kind === 'ConfigMap') as KubeObject & { data: unknown };
  t.same(configMap(answer.children).data, configMap(before.children).data, 'no --delnodes or --leave published');
  const members = (s: typeof answer.status) => (s.roles ?? []).flatMap((r) => r.members.map((m) => [m.pod, m.nodeID, m.state]));
  t.same(members(answer.status), members(before.status), 'members kept, configured');
  t.equal(answer.status.state, 'updating', 'not stopped while pods remain');
  t.match(ready(answer.status), { status: 'False', reason: 'Stopping' });

  const gone = sync(
    request({
      parent: stored(stoppedManifest(), { generation: 2, status: answer.status }),
      apps: [spark],
      children: answer.children.map((c) => applied(c)),
    }),
    OPTIONS,
  );
  t.equal(gone.status.state, 'stopped', 'stopped once no pod is left');
  t.match(ready(gone.status), { status: 'False', reason: 'Stopped' });
  t.same(members(gone.status), members(before.status));
  t.same(gone.status.lastNodeID, before.status.lastNodeID);
});

t.test('a stopped cluster deletes no PVC, even with whenScaled: Delete and its status lost', async (t) => {
  const before = configured();
  const cluster = stoppedManifest();
  cluster.spec.persistentVolumeClaimRetentionPolicy = { whenScaled: 'Delete' };
  const answer = sync(request({ parent: stored(cluster, { generation: 2 }), apps: [spark], children: before.children }), OPTIONS);
  const claims = (children: KubeObject[]) =>
    children
      .filter((c) => c.kind === 'PersistentVolumeClaim')
      .map(key)
      .sort();
  t.equal(claims(before.children).length, 2);
  t.same(claims(answer.children), claims(before.children), 'every PVC kept');
  t.same(answer.children.map(key).sort(), before.children.map(key).sort(), 'and every other child');
});

t.test('stopped, with no pods and its status lost: every child stays', async (t) => {
  const before = configured();
  const stopping = sync(
    request({ parent: stored(stoppedManifest(), { generation: 2, status: before.status }), apps: [spark], children: before.children }),
    OPTIONS,
  );
  const children = stopping.children.map((c) => applied(c));
  const answer = sync(request({ parent: stored(stoppedManifest(), { generation: 2 }), apps: [spark], children }), OPTIONS);
  t.same(answer.children.map(key).sort(), children.map(key).sort(), 'the same children');
});
