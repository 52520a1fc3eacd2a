// The pod template on its own: the app container with the agent beside the image's entrypoint,
// the environment the agent reads, ports, and the init container that seeds persisted dirs.
import t from 'tap';
import { isActive, plan } from '../../../src/reconcile/plan.js';
import { podTemplate } from '../../../src/reconcile/render/pod.js';
import { resolve } from '../../../src/reconcile/resolve.js';
import { asValid, validate } from '../../../src/reconcile/validate.js';
import { readYaml } from '../../support/fixtures.js';
import { OPTIONS, app, request, stored } from '../../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const resolved = resolve(request({ parent: stored(readYaml('clusters/spark.yaml')), apps: [spark] }), OPTIONS);
const valid = asValid(resolved, validate(resolved));
if (!valid) throw new Error('the Spark example is invalid');
const worker = plan(valid).roles.find((r) => r.id === 'worker');
if (!worker || !isActive(worker)) throw new Error('no worker role');

const template = (data: boolean) =>
  podTemplate(valid, worker, {
    config: { configMap: 'cm', secret: 'sec', account: 'sa' },
    labels: { a: 'b' },
    annotations: {},
    claims: { data, blockDevices: [] },
    headlessFqdnDomain: 'kdhs-x.analytics.svc.cluster.local',
  });

t.test('the app container: the role image, the agent on postStart and in both probes, no API token', async (t) => {
  const pod = template(true);
  const [container] = pod.spec?.containers ?? [];
  t.equal(container?.image, (spark as { spec?: { defaultImageRepoTag?: string } }).spec?.defaultImageRepoTag, 'the app image');
  t.match(container?.lifecycle?.postStart?.exec?.command, ['/bin/sh', /agent\.sh$/, 'start']);
  t.match(container?.readinessProbe?.exec?.command, ['/bin/sh', /agent\.sh$/, 'ready']);
  t.match(container?.livenessProbe?.exec?.command, ['/bin/sh', /agent\.sh$/, 'alive']);
  t.equal(pod.spec?.automountServiceAccountToken, false, 'no service account token in the app container');
  t.same(pod.spec?.dnsConfig, { searches: ['kdhs-x.analytics.svc.cluster.local'] });
});

t.test('the environment tells the agent its pod, role, events and limits', async (t) => {
  const env = Object.fromEntries(
    (template(true).spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]),
  );
  t.match(env, { KD_POD_NAME: 'metadata.name', KD_ROLE: 'worker', KD_MAX_LOG: '1024', KD_SYSTEMD: '0' });
  t.type(env.KD_EVENTS, 'string');
  const limits = (template(true).spec?.containers[0]?.env ?? []).filter((e) => e.valueFrom?.resourceFieldRef);
  t.same(
    limits.map((e) => [e.name, e.valueFrom?.resourceFieldRef]),
    [
      ['KD_CPU_LIMIT', { resource: 'limits.cpu', divisor: '1' }],
      ['KD_MEMORY_LIMIT_MB', { resource: 'limits.memory', divisor: '1Mi' }],
    ],
    "the container's own limits, for packages that size heaps and threads",
  );
});

t.test('runAsUser in the role containerSpec sets the app container user; without it the image decides', async (t) => {
  t.equal(template(true).spec?.containers[0]?.securityContext, undefined, 'no user set');
  const roles = (valid.app.spec.roles as any[]).map((r) =>
    r.id === 'worker' ? { ...r, containerSpec: { ...r.containerSpec, runAsUser: 0 } } : r,
  );
  const asRoot = { ...valid, app: { ...valid.app, spec: { ...valid.app.spec, roles } } };
  const role = plan(asRoot).roles.find((r) => r.id === 'worker');
  if (!role || !isActive(role)) throw new Error('no worker role');
  const pod = podTemplate(asRoot, role, {
    config: { configMap: 'cm', secret: 'sec', account: 'sa' },
    labels: {},
    annotations: {},
    claims: { data: true, blockDevices: [] },
    headlessFqdnDomain: 'd',
  });
  t.same(pod.spec?.containers[0]?.securityContext, { runAsUser: 0 });
});

t.test('ports: one per endpoint of the role, named only when the name is a valid IANA service name', async (t) => {
  const ports = template(true).spec?.containers[0]?.ports ?? [];
  t.ok(ports.length > 0);
  t.ok(ports.every((p) => p.protocol === 'TCP' && (p.name === undefined || (p.name.length <= 15 && !p.name.includes('--')))));
});

t.test('an init container seeds the persisted dirs onto the data claim, and only when there is one', async (t) => {
  const [init] = template(true).spec?.initContainers ?? [];
  t.equal(init?.name, 'init');
  t.match(init?.command?.[2], /kubedirector\.init/, 'the marker makes it run once');
  t.same(init?.volumeMounts, [{ name: 'p', mountPath: '/mnt' }]);
  t.equal(template(false).spec?.initContainers, undefined, 'no data claim, no init container');
});
