// Member pod templates with each kind of security the hooks render (a plain app, capabilities,
// SYS_ADMIN, systemd, a non-root user with capabilities) are accepted by the real API server and
// stored as rendered; allowPrivilegeEscalation false beside CAP_SYS_ADMIN is refused, which is
// why the hooks never render it.
import t from 'tap';
import { isActive, plan } from '../../src/reconcile/plan.js';
import { podTemplate } from '../../src/reconcile/render/pod.js';
import { resolve } from '../../src/reconcile/resolve.js';
import { asValid, validate } from '../../src/reconcile/validate.js';
import { readYaml } from '../support/fixtures.js';
import { OPTIONS, app, request, stored } from '../support/requests.js';
import { freshNamespace, useControlPlane } from './support/cluster.js';
import { KubeError, type Obj } from './support/kube.js';

t.setTimeout(120_000);

const resolved = resolve(
  request({ parent: stored(readYaml('clusters/spark.yaml')), apps: [app('test/fixtures/apps/spark.yaml')] }),
  OPTIONS,
);
const valid = asValid(resolved, validate(resolved));
if (!valid) throw new Error('the Spark example is invalid');
const base = valid;

function workerTemplate(appChanges: Record<string, unknown>, containerSpec?: Record<string, unknown>) {
  const roles = (base.app.spec.roles as any[]).map((r) => (r.id === 'worker' && containerSpec ? { ...r, containerSpec } : r));
  const changed = { ...base, app: { ...base.app, spec: { ...base.app.spec, ...appChanges, roles } } };
  const role = plan(changed).roles.find((r) => r.id === 'worker');
  if (!role || !isActive(role)) throw new Error('no worker role');
  return podTemplate(changed, role, {
    config: { configMap: 'cm', secret: 'sec', account: 'sa' },
    labels: { app: 'member' },
    annotations: {},
    claims: { data: true, blockDevices: [] },
    headlessFqdnDomain: 'd',
  });
}

const VARIANTS: [string, ReturnType<typeof workerTemplate>][] = [
  ['plain', workerTemplate({})],
  ['capabilities', workerTemplate({ capabilities: ['CHOWN', 'SETUID', 'SETGID'] }, { runAsUser: 0 })],
  ['sys-admin', workerTemplate({ capabilities: ['SYS_ADMIN'] })],
  ['systemd', workerTemplate({ systemdRequired: true, capabilities: ['SYS_RESOURCE'] })],
  ['non-root', workerTemplate({ capabilities: ['NET_BIND_SERVICE'] }, { runAsUser: 1000 })],
];

const statefulSet = (name: string, namespace: string, template: Obj): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace },
  spec: {
    serviceName: name,
    replicas: 0,
    selector: { matchLabels: { app: 'member' } },
    template,
    volumeClaimTemplates: [
      { metadata: { name: 'p' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    ],
  },
});

const session = await useControlPlane(t);
if (session) {
  const { kube } = session;
  const ns = await freshNamespace(kube, 'member-security');

  for (const [name, template] of VARIANTS) {
    t.test(`${name}: accepted and stored as rendered`, async (t) => {
      const first = await kube.apply(statefulSet(name, ns, template), 'metacontroller', { force: true, fieldValidation: 'Strict' });
      const [app, , init] = [...first.spec.template.spec.containers, ...first.spec.template.spec.initContainers];
      t.same(app.securityContext, template.spec?.containers[0]?.securityContext, 'the app container');
      t.same(init.securityContext, template.spec?.initContainers?.[0]?.securityContext, 'the init container');
      t.same(
        first.spec.template.spec.volumes.filter((v: Obj) => v.emptyDir),
        template.spec?.volumes?.filter((v) => v.emptyDir),
        'the emptyDirs',
      );
      const second = await kube.apply(statefulSet(name, ns, template), 'metacontroller', { force: true, fieldValidation: 'Strict' });
      t.equal(second.metadata.generation, first.metadata.generation, 'a second apply leaves the spec as it is');
    });
  }

  t.test('allowPrivilegeEscalation false beside CAP_SYS_ADMIN is refused', async (t) => {
    const template = structuredClone(VARIANTS[0]![1]) as Obj;
    template.spec.containers[0].securityContext = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['CAP_SYS_ADMIN'] },
    };
    const error = await kube
      .apply(statefulSet('refused', ns, template), 'metacontroller', { force: true, fieldValidation: 'Strict' })
      .catch((e: unknown) => e);
    t.ok(error instanceof KubeError, 'refused');
    t.match((error as Error).message, /allowPrivilegeEscalation/);
  });
}
