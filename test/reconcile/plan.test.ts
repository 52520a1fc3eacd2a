// plan on its own: members and their states from the previous status and the observed pods.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { plan, type Plan } from '../../src/reconcile/plan.js';
import { resolve } from '../../src/reconcile/resolve.js';
import { sync } from '../../src/reconcile/sync.js';
import { clone, readYaml } from '../support/fixtures.js';
import { pod } from '../support/pods.js';
import { OPTIONS, app, applied, request, stored } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');

/** The plan for workers count, after a first sync of the example with its pods as given. */
function planFor(
  workers: number,
  pods: (names: string[]) => KubeObject[] = (names) => names.map((n) => pod(n)),
): { before: Plan; after: Plan } {
  const first = sync(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  const children = first.children.map((c) => applied(c));
  const names = (first.status.roles ?? []).flatMap((r) => r.members.map((m) => m.pod));
  const cluster = clone(manifest);
  cluster.spec.roles[1].members = workers;
  const before = plan(
    resolve(request({ parent: stored(manifest, { status: first.status }), apps: [spark], children, pods: pods(names) }), OPTIONS),
  );
  const after = plan(
    resolve(
      request({ parent: stored(cluster, { generation: 2, status: first.status }), apps: [spark], children, pods: pods(names) }),
      OPTIONS,
    ),
  );
  return { before, after };
}

const worker = (p: Plan) => p.roles.find((r) => r.id === 'worker')!;
const states = (p: Plan) => worker(p).members.map((m) => `${m.ordinal}:${m.status.state}:${m.status.nodeID}`);

t.test('a new cluster: every member create pending, node ids in role order', async (t) => {
  const resolved = resolve(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  const planned = plan(resolved);
  t.same(
    planned.roles.map((r) => [r.id, r.members.map((m) => `${m.status.state}:${m.status.nodeID}`), r.replicas]),
    [
      ['controller', ['create pending:1'], 1],
      ['worker', ['create pending:2', 'create pending:3'], 2],
      ['jupyter', ['create pending:4'], 1],
    ],
  );
  t.equal(planned.lastNodeID, 4);
});

t.test('ready pods configure their members, and the first configure is a join', async (t) => {
  const { before } = planFor(2);
  t.same(states(before), ['0:configured:2', '1:configured:3']);
  t.ok(
    worker(before).members.every((m) => m.joined),
    'joined in this sync',
  );
});

t.test('scaling up adds members with new node ids above every one seen', async (t) => {
  const { after } = planFor(4);
  t.same(states(after), ['0:configured:2', '1:configured:3', '2:create pending:5', '3:create pending:6']);
  t.equal(after.lastNodeID, 6);
});

t.test('scaling down: the highest ordinals go through delete pending, and the StatefulSet keeps their pods', async (t) => {
  const { after } = planFor(1);
  t.same(states(after), ['0:configured:2', '1:delete pending:3']);
  t.ok(worker(after).members[1]!.leaving, 'announced as leaving');
  t.equal(worker(after).replicas, 2, 'the pod stays until everyone has heard');
});

t.test('a pod that is not ready keeps its member creating, and a missing one create pending', async (t) => {
  const { before } = planFor(2, (names) => names.slice(0, -1).map((n) => pod(n, { ready: false })));
  t.same(
    before.roles.map((r) => r.members.map((m) => m.status.state)),
    [['creating'], ['creating', 'creating'], ['create pending']],
  );
});
