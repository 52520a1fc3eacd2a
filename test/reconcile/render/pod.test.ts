// The pod template on its own: the app container with the agent beside the image's entrypoint,
// the environment the agent reads, ports, and the init container that seeds persisted dirs.
import t from 'tap';
import { isActive, plan } from '../../../src/reconcile/plan.js';
import { podTemplate } from '../../../src/reconcile/render/pod.js';
import { resolve } from '../../../src/reconcile/resolve.js';
import { asValid, validate } from '../../../src/reconcile/validate.js';
import type { KubeObject } from '../../../src/api/meta.js';
import { readYaml } from '../../support/fixtures.js';
import { kubernetesErrors } from '../../support/kube-validate.js';
import { OPTIONS, app, request, stored } from '../../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const resolved = resolve(request({ parent: stored(readYaml('clusters/spark.yaml')), apps: [spark] }), OPTIONS);
const valid = asValid(resolved, validate(resolved));
if (!valid) throw new Error('the Spark example is invalid');
const base = valid;
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

type Changes = { app?: Record<string, unknown>; appWorker?: Record<string, unknown>; worker?: Record<string, unknown> };

/** The worker's pod template with the app, its worker role or the cluster's worker role changed. */
function variant({ app: appChanges = {}, appWorker = {}, worker: workerChanges = {} }: Changes) {
  const roles = (base.app.spec.roles as any[]).map((r) => (r.id === 'worker' ? { ...r, ...appWorker } : r));
  const spec = { ...base.spec, roles: base.spec.roles.map((r) => (r.id === 'worker' ? { ...r, ...workerChanges } : r)) };
  const changed = { ...base, spec, app: { ...base.app, spec: { ...base.app.spec, ...appChanges, roles } } };
  const role = plan(changed).roles.find((r) => r.id === 'worker');
  if (!role || !isActive(role)) throw new Error('no worker role');
  return podTemplate(changed, role, {
    config: { configMap: 'cm', secret: 'sec', account: 'sa' },
    labels: {},
    annotations: {},
    claims: { data: true, blockDevices: [] },
    headlessFqdnDomain: 'd',
  });
}
const appContext = (changes: Changes) => variant(changes).spec?.containers[0]?.securityContext;
const RESTRICTED = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };

t.test('a plain app: no capability, no privilege escalation, the runtime default seccomp profile', async (t) => {
  t.same(template(true).spec?.containers[0]?.securityContext, RESTRICTED, "the image's user, nothing more");
  t.same(
    appContext({ appWorker: { containerSpec: { runAsUser: 0 } } }),
    { runAsUser: 0, ...RESTRICTED },
    'runAsUser in the role containerSpec sets the user, and root gets no capability either',
  );
});

