// The checks the manifest tests rely on catch broken manifests: each mutation of the kustomize
// base's own files must be reported. (No helm or kubectl needed: the files are read directly.)
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  checkCompositeController,
  checkDisruptionBudget,
  checkHookRouting,
  checkHooksDeployment,
  checkServiceMonitor,
  checkStandardLabels,
  durationSeconds,
  parseObjects,
  validateBuiltIn,
  type Obj,
} from '../support/metacontroller.js';

const read = (file: string) => parseObjects(readFileSync(`metacontroller/${file}`, 'utf8'))[0]!;
const base = () => ({
  cc: read('compositecontroller.yaml'),
  deployment: read('hooks-deployment.yaml'),
  service: read('hooks-service.yaml'),
  pdb: read('hooks-pdb.yaml'),
});
const container = (d: Obj) => d.spec.template.spec.containers[0];

t.test('the unmodified base passes every check', async (t) => {
  const { cc, deployment, service, pdb } = base();
  t.same(checkCompositeController(cc), []);
  t.same(checkHooksDeployment(deployment), []);
  t.same(checkHookRouting([cc, deployment, service]), []);
  t.same(checkDisruptionBudget([deployment, pdb]), []);
  for (const o of [cc, deployment, service, pdb]) t.same(checkStandardLabels(o, 'kustomize'), []);
  t.same(validateBuiltIn(deployment), []);
});

t.test('CompositeController mutations are caught', async (t) => {
  const cases: [string, (cc: Obj) => void, RegExp][] = [
    ['OnDelete child', (cc) => (cc.spec.childResources[0].updateStrategy.method = 'OnDelete'), /statefulsets updates by OnDelete/],
    [
      'no update strategy',
      (cc) => delete cc.spec.childResources[2].updateStrategy,
      /persistentvolumeclaims updates by OnDelete \(default\)/,
    ],
    ['missing child', (cc) => cc.spec.childResources.pop(), /child coordination.k8s.io\/v1 leases listed 0 times/],
    [
      'extra child',
      (cc) => cc.spec.childResources.push({ apiVersion: 'v1', resource: 'pods', updateStrategy: { method: 'InPlace' } }),
      /unexpected child v1 pods/,
    ],
    ['hook v1', (cc) => (cc.spec.hooks.sync.version = 'v1'), /hook sync has version v1/],
    ['hook version unset', (cc) => delete cc.spec.hooks.finalize.version, /hook finalize has version v1 \(default\)/],
    ['hook missing', (cc) => delete cc.spec.hooks.customize, /hook customize missing/],
    [
      'wrong path',
      (cc) => (cc.spec.hooks.sync.webhook.url = 'http://kubedirector-hooks.kubedirector:8080/customize'),
      /hook sync calls path \/customize/,
    ],
    ['short timeout', (cc) => (cc.spec.hooks.sync.webhook.timeout = '10s'), /timeout 10s is too short/],
    ['no timeout', (cc) => delete cc.spec.hooks.sync.webhook.timeout, /timeout undefined is too short/],
    ['generateSelector off', (cc) => (cc.spec.generateSelector = false), /generateSelector is not true/],
    ['namespaced', (cc) => (cc.metadata.namespace = 'kubedirector'), /cluster-scoped/],
    [
      'misspelt field',
      (cc) => (cc.spec.childResources[1].updatestrategy = { method: 'InPlace' }),
      /additional properties \(updatestrategy\)/,
    ],
    [
      'unknown method',
      (cc) => (cc.spec.childResources[1].updateStrategy.method = 'Inplace'),
      /schema .*method: must be equal to one of the allowed values/,
    ],
    ['wrong parent', (cc) => (cc.spec.parentResource.apiVersion = 'kubedirector.hpe.com/v1alpha1'), /parentResource is/],
  ];
  for (const [name, mutate, expected] of cases) {
    const { cc } = base();
    mutate(cc);
    t.match(checkCompositeController(cc).join('\n'), expected, name);
  }
});

