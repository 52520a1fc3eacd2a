// The kustomize base at metacontroller/ (kubectl apply -k metacontroller), rendered by the real kubectl.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { admit, committedCrd } from '../support/apiserver.js';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool, toolsUnavailable } from '../support/k8s-tools.js';
import {
  checkCompositeController,
  checkDisruptionBudget,
  checkHookAuth,
  checkHookRouting,
  checkHooksDeployment,
  KUSTOMIZE_TOKEN,
  checkStandardLabels,
  find,
  key,
  only,
  parseObjects,
  renderKustomize,
  validateBuiltIn,
  type Obj,
} from '../support/metacontroller.js';
import { configFromEnv } from '../../src/server/config.js';

const skip = toolsUnavailable();

t.test('kubectl kustomize metacontroller', { skip }, async (t) => {
  const objects = renderKustomize();

  t.test('renders the expected objects, namespaced ones in kubedirector', async (t) => {
    t.same(objects.map(key).sort(), [
      'CompositeController/kubedirectorclusters',
      'CustomResourceDefinition/kubedirectorapps.kubedirector.hpe.com',
      'CustomResourceDefinition/kubedirectorclusters.kubedirector.hpe.com',
      'CustomResourceDefinition/kubedirectorconfigs.kubedirector.hpe.com',
      'Deployment/kubedirector/kubedirector-hooks',
      'KubeDirectorConfig/kubedirector/kd-global-config',
      'Namespace/kubedirector',
      'PodDisruptionBudget/kubedirector/kubedirector-hooks',
      'Secret/kubedirector/kubedirector-hooks-auth',
      'Service/kubedirector/kubedirector-hooks',
      'ServiceAccount/kubedirector/kubedirector-hooks',
    ]);
  });

  t.test('the CRDs are the committed ones from crds/', async (t) => {
    for (const crd of objects.filter((o) => o.kind === 'CustomResourceDefinition')) {
      const file = `crds/${crd.spec.group}_${crd.spec.names.plural}.yaml`;
      t.same(crd, parseObjects(readFileSync(file, 'utf8'))[0], file);
    }
  });

  t.test('every built-in object is valid against the Kubernetes OpenAPI schema', async (t) => {
    for (const object of objects) t.same(validateBuiltIn(object), [], key(object));
  });

  t.test('kd-global-config is admitted by its CRD', async (t) => {
    const config = only(objects, 'KubeDirectorConfig');
    const admission = admit(committedCrd('kubedirectorconfigs'), config);
    t.same(admission.errors, []);
    t.same(admission.unknownFields, []);
    t.equal(config.metadata.name, 'kd-global-config');
    t.equal(config.spec.defaultServiceType, 'LoadBalancer');
  });

  t.test('the CompositeController, field by field', async (t) => {
    t.same(checkCompositeController(find(objects, 'CompositeController')), []);
    const hooks = find(objects, 'CompositeController')!.spec.hooks;
    for (const hook of ['customize', 'sync', 'finalize']) {
      t.equal(hooks[hook].webhook.url, `http://kubedirector-hooks.kubedirector:8080/${hook}`);
    }
  });

  t.test('webhook URLs reach the hooks container through the Service', async (t) => {
    t.same(checkHookRouting(objects), []);
  });

  t.test('every hook call carries the bearer token the hooks read from the generated Secret', async (t) => {
    t.same(checkHookAuth(objects), []);
    const secret = find(objects, 'Secret', 'kubedirector-hooks-auth')!;
    t.equal(secret.type, 'Opaque');
    t.same(Object.keys(secret.data), ['token'], 'one key, token, from metacontroller/hooks-token');
    t.same(find(objects, 'CompositeController')!.spec.hooks.sync.webhook.authorization, {
      type: 'Bearer',
      secretRef: { name: 'kubedirector-hooks-auth', namespace: 'kubedirector', key: 'token' },
    });
  });

  t.test('without metacontroller/hooks-token the build stops and names the file', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'kd-kustomize-'));
    t.teardown(() => {
      rmSync(root, { recursive: true, force: true });
    });
    for (const part of ['metacontroller', 'crds']) cpSync(part, join(root, part), { recursive: true });
    rmSync(join(root, KUSTOMIZE_TOKEN), { force: true });
    const result = runTool('kubectl', ['kustomize', join(root, 'metacontroller')]);
    t.not(result.status, 0, 'no install without a token');
    t.match(result.stderr, /hooks-token/);
  });

  t.test('the hooks Deployment runs non-root, read-only, with both probes', async (t) => {
    const deployment = find(objects, 'Deployment', 'kubedirector-hooks');
    t.same(checkHooksDeployment(deployment), []);
    const container = deployment!.spec.template.spec.containers[0];
    t.equal(container.image, 'ghcr.io/kubedirector-hooks/kubedirector-hooks:0.1.0');
    t.equal(deployment!.spec.replicas, 2);
    t.equal(deployment!.spec.template.spec.serviceAccountName, 'kubedirector-hooks');
    t.equal(find(objects, 'ServiceAccount', 'kubedirector-hooks')?.automountServiceAccountToken, false);
  });

  t.test('the server accepts the Deployment environment as its configuration', async (t) => {
    const container = find(objects, 'Deployment', 'kubedirector-hooks')!.spec.template.spec.containers[0];
    const env = Object.fromEntries(
      container.env.map((e: Obj) => [e.name, e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace' ? 'kubedirector' : e.value]),
    );
    // The mounted token, stood in for by a file of this machine.
    const dir = mkdtempSync(join(tmpdir(), 'kd-env-'));
    t.teardown(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'token'), 'x');
    const config = configFromEnv({ ...env, AUTH_TOKEN_FILE: join(dir, 'token') });
    t.equal(config.port, container.ports[0].containerPort);
    t.equal(config.metricsPort, container.ports.find((p: Obj) => p.name === 'metrics').containerPort);
    t.same(config.auth, { tokenFile: join(dir, 'token') });
    t.equal(config.logLevel, 'info');
    t.equal(config.bodyLimit, 64 * 1024 * 1024);
    t.equal(config.systemNamespace, 'kubedirector');
  });

  t.test('the PodDisruptionBudget keeps one replica', async (t) => {
    t.same(checkDisruptionBudget(objects), []);
  });

  t.test('standard app.kubernetes.io labels on the objects of the base', async (t) => {
    for (const object of objects.filter((o) => !['CustomResourceDefinition', 'Namespace'].includes(o.kind))) {
      t.same(checkStandardLabels(object, 'kustomize'), [], key(object));
    }
  });
});
