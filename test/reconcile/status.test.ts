// clusterStatus and frozenStatus on their own: state, rollup and conditions from a plan.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { plan } from '../../src/reconcile/plan.js';
import { renderChildren } from '../../src/reconcile/render/children.js';
import { resolve } from '../../src/reconcile/resolve.js';
import { clusterStatus, frozenStatus } from '../../src/reconcile/status.js';
import { sync } from '../../src/reconcile/sync.js';
import { asValid, validate } from '../../src/reconcile/validate.js';
import { readYaml } from '../support/fixtures.js';
import { pod } from '../support/pods.js';
import { OPTIONS, app, applied, request, run, stored } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');

function statusOf(pods: (names: string[]) => KubeObject[]) {
  const first = sync(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  const names = (first.status.roles ?? []).flatMap((r) => r.members.map((m) => m.pod));
  const resolved = resolve(
    request({
      parent: stored(manifest, { status: first.status }),
      apps: [spark],
      children: first.children.map((c) => applied(c)),
      pods: pods(names),
    }),
    OPTIONS,
  );
  const valid = asValid(resolved, validate(resolved))!;
  const planned = plan(valid);
  return clusterStatus(valid, planned, renderChildren(valid, planned));
}
const condition = (status: { conditions?: { type: string }[] }, type: string) => status.conditions?.find((c) => c.type === type);

t.test('every member ready: configured, Ready True, members and readyMembers counted', async (t) => {
  const status = statusOf((names) => names.map((n) => pod(n)));
  t.equal(status.members, 4);
  t.equal(status.readyMembers, 4);
  t.match(condition(status, 'Valid'), { status: 'True', reason: 'Valid' });
  t.match(condition(status, 'SpecApplied'), { status: 'True' });
  t.same(
    status.roles?.map((r) => r.members.map((m) => m.service.startsWith('s-'))),
    [[true], [true, true], [true]],
    'every member has its Service, named by the UID scheme',
  );
});

t.test('no pods yet: creating, with the rollup saying why', async (t) => {
  const status = statusOf(() => []);
  t.equal(status.state, 'creating');
  t.equal(status.readyMembers, 0);
  t.match(condition(status, 'Ready'), { status: 'False', reason: 'Creating' });
  t.equal(status.memberStateRollup?.membershipChanging, true);
});

t.test('a frozen status keeps the previous one and replaces Valid and Ready', async (t) => {
  const first = sync(request({ parent: stored(manifest), apps: [spark] }), OPTIONS);
  const resolved = resolve(request({ parent: stored(manifest, { generation: 3, status: first.status }), apps: [] }), OPTIONS);
  const frozen = frozenStatus(resolved, validate(resolved), 'Invalid', 'paused');
  t.equal(frozen.state, first.status.state, 'state kept');
  t.same(frozen.roles, first.status.roles, 'members kept');
  t.equal(frozen.observedGeneration, 3);
  t.match(condition(frozen, 'Valid'), { status: 'False', reason: 'AppNotFound' });
  t.match(condition(frozen, 'Ready'), { status: 'False', reason: 'Invalid', message: 'paused' });
});

t.test('a misspelt app field is a warning condition naming it; the cluster renders as before', async (t) => {
  const cassandra = app('test/fixtures/apps/cassandra.yaml');
  const typo = structuredClone(cassandra) as any;
  typo.spec.defaultPersistDir = typo.spec.defaultPersistDirs;
  delete typo.spec.defaultPersistDirs;
  const manifest = readYaml('clusters/cassandra.yaml');
  const clean = run({ parent: stored(manifest), apps: [cassandra] });
  t.match(condition(clean.status, 'AppFieldsKnown'), { status: 'True', reason: 'AllFieldsKnown' });
  const warned = run({ parent: stored(manifest), apps: [typo] });
  t.match(condition(warned.status, 'AppFieldsKnown'), {
    status: 'False',
    reason: 'UnknownFields',
    message: `ignored: spec.defaultPersistDir is not a field of KubeDirectorApp analytics/cassandra (did you mean defaultPersistDirs?)`,
  });
  t.match(condition(warned.status, 'Valid'), { status: 'True' }, 'a warning, not an invalid spec');
  t.ok(warned.children.length > 0, 'children are rendered');
});
