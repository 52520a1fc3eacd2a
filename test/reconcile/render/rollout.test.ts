// Rolling a changed pod template through the members: the partition each StatefulSet gets, from
// what the observed pods say, one member at a time in the whole cluster.
import t from 'tap';
import type { KubeObject } from '../../../src/api/meta.js';
import { TEMPLATE_ANNOTATION } from '../../../src/reconcile/render/rollout.js';
import { CONFIG_FAILURE_PREFIX } from '../../../src/reconcile/plan.js';
import { clone, readYaml } from '../../support/fixtures.js';
import { pod, type PodShape } from '../../support/pods.js';
import { app, applied, condition, madeFrom, run, stored, type Status } from '../../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');

const sets = (children: KubeObject[]) => children.filter((c) => c.kind === 'StatefulSet');
const setOf = (children: KubeObject[], role: string) =>
  sets(children).find((s) => s.metadata.labels?.['kubedirector.hpe.com/role'] === role)!;
const partition = (children: KubeObject[], role: string) =>
  (setOf(children, role).spec as { updateStrategy: { rollingUpdate?: { partition: number } } }).updateStrategy.rollingUpdate?.partition ??
  0;
const hashOf = (set: KubeObject) =>
  (set.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations[TEMPLATE_ANNOTATION];
const podNames = (status: Status) => (status.roles ?? []).flatMap((r) => r.members.map((m) => m.pod));

/** A cluster's syncs with the apps and spec a test chooses each time, each seeing what the previous applied. */
function syncs(apps: KubeObject[] = [spark]) {
  let children: KubeObject[] = [];
  let status: Status | undefined;
  let generation = 1;
  let spec = clone(manifest.spec);
  return {
    get children() {
      return children;
    },
    sync(pods: KubeObject[], change?: (spec: any) => void) {
      if (change) {
        spec = clone(spec);
        change(spec);
        generation += 1;
      }
      const response = run({
        parent: stored({ ...manifest, spec }, { generation, ...(status ? { status } : {}) }),
        apps,
        children,
        pods,
      });
      children = response.children.map((c) => applied(c));
      status = response.status;
      return response;
    },
  };
}

/** Every member's pod, ready, made from the templates of `made` (StatefulSets); `changes` overrides some by name. */
function podsNow(status: Status, made: KubeObject[], changes: Record<string, KubeObject | null> = {}): KubeObject[] {
  return podNames(status).flatMap((name) => {
    if (name in changes) return changes[name] ? [changes[name]] : [];
    return [
      madeFrom(
        pod(name),
        sets(made).find((s) => name.startsWith(`${s.metadata.name}-`)),
      ),
    ];
  });
}

/** A pod made from the template a StatefulSet renders now, as the controller makes a replacement. */
const replaced = (name: string, set: KubeObject, shape: PodShape = {}) =>
  madeFrom(pod(name, { containerID: `containerd://${name}-2`, ...shape }), set);

const biggerWorkers = (spec: any) => {
  spec.roles[1].resources.limits.memory = '8Gi';
};

t.test('a role edit rolls its members one at a time, highest ordinal first, each configured before the next', async (t) => {
  const c = syncs();
  const first = c.sync([]);
  const base = first.children;
  t.equal(partition(first.children, 'worker'), 0, 'a new StatefulSet has no partition');
  const settled = c.sync(podsNow(first.status, base));
  t.equal(settled.status.state, 'configured');
  t.match(condition(settled.status, 'RolledOut'), { status: 'True', reason: 'RolledOut' });
  const [, w0, w1] = podNames(settled.status) as [string, string, string];

  const edited = c.sync(podsNow(settled.status, base), biggerWorkers);
  t.not(hashOf(setOf(edited.children, 'worker')), hashOf(setOf(settled.children, 'worker')), 'the worker template changed');
  t.equal(hashOf(setOf(edited.children, 'controller')), hashOf(setOf(settled.children, 'controller')), 'the others did not');
  t.equal(partition(edited.children, 'worker'), 1, 'only the highest worker may be replaced');
  t.equal(partition(edited.children, 'controller'), 0);
  t.equal(edited.status.state, 'updating', 'updating while a member runs an earlier template');
  t.ok(edited.status.memberStateRollup?.membersUpgrading);
  t.match(condition(edited.status, 'RolledOut'), {
    status: 'False',
    reason: 'RollingOut',
    message: /role worker: 0 of 2 members on the current pod template; one member at a time: \S+-1 is being replaced/,
  });

  const workerSet = setOf(edited.children, 'worker');
  const gone = c.sync(podsNow(edited.status, base, { [w1]: null }));
  t.equal(partition(gone.children, 'worker'), 1, 'held while the replaced member is away: no second one goes');
  t.match(condition(gone.status, 'RolledOut').message, new RegExp(`${w0} is next, once ${w1} is configured`));

  const starting = c.sync(podsNow(gone.status, base, { [w1]: replaced(w1, workerSet, { ready: false }) }));
  t.equal(partition(starting.children, 'worker'), 1, 'held while it configures');

  const configured = c.sync(podsNow(starting.status, base, { [w1]: replaced(w1, workerSet) }));
  t.equal(partition(configured.children, 'worker'), 0, 'configured: the next (and last) worker may go');
  t.match(condition(configured.status, 'RolledOut').message, /role worker: 1 of 2 members on the current pod template/);

  const done = c.sync(podsNow(configured.status, base, { [w1]: replaced(w1, workerSet), [w0]: replaced(w0, workerSet) }));
  t.equal(partition(done.children, 'worker'), 0);
  t.notOk(done.status.memberStateRollup?.membersUpgrading);
  t.match(condition(done.status, 'RolledOut'), { status: 'True' });
  t.notOk((setOf(done.children, 'worker').spec as any).updateStrategy.rollingUpdate, 'no partition once rolled out');
});

t.test('a member that fails on the new template pauses the rollout; pointing back replaces it at once', async (t) => {
  const c = syncs();
  const first = c.sync([]);
  const base = first.children;
  const settled = c.sync(podsNow(first.status, base));
  const [, , w1] = podNames(settled.status) as [string, string, string];
  const edited = c.sync(podsNow(settled.status, base), biggerWorkers);
  const failure = `${CONFIG_FAILURE_PREFIX}startscript --configure exited with status 3\n--- stdout ---\n\n--- stderr ---\nno such option\n`;
  const failedPod = replaced(w1, setOf(edited.children, 'worker'), { ready: false, state: 'terminated', terminationMessage: failure });
  const failed = c.sync(podsNow(edited.status, base, { [w1]: failedPod }));
  t.equal(failed.status.roles![1]!.members[1]!.state, 'config error');
  t.equal(partition(failed.children, 'worker'), 1, 'paused: no other worker is replaced');
  t.match(condition(failed.status, 'RolledOut'), {
    status: 'False',
    reason: 'RolloutPaused',
    message: new RegExp(`paused: ${w1} failed to configure on the current template \\(startscript --configure exited with status 3\\)`),
  });
  const again = c.sync(podsNow(failed.status, base, { [w1]: failedPod }));
  t.equal(partition(again.children, 'worker'), 1, 'and stays paused');

  const back = c.sync(podsNow(again.status, base, { [w1]: failedPod }), (spec) => {
    spec.roles[1].resources.limits.memory = '4Gi';
  });
  t.equal(hashOf(setOf(back.children, 'worker')), hashOf(setOf(settled.children, 'worker')), 'the template is the first one again');
  t.equal(partition(back.children, 'worker'), 1, 'the failed member is replaced at once: it alone is down');
  t.match(condition(back.status, 'RolledOut'), { status: 'False', reason: 'RollingOut' });
});

t.test('roles roll in the order the app declares, one member at a time in the whole cluster', async (t) => {
  const ordered = clone(spark) as any;
  ordered.spec.rolloutOrder = ['worker'];
  const c = syncs([ordered]);
  const first = c.sync([]);
  const base = first.children;
  const settled = c.sync(podsNow(first.status, base));
  const everyRole = (spec: any) => {
    for (const role of spec.roles) role.env = [{ name: 'TZ', value: 'UTC' }];
  };
  const edited = c.sync(podsNow(settled.status, base), everyRole);
  t.same(
    ['controller', 'worker', 'jupyter'].map((r) => partition(edited.children, r)),
    [1, 1, 1],
    'the workers first (rolloutOrder): worker-1 may go; the controller and jupyter wait',
  );
  const plain = syncs();
  const plainFirst = plain.sync([]);
  const plainSettled = plain.sync(podsNow(plainFirst.status, plainFirst.children));
  const plainEdited = plain.sync(podsNow(plainSettled.status, plainFirst.children), everyRole);
  t.same(
    ['controller', 'worker', 'jupyter'].map((r) => partition(plainEdited.children, r)),
    [0, 2, 1],
    "without it, the app's role order: the controller first",
  );
});

t.test('a stopped cluster has nothing to roll; it resumes on the current template', async (t) => {
  const c = syncs();
  const first = c.sync([]);
  const base = first.children;
  const settled = c.sync(podsNow(first.status, base));
  const stopped = c.sync([], (spec) => {
    biggerWorkers(spec);
    spec.stopped = true;
  });
  t.same(
    sets(stopped.children).map((s) => (s.spec as any).updateStrategy),
    [{ type: 'RollingUpdate' }, { type: 'RollingUpdate' }, { type: 'RollingUpdate' }],
  );
  t.match(condition(stopped.status, 'RolledOut'), { status: 'True' });
  t.not(hashOf(setOf(stopped.children, 'worker')), hashOf(setOf(settled.children, 'worker')));
});