t.test('hooks Deployment mutations are caught', async (t) => {
  const cases: [string, (d: Obj) => void, RegExp][] = [
    ['root', (d) => (container(d).securityContext.runAsNonRoot = false), /runAsNonRoot is not true/],
    ['writable root', (d) => (container(d).securityContext.readOnlyRootFilesystem = false), /root filesystem is not read-only/],
    ['escalation', (d) => delete container(d).securityContext.allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ['capabilities', (d) => (container(d).securityContext.capabilities = { drop: ['NET_RAW'] }), /capabilities/],
    [
      'seccomp',
      (d) => {
        delete container(d).securityContext.seccompProfile;
        delete d.spec.template.spec.securityContext.seccompProfile;
      },
      /seccomp/,
    ],
    ['no liveness', (d) => delete container(d).livenessProbe, /livenessProbe is not GET \/healthz/],
    ['readiness on healthz', (d) => (container(d).readinessProbe.httpGet.path = '/healthz'), /readinessProbe is not GET \/readyz/],
    ['token mounted', (d) => (d.spec.template.spec.automountServiceAccountToken = true), /token is mounted/],
    ['one replica', (d) => (d.spec.replicas = 1), /replicas is 1/],
    ['no limits', (d) => delete container(d).resources.limits, /resources.limits/],
    ['small body limit', (d) => (container(d).env.find((e: Obj) => e.name === 'BODY_LIMIT_BYTES').value = '1048576'), /BODY_LIMIT_BYTES/],
    ['no namespace', (d) => (container(d).env = container(d).env.filter((e: Obj) => e.name !== 'KD_NAMESPACE')), /KD_NAMESPACE/],
    ['port mismatch', (d) => (container(d).env.find((e: Obj) => e.name === 'PORT').value = '9090'), /env PORT is "9090"/],
    ['writable hostPath', (d) => (d.spec.template.spec.volumes[0] = { name: 'tmp', hostPath: { path: '/tmp' } }), /not an emptyDir/],
  ];
  for (const [name, mutate, expected] of cases) {
    const { deployment } = base();
    mutate(deployment);
    t.match(checkHooksDeployment(deployment).join('\n'), expected, name);
  }
});

t.test('routing, disruption budget and label mutations are caught', async (t) => {
  let b = base();
  b.cc.spec.hooks.sync.webhook.url = 'http://kubedirector-hooks.default:8080/sync';
  t.match(checkHookRouting([b.cc, b.deployment, b.service]).join('\n'), /sync: no Service default\/kubedirector-hooks/);
  b = base();
  b.cc.spec.hooks.sync.webhook.url = 'http://kubedirector-hooks.kubedirector/sync';
  t.match(checkHookRouting([b.cc, b.deployment, b.service]).join('\n'), /has no port 80/);
  b = base();
  b.service.spec.selector = { 'app.kubernetes.io/name': 'other' };
  t.match(checkHookRouting([b.cc, b.deployment, b.service]).join('\n'), /selects no Deployment's pods/);
  b = base();
  b.service.spec.ports[0].targetPort = 9090;
  t.match(checkHookRouting([b.cc, b.deployment, b.service]).join('\n'), /targets 9090/);
  b = base();
  b.pdb.spec.minAvailable = 2;
  t.match(checkDisruptionBudget([b.deployment, b.pdb]).join('\n'), /drains block/);
  b = base();
  b.pdb.spec.selector.matchLabels = { app: 'x' };
  t.match(checkDisruptionBudget([b.deployment, b.pdb]).join('\n'), /does not select/);
  b = base();
  delete b.service.metadata.labels['app.kubernetes.io/version'];
  t.match(checkStandardLabels(b.service, 'kustomize').join('\n'), /app.kubernetes.io\/version missing/);
  t.match(checkStandardLabels(b.service, 'Helm').join('\n'), /managed-by is not Helm/);
});

t.test('ServiceMonitor check', async (t) => {
  const { service } = base();
  const sm = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'kubedirector-hooks', namespace: 'kubedirector' },
    spec: {
      selector: { matchLabels: service.spec.selector },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
    },
  };
  t.same(checkServiceMonitor([service, sm]), []);
  t.match(
    checkServiceMonitor([service, { ...sm, spec: { ...sm.spec, endpoints: [{ ...sm.spec.endpoints[0], port: 'prometheus' }] } }]).join(),
    /port prometheus is not a named port/,
  );
  t.match(
    checkServiceMonitor([service, { ...sm, spec: { ...sm.spec, endpoints: [{ ...sm.spec.endpoints[0], scrapeTimeout: '1m' }] } }]).join(),
    /scrapeTimeout exceeds interval/,
  );
  t.match(checkServiceMonitor([service]).join(), /no ServiceMonitor/);
});

t.test('Kubernetes OpenAPI validation catches invalid and unknown objects', async (t) => {
  const { deployment } = base();
  deployment.spec.replicas = 'two';
  t.match(validateBuiltIn(deployment).join(), /spec\/replicas must be integer/);
  const { service } = base();
  service.spec.ports[0].port = '8080';
  t.match(validateBuiltIn(service).join(), /port must be integer/);
  t.match(validateBuiltIn({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }).join(), /neither a built-in kind/);
  t.same(
    validateBuiltIn({ apiVersion: 'metacontroller.k8s.io/v1alpha1', kind: 'CompositeController' }),
    [],
    'custom kinds are checked elsewhere',
  );
});

t.test('Go durations', async (t) => {
  t.equal(durationSeconds('30s'), 30);
  t.equal(durationSeconds('1m30s'), 90);
  t.equal(durationSeconds('1.5h'), 5400);
  t.equal(durationSeconds('250ms'), 0.25);
  t.equal(durationSeconds('30'), undefined);
  t.equal(durationSeconds('thirty seconds'), undefined);
});