t.test('an app with capabilities: all dropped, exactly those added, escalation off while no_new_privs holds them', async (t) => {
  t.same(appContext({ app: { capabilities: ['SYS_RESOURCE', 'cap_ipc_lock'] }, appWorker: { containerSpec: { runAsUser: 0 } } }), {
    runAsUser: 0,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'], add: ['IPC_LOCK', 'SYS_RESOURCE'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  t.same(
    appContext({ app: { capabilities: ['CAP_SYS_ADMIN'] } }),
    {
      allowPrivilegeEscalation: true,
      capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    'SYS_ADMIN can undo no_new_privs, and the API server refuses it beside allowPrivilegeEscalation false',
  );
  t.equal(
    appContext({ app: { capabilities: ['NET_BIND_SERVICE'] }, appWorker: { containerSpec: { runAsUser: 1000 } } })
      ?.allowPrivilegeEscalation,
    true,
    'a non-root user uses capabilities only through file capabilities, which no_new_privs disables',
  );
  t.same(
    appContext({ worker: { fileInjections: [{ srcURL: 'https://x/y', destDir: '/opt', permissions: { fileOwner: 'spark' } }] } })
      ?.capabilities,
    { drop: ['ALL'], add: ['CHOWN'] },
    'file injections that name an owner need CHOWN',
  );
});

t.test('a systemd app gets what systemd and its services use, and keeps privilege escalation', async (t) => {
  const pod = variant({ app: { systemdRequired: true, capabilities: ['SYS_RESOURCE'] } });
  t.same(pod.spec?.containers[0]?.securityContext, {
    allowPrivilegeEscalation: true,
    capabilities: {
      drop: ['ALL'],
      add: [
        'AUDIT_WRITE',
        'CHOWN',
        'DAC_OVERRIDE',
        'FOWNER',
        'FSETID',
        'KILL',
        'NET_BIND_SERVICE',
        'SETGID',
        'SETPCAP',
        'SETUID',
        'SYS_CHROOT',
        'SYS_RESOURCE',
      ],
    },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const mounts = pod.spec?.containers[0]?.volumeMounts ?? [];
  t.match(
    mounts.filter((m) => ['/run', '/run/lock', '/sys/fs/cgroup', '/sys/fs/cgroup/systemd'].includes(m.mountPath)),
    [
      { mountPath: '/run' },
      { mountPath: '/run/lock' },
      { mountPath: '/sys/fs/cgroup', readOnly: true },
      { mountPath: '/sys/fs/cgroup/systemd' },
    ],
    'tmpfs /run and /run/lock, and the cgroup hierarchy when the runtime does not provide it',
  );
});

t.test('the init container is root with only what cp -a needs, and no escalation', async (t) => {
  for (const changes of [{}, { app: { systemdRequired: true, capabilities: ['SYS_ADMIN'] } }]) {
    t.same(variant(changes).spec?.initContainers?.[0]?.securityContext, {
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETFCAP'] },
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  }
});

t.test('no memory-backed volume of the app container is larger than its memory limit; /tmp is on disk', async (t) => {
  const sizes = (memory: string, sharedMemory?: string) => {
    const limits = { ...base.spec.roles.find((r) => r.id === 'worker')!.resources.limits, memory };
    const pod = variant({ worker: { resources: { limits }, ...(sharedMemory ? { sharedMemory } : {}) } });
    return Object.fromEntries((pod.spec?.volumes ?? []).filter((v) => v.emptyDir).map((v) => [v.name, v.emptyDir]));
  };
  t.same(sizes('4Gi', '1Gi'), {
    'kd-channel': { medium: 'Memory', sizeLimit: '16Mi' },
    'tmpfs-tmp': { sizeLimit: '20Gi' },
    'tmpfs-run': { medium: 'Memory', sizeLimit: '256Mi' },
    'tmpfs-run-lock': { medium: 'Memory', sizeLimit: '16Mi' },
    dshm: { medium: 'Memory', sizeLimit: '1Gi' },
  });
  t.same(
    sizes('100Mi', '8Gi'),
    {
      'kd-channel': { medium: 'Memory', sizeLimit: '16Mi' },
      'tmpfs-tmp': { sizeLimit: '20Gi' },
      'tmpfs-run': { medium: 'Memory', sizeLimit: '100Mi' },
      'tmpfs-run-lock': { medium: 'Memory', sizeLimit: '16Mi' },
      dshm: { medium: 'Memory', sizeLimit: '100Mi' },
    },
    "capped at a small limit; the channel is the sidecar's to fill, within its own 128Mi",
  );
  t.same(sizes('10M').dshm, undefined);
  t.equal(sizes('10M')['tmpfs-run-lock']?.sizeLimit, '10M', 'compared as quantities, whatever the units');
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

t.test('every variant is a valid pod for the Kubernetes schema', async (t) => {
  const variants: Changes[] = [
    {},
    { app: { capabilities: ['SYS_ADMIN'] } },
    { app: { systemdRequired: true } },
    { appWorker: { containerSpec: { runAsUser: 1000 } }, app: { capabilities: ['NET_BIND_SERVICE'] } },
  ];
  for (const changes of variants) {
    const { metadata, spec } = variant(changes);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: 'm-0' }, spec } as unknown as KubeObject;
    t.same(kubernetesErrors(pod), [], JSON.stringify(changes));
  }
});
