// validate on its own: every rule reports its reason on the field it is about, in rule order,
// and a valid cluster narrows to Valid.
import t from 'tap';
import type { KubeObject } from '../../src/api/meta.js';
import { resolve } from '../../src/reconcile/resolve.js';
import { asValid, validate } from '../../src/reconcile/validate.js';
import { clone, readYaml } from '../support/fixtures.js';
import { OPTIONS, app, request, stored } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const manifest = readYaml<any>('clusters/spark.yaml');

function problems(change: { spec?: (spec: any) => void; app?: (app: any) => void; config?: any } = {}) {
  const cluster = clone(manifest);
  change.spec?.(cluster.spec);
  const application = clone(spark) as any;
  change.app?.(application.spec);
  const config =
    change.config &&
    ({
      apiVersion: 'kubedirector.hpe.com/v1beta1',
      kind: 'KubeDirectorConfig',
      metadata: { name: 'kd-global-config', namespace: 'kubedirector' },
      spec: change.config,
    } as KubeObject);
  const resolved = resolve(request({ parent: stored(cluster), apps: [application as KubeObject], ...(config ? { config } : {}) }), OPTIONS);
  return { resolved, problems: validate(resolved) };
}
const reasons = (change: Parameters<typeof problems>[0]) => problems(change).problems.map((p) => `${p.reason} ${p.field}`);

t.test('the examples are valid and narrow to Valid', async (t) => {
  const { resolved, problems: found } = problems();
  t.same(found, []);
  const valid = asValid(resolved, found);
  t.ok(valid?.spec && valid.app, 'spec and app are present on the narrowed type');
  t.equal(asValid(resolved, [{ reason: 'X', field: 'spec', message: 'm' }]), undefined, 'a problem means no Valid');
});

t.test('each role rule reports its reason and field', async (t) => {
  t.same(reasons({ spec: (s) => (s.roles[0].members = 2) }), ['CardinalityViolation spec.roles[0].members']);
  t.same(
    reasons({
      app: (a) => {
        delete a.defaultImageRepoTag;
        for (const r of a.roles) delete r.imageRepoTag;
      },
    }),
    ['NoImage spec.roles[0].id', 'NoImage spec.roles[1].id', 'NoImage spec.roles[2].id'],
  );
  t.same(reasons({ app: (a) => (a.roles[0].minResources = { memory: '64Gi' }) }), [
    'BelowMinResources spec.roles[0].resources.requests.memory',
  ]);
  t.same(reasons({ spec: (s) => (s.roles[0].resources.requests.cpu = '3') }), ['RequestAboveLimit spec.roles[0].resources.requests.cpu']);
  t.same(reasons({ spec: (s) => (s.roles[1].storage.size = '0') }), ['InvalidStorage spec.roles[1].storage.size']);
  t.same(reasons({ app: (a) => (a.roles[1].minStorage = { size: '50Gi' }) }), ['BelowMinStorage spec.roles[1].storage.size']);
  t.same(reasons({ app: (a) => (a.roles[0].minStorage = { size: '1Gi' }) }), ['BelowMinStorage spec.roles[0].storage']);
  t.same(reasons({ app: (a) => (a.roles[0].configPackage = { packageURL: 'configmap://pkg/setup.tgz' }) }), [
    'PackageNotFound spec.roles[0].id',
  ]);
  t.same(
    reasons({ spec: (s) => (s.roles[0].secret = { name: 'plain', mountPath: '/etc/plain' }), config: { requiredSecretPrefix: 'kd-' } }),
    ['SecretPrefix spec.roles[0].secret.name'],
  );
  t.same(
    reasons({ spec: (s) => (s.roles[2].id = 'notebook') }),
    ['RoleNotInApp spec.roles[2].id'],
    'an unknown role skips its other rules',
  );
});

t.test('cluster rules come after every role rule', async (t) => {
  t.same(reasons({ spec: (s) => s.roles.splice(0, 1) }), ['RoleMissing spec.roles']);
  t.same(reasons({ spec: (s) => (s.roles[1].members = 1200) }), ['TooManyMembers spec.roles']);
  t.same(
    reasons({ spec: (s) => (s.defaultSecret = { name: 'plain', mountPath: '/etc/plain' }), config: { requiredSecretPrefix: 'kd-' } }),
    ['SecretPrefix spec.defaultSecret.name'],
  );
  t.same(
    reasons({
      spec: (s) => {
        s.roles[0].secret = { name: 'plain', mountPath: '/etc/plain' };
        s.defaultSecret = { name: 'plain', mountPath: '/etc/plain' };
        s.roles[1].resources.requests.cpu = '3';
      },
      config: { requiredSecretPrefix: 'kd-' },
    }),
    [
      'SecretPrefix spec.roles[0].secret.name',
      'RequestAboveLimit spec.roles[1].resources.requests.cpu',
      'SecretPrefix spec.defaultSecret.name',
    ],
  );
});

t.test('before any rule: an invalid spec, and an app that is missing', async (t) => {
  t.same(reasons({ spec: (s) => (s.roles = 'none') }), ['InvalidSpec spec']);
  t.match(problems({ spec: (s) => (s.app = 'missing') }).problems, [
    { reason: 'AppNotFound', field: 'spec.app', message: /KubeDirectorApp "missing" not found/ },
  ]);
});
