// The member channel's children: a Role that names exactly what each member may touch, one Lease
// per member, and a pod in which only the sidecar holds API credentials.
import t from 'tap';
import { CHANNEL_MOUNT } from '../../../src/guest/index.js';
import { plan } from '../../../src/reconcile/plan.js';
import { SIDECAR_CONTAINER, TOKEN_VOLUME, channelChildren } from '../../../src/reconcile/render/channel.js';
import { labelContext, renderChildren } from '../../../src/reconcile/render/children.js';
import { resolve } from '../../../src/reconcile/resolve.js';
import { asValid, validate } from '../../../src/reconcile/validate.js';
import { readYaml } from '../../support/fixtures.js';
import { kubernetesErrors } from '../../support/kube-validate.js';
import { OPTIONS, app, request, stored } from '../../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');

function rendered(edit: (cluster: any) => void = () => undefined) {
  const cluster = readYaml<any>('clusters/spark.yaml');
  edit(cluster);
  const resolved = resolve(request({ parent: stored(cluster), apps: [spark] }), { ...OPTIONS, memberImage: 'registry.local/kdhooks:1' });
  const valid = asValid(resolved, validate(resolved));
  if (!valid) throw new Error(`invalid: ${JSON.stringify(validate(resolved))}`);
  const planned = plan(valid);
  return { valid, planned, children: renderChildren(valid, planned).children };
}

const ofKind = (children: any[], kind: string) => children.filter((c) => c.kind === kind);

t.test('one account, Role and binding per cluster; one Lease per member', async (t) => {
  const { children, planned } = rendered();
  const pods = planned.roles.flatMap((r) => r.members.map((m) => m.status.pod)).sort();
  const [account] = ofKind(children, 'ServiceAccount');
  const [role] = ofKind(children, 'Role');
  const [binding] = ofKind(children, 'RoleBinding');
  t.equal(account.automountServiceAccountToken, false, 'no token unless a container asks for it');
  t.same(
    ofKind(children, 'Lease')
      .map((l) => l.metadata.name)
      .sort(),
    pods,
    'a Lease named after each pod',
  );
  const configMap = ofKind(children, 'ConfigMap')[0].metadata.name;
  const secret = ofKind(children, 'Secret')[0].metadata.name;
  t.same(role.rules, [
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap], verbs: ['get', 'watch'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: [secret], verbs: ['get', 'watch'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: pods, verbs: ['get', 'update', 'patch'] },
  ]);
  t.same(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
  t.same(binding.subjects, [{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
  t.same([account, role, binding, ...ofKind(children, 'Lease')].flatMap(kubernetesErrors), [], 'valid Kubernetes');
});

t.test('a cluster with no members grants no Lease at all (an empty resourceNames would grant them all)', async (t) => {
  const { valid, planned } = rendered();
  const emptied = { ...planned, roles: planned.roles.map((r) => ({ ...r, members: [] })) };
  const role = channelChildren(valid, emptied, labelContext(valid)).find((c) => c.kind === 'Role') as any;
  t.notOk(
    role.rules.some((r: any) => r.resources.includes('leases')),
    'no lease rule',
  );
  t.ok(
    role.rules.every((r: any) => r.resourceNames.length === 1),
    'every rule names its object',
  );
});

t.test('the pod: the sidecar alone mounts API credentials; both share the channel', async (t) => {
  const { children } = rendered();
  const [statefulSet] = ofKind(children, 'StatefulSet');
  const spec = statefulSet.spec.template.spec;
  const [app, sidecar] = spec.containers;
  t.equal(spec.automountServiceAccountToken, false);
  t.equal(spec.serviceAccountName, ofKind(children, 'ServiceAccount')[0].metadata.name);
  t.equal(sidecar.name, SIDECAR_CONTAINER);
  t.equal(sidecar.image, 'registry.local/kdhooks:1', 'the hook server image');
  t.same(sidecar.args, ['dist/member/main.js']);
  t.notOk(sidecar.readinessProbe, 'no readiness probe: the sidecar never makes its member NotReady');
  t.notOk(sidecar.livenessProbe);
  t.ok(
    sidecar.volumeMounts.some((m: any) => m.name === TOKEN_VOLUME),
    'the sidecar mounts the token',
  );
  t.notOk(
    app.volumeMounts.some((m: any) => m.name === TOKEN_VOLUME),
    'the app container does not',
  );
  for (const container of [app, sidecar]) {
    t.ok(
      container.volumeMounts.some((m: any) => m.mountPath === CHANNEL_MOUNT),
      `${container.name} mounts the channel`,
    );
  }
  t.equal(sidecar.securityContext.runAsNonRoot, true);
  t.equal(sidecar.securityContext.readOnlyRootFilesystem, true);
  t.same(sidecar.securityContext.capabilities, { drop: ['ALL'] });
  t.ok(sidecar.resources.requests.memory && sidecar.resources.limits.memory, 'small, bounded requests');
});

t.test('probes: readiness only for the initial configure, liveness tolerant of a loaded node', async (t) => {
  const { children } = rendered();
  const [app] = ofKind(children, 'StatefulSet')[0].spec.template.spec.containers;
  t.ok(app.readinessProbe.periodSeconds >= 10, 'no faster than a user would probe their own app');
  t.ok(app.livenessProbe.failureThreshold >= 3);
  t.ok(app.livenessProbe.timeoutSeconds >= 10);
});

t.test("a role running as the user's own account keeps its token, and that account may use the channel", async (t) => {
  const { children } = rendered((c) => {
    c.spec.roles[0].serviceAccountName = 'spark-runner';
  });
  const binding = ofKind(children, 'RoleBinding')[0];
  t.ok(binding.subjects.some((s: any) => s.name === 'spark-runner'));
  const sets = ofKind(children, 'StatefulSet');
  const own = sets.find((s) => s.spec.template.spec.serviceAccountName === 'spark-runner');
  t.ok(own, 'the role runs as that account');
  t.equal(own.spec.template.spec.automountServiceAccountToken, true, 'as upstream: the app may call the API as its own account');
});
