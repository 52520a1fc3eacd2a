// Rendering and checking the deployment manifests under metacontroller/ (kustomize base and
// Helm chart) with the real kubectl and helm. The check functions return a list of problems
// (empty when all is well), so tests can also show that they catch broken manifests.
import { kubernetesErrors, modelClass } from './kube-validate.js';
import type { KubeObject } from '../../src/api/meta.js';
import { Ajv } from 'ajv';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { runTool, runToolOk, type RunResult } from './k8s-tools.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(REPO, 'metacontroller', 'chart');
export const UMBRELLA_DIR = join(REPO, 'metacontroller', 'umbrella');
export const STUB_DIR = join(REPO, 'test', 'fixtures', 'metacontroller-helm-stub');

export type Obj = Record<string, any>;

export const HOOKS = ['customize', 'sync', 'finalize'] as const;
export const CHILD_RESOURCES = [
  ['apps/v1', 'statefulsets'],
  ['v1', 'services'],
  ['v1', 'persistentvolumeclaims'],
  ['v1', 'configmaps'],
  ['v1', 'secrets'],
  ['v1', 'serviceaccounts'],
  ['rbac.authorization.k8s.io/v1', 'roles'],
  ['rbac.authorization.k8s.io/v1', 'rolebindings'],
  ['coordination.k8s.io/v1', 'leases'],
] as const;

/** The documents of a multi-document YAML stream, empty ones dropped. */
export function parseObjects(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

export const key = (o: Obj) => `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

export function find(objects: Obj[], kind: string, name?: string): Obj | undefined {
  return objects.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}

export function only(objects: Obj[], kind: string): Obj {
  const all = objects.filter((o) => o.kind === kind);
  if (all.length !== 1) throw new Error(`expected exactly one ${kind}, found ${all.length}`);
  return all[0]!;
}

/** The token file the kustomize base's secretGenerator reads (git-ignored; the user writes it). */
export const KUSTOMIZE_TOKEN = 'metacontroller/hooks-token';

/**
 * `kubectl kustomize <dir>` as text. The base needs metacontroller/hooks-token: when the checkout
 * has none, the base and the CRDs it includes are built from a temporary copy holding a test token.
 */
export function kustomizeOutput(dir = 'metacontroller'): string {
  if (dir !== 'metacontroller' || existsSync(join(REPO, KUSTOMIZE_TOKEN))) return runToolOk('kubectl', ['kustomize', dir]);
  const root = mkdtempSync(join(tmpdir(), 'kd-kustomize-'));
  try {
    for (const part of ['metacontroller', 'crds']) cpSync(join(REPO, part), join(root, part), { recursive: true });
    writeFileSync(join(root, KUSTOMIZE_TOKEN), 'test-token-for-rendering\n');
    return runToolOk('kubectl', ['kustomize', join(root, 'metacontroller')]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** `kubectl kustomize metacontroller`, parsed. */
export function renderKustomize(dir = 'metacontroller'): Obj[] {
  return parseObjects(kustomizeOutput(dir));
}

/** Chart.yaml of the chart. */
export function chartMetadata(dir = CHART_DIR): Obj {
  return parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Obj;
}

/** Copies a chart directory to `to`, leaving out any charts/ that `helm dependency` pulled. */
function copyChart(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (src) => !src.startsWith(join(from, 'charts')) });
}

/**
 * A temporary copy of the chart; extraFiles are written into the copy (path relative to the
 * chart). Call the returned cleanup when done.
 */
export function chartCopy(extraFiles: Record<string, string> = {}): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kd-chart-'));
  const dir = join(root, 'kubedirector-hooks');
  copyChart(CHART_DIR, dir);
  for (const [path, content] of Object.entries(extraFiles)) writeFileSync(join(dir, path), content);
  return {
    dir,
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A temporary copy of the umbrella chart whose charts/ holds what `helm dependency build` would
 * put there: the hooks chart and, instead of the OCI chart metacontroller-helm (which cannot be
 * pulled offline), its stub.
 */
export function umbrellaCopy(): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kd-umbrella-'));
  const dir = join(root, 'kubedirector-hooks-with-metacontroller');
  copyChart(UMBRELLA_DIR, dir);
  copyChart(CHART_DIR, join(dir, 'charts', 'kubedirector-hooks'));
  cpSync(STUB_DIR, join(dir, 'charts', 'metacontroller-helm'), { recursive: true });
  return {
    dir,
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  set?: string[];
  values?: Obj;
  includeCrds?: boolean;
  extraFiles?: Record<string, string>;
}

function templateArgs(dir: string, options: TemplateOptions): string[] {
  const args = ['template', options.release ?? 'kubedirector-hooks', dir, '--namespace', options.namespace ?? 'kubedirector'];
  if (options.includeCrds) args.push('--include-crds');
  for (const s of options.set ?? []) args.push('--set', s);
  if (options.values) {
    const file = join(dir, '..', 'test-values.yaml');
    writeFileSync(file, JSON.stringify(options.values));
    args.push('--values', file);
  }
  return args;
}

/** `helm template` of a copy of the chart, returning the raw result (for expected failures). */
export function helmTemplateResult(options: TemplateOptions = {}): RunResult {
  const copy = chartCopy(options.extraFiles);
  try {
    return runTool('helm', templateArgs(copy.dir, options));
  } finally {
    copy.cleanup();
  }
}

/** `helm template` of a copy of the chart, parsed; throws with helm's message on failure. */
export function renderChart(options: TemplateOptions = {}): Obj[] {
  const result = helmTemplateResult(options);
  if (result.status !== 0) throw new Error(`helm template failed (${result.status}):\n${result.stderr}`);
  return parseObjects(result.stdout);
}

/** `helm template` of a copy of the umbrella chart (Metacontroller stubbed), parsed. */
export function renderUmbrella(options: Omit<TemplateOptions, 'extraFiles'> = {}): Obj[] {
  const copy = umbrellaCopy();
  try {
    const result = runTool('helm', templateArgs(copy.dir, options));
    if (result.status !== 0) throw new Error(`helm template failed (${result.status}):\n${result.stderr}`);
    return parseObjects(result.stdout);
  } finally {
    copy.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// Built-in kinds: the Kubernetes OpenAPI schema, through kubernetes-models.

/** Custom kinds the manifests may hold; each is checked by its own test, not by kubernetes-models. */
export const CUSTOM_KINDS = new Set([
  'kubedirector.hpe.com/v1beta1 KubeDirectorApp',
  'kubedirector.hpe.com/v1beta1 KubeDirectorCluster',
  'kubedirector.hpe.com/v1beta1 KubeDirectorConfig',
  'metacontroller.k8s.io/v1alpha1 CompositeController',
  'monitoring.coreos.com/v1 ServiceMonitor',
]);

/**
 * Validates an object of a built-in kind against the Kubernetes OpenAPI schema (kubernetes-models).
 * Returns problems; an object that is neither built-in nor one of CUSTOM_KINDS is a problem too.
 */
export function validateBuiltIn(object: Obj): string[] {
  const id = `${object.apiVersion} ${object.kind}`;
  if (CUSTOM_KINDS.has(id)) return [];
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || !modelClass(object.apiVersion, object.kind)) {
    return [`${key(object)}: ${id} is neither a built-in kind known to kubernetes-models nor an expected custom kind`];
  }
  return kubernetesErrors(object as KubeObject);
}

// ---------------------------------------------------------------------------------------------
// The CompositeController, against the fields of Metacontroller's v1alpha1 API types
// (pkg/apis/metacontroller/v1alpha1/types.go). Unknown fields are errors here: Metacontroller's
// CRD would prune them silently, losing the setting.

const strictObject = (properties: Obj, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const secretRef = strictObject({ name: { type: 'string' }, namespace: { type: 'string' } }, ['name', 'namespace']);
const keyRef = strictObject({ name: { type: 'string' }, namespace: { type: 'string' }, key: { type: 'string' } }, ['name', 'namespace']);
const tlsSettings = {
  caBundle: strictObject({ inline: { type: 'string' }, secretRef: keyRef, configMapRef: keyRef }),
  clientTLS: strictObject({ secretRef, certKey: { type: 'string' }, privateKeyKey: { type: 'string' } }, ['secretRef']),
  authorization: strictObject({ type: { type: 'string' }, secretRef: keyRef }, ['secretRef']),
  basicAuth: strictObject({ secretRef, usernameKey: { type: 'string' }, passwordKey: { type: 'string' } }, ['secretRef']),
};
const hook = strictObject({
  version: { enum: ['v1', 'v2'] },
  webhook: strictObject({
    url: { type: 'string' },
    timeout: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$' },
    etag: strictObject({
      enabled: { type: 'boolean' },
      cacheTimeoutSeconds: { type: 'integer' },
      cacheCleanupSeconds: { type: 'integer' },
    }),
    path: { type: 'string' },
    service: strictObject(
      { name: { type: 'string' }, namespace: { type: 'string' }, port: { type: 'integer' }, protocol: { type: 'string' } },
      ['name', 'namespace'],
    ),
    responseUnMarshallMode: { enum: ['loose', 'strict'] },
    ...tlsSettings,
  }),
});
export const COMPOSITE_CONTROLLER_SCHEMA = strictObject(
  {
    apiVersion: { const: 'metacontroller.k8s.io/v1alpha1' },
    kind: { const: 'CompositeController' },
    metadata: { type: 'object', required: ['name'], not: { required: ['namespace'] } },
    spec: strictObject(
      {
        parentResource: strictObject(
          {
            apiVersion: { type: 'string' },
            resource: { type: 'string' },
            revisionHistory: strictObject({ fieldPaths: { type: 'array', items: { type: 'string' } } }),
            labelSelector: { type: 'object' },
            ignoreStatusChanges: { type: 'boolean' },
          },
          ['apiVersion', 'resource'],
        ),
        childResources: {
          type: 'array',
          items: strictObject(
            {
              apiVersion: { type: 'string' },
              resource: { type: 'string' },
              updateStrategy: strictObject({
                method: { enum: ['OnDelete', 'Recreate', 'InPlace', 'RollingRecreate', 'RollingInPlace'] },
                statusChecks: strictObject({ conditions: { type: 'array', items: { type: 'object', required: ['type'] } } }),
              }),
            },
            ['apiVersion', 'resource'],
          ),
        },
        hooks: strictObject({ customize: hook, sync: hook, finalize: hook, preUpdateChild: hook, postUpdateChild: hook }),
        endpointConfigs: { type: 'array', items: strictObject({ host: { type: 'string' }, ...tlsSettings }, ['host']) },
        resyncPeriodSeconds: { type: 'integer', minimum: 0, maximum: 2147483647 },
        generateSelector: { type: 'boolean' },
      },
      ['parentResource'],
    ),
    status: { type: 'object' },
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

const ajv = new Ajv({ allErrors: true, strict: false });
const validateCompositeControllerSchema = ajv.compile(COMPOSITE_CONTROLLER_SCHEMA);

/** Everything wrong with the CompositeController, field by field. */
export function checkCompositeController(cc: Obj | undefined): string[] {
  if (!cc) return ['no CompositeController'];
  const problems: string[] = [];
  if (!validateCompositeControllerSchema(cc)) {
    for (const e of validateCompositeControllerSchema.errors ?? []) {
      problems.push(
        `schema ${e.instancePath || '/'}: ${e.message}${'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`,
      );
    }
  }
  const spec = cc.spec ?? {};
  if (cc.metadata?.name !== 'kubedirectorclusters') problems.push(`name is ${cc.metadata?.name}, not kubedirectorclusters`);
  if (cc.metadata?.namespace !== undefined) problems.push('a CompositeController is cluster-scoped: it has no namespace');
  if (spec.parentResource?.apiVersion !== 'kubedirector.hpe.com/v1beta1' || spec.parentResource?.resource !== 'kubedirectorclusters') {
    problems.push(`parentResource is ${JSON.stringify(spec.parentResource)}`);
  }
  if (spec.generateSelector !== true) problems.push('generateSelector is not true');
  if (!(Number.isInteger(spec.resyncPeriodSeconds) && spec.resyncPeriodSeconds > 0))
    problems.push('resyncPeriodSeconds is not a positive integer');
  const children: Obj[] = spec.childResources ?? [];
  for (const [apiVersion, resource] of CHILD_RESOURCES) {
    const rules = children.filter((c) => c.apiVersion === apiVersion && c.resource === resource);
    if (rules.length !== 1) problems.push(`child ${apiVersion} ${resource} listed ${rules.length} times`);
    else if (rules[0]!.updateStrategy?.method !== 'InPlace')
      problems.push(`child ${resource} updates by ${rules[0]!.updateStrategy?.method ?? 'OnDelete (default)'}, not InPlace`);
  }
  for (const c of children) {
    if (!CHILD_RESOURCES.some(([a, r]) => a === c.apiVersion && r === c.resource))
      problems.push(`unexpected child ${c.apiVersion} ${c.resource}`);
  }
  const hooks = spec.hooks ?? {};
  for (const name of Object.keys(hooks)) if (!(HOOKS as readonly string[]).includes(name)) problems.push(`unexpected hook ${name}`);
  for (const name of HOOKS) {
    const h = hooks[name];
    if (!h) {
      problems.push(`hook ${name} missing`);
      continue;
    }
    if (h.version !== 'v2') problems.push(`hook ${name} has version ${h.version ?? 'v1 (default)'}, not v2`);
    const url = h.webhook?.url;
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      problems.push(`hook ${name} has no valid webhook url: ${url}`);
    }
    if (parsed && parsed.pathname !== `/${name}`) problems.push(`hook ${name} calls path ${parsed.pathname}`);
    if (h.webhook?.service || h.webhook?.path) problems.push(`hook ${name} mixes url with service/path`);
    const seconds = durationSeconds(h.webhook?.timeout);
    if (seconds === undefined || seconds < 15)
      problems.push(`hook ${name} timeout ${h.webhook?.timeout} is too short for large requests (Metacontroller's default is 10s)`);
  }
  return problems;
}

/** Seconds of a Go duration such as "30s", "1m30s", "1.5m"; undefined when it is not one. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) return undefined;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, n, , u] of value.matchAll(/([0-9]+(\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * unit[u!]!;
  return total;
}

// ---------------------------------------------------------------------------------------------
// The hooks Deployment and how Metacontroller reaches it.

const selects = (selector: Obj | undefined, labels: Obj | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Everything wrong with the hooks Deployment's security, probes and settings. */
export function checkHooksDeployment(deployment: Obj | undefined): string[] {
  if (!deployment) return ['no hooks Deployment'];
  const problems: string[] = [];
  const spec = deployment.spec ?? {};
  const pod = spec.template?.spec ?? {};
  const podSecurity = pod.securityContext ?? {};
  if (!(spec.replicas >= 2)) problems.push(`replicas is ${spec.replicas}; the stateless hooks should run at least 2`);
  if (!selects(spec.selector?.matchLabels, spec.template?.metadata?.labels))
    problems.push('selector does not match the pod template labels');
  if (pod.automountServiceAccountToken !== false) problems.push('the service account token is mounted; the hooks never call the API');
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('the pod uses host namespaces');
  const containers: Obj[] = pod.containers ?? [];
  if (containers.length !== 1) problems.push(`expected one container, found ${containers.length}`);
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const runAsNonRoot = sc.runAsNonRoot ?? podSecurity.runAsNonRoot;
    const runAsUser = sc.runAsUser ?? podSecurity.runAsUser;
    if (runAsNonRoot !== true) problems.push(`${c.name}: runAsNonRoot is not true`);
    if (runAsUser !== 1000) problems.push(`${c.name}: runAsUser is ${runAsUser}, not 1000`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${c.name}: root filesystem is not read-only`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if (sc.privileged) problems.push(`${c.name}: privileged`);
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]' || sc.capabilities?.add?.length)
      problems.push(`${c.name}: capabilities are not exactly drop [ALL]`);
    if ((sc.seccompProfile ?? podSecurity.seccompProfile)?.type !== 'RuntimeDefault')
      problems.push(`${c.name}: seccomp profile is not RuntimeDefault`);
    for (const kind of ['requests', 'limits']) {
      if (!c.resources?.[kind]?.cpu || !c.resources?.[kind]?.memory) problems.push(`${c.name}: resources.${kind} lack cpu or memory`);
    }
    const http = (c.ports ?? []).find((p: Obj) => p.name === 'http');
    if (http?.containerPort !== 8080) problems.push(`${c.name}: no container port 8080 named http`);
    const env = new Map<string, Obj>((c.env ?? []).map((e: Obj) => [e.name, e]));
    const expectValue = (name: string, value: string) => {
      if (env.get(name)?.value !== value)
        problems.push(`${c.name}: env ${name} is ${JSON.stringify(env.get(name)?.value)}, not "${value}"`);
    };
    expectValue('PORT', String(http?.containerPort ?? 8080));
    if (!env.get('LOG_LEVEL')?.value) problems.push(`${c.name}: env LOG_LEVEL unset`);
    if (!/^[0-9]+$/.test(env.get('BODY_LIMIT_BYTES')?.value ?? '') || Number(env.get('BODY_LIMIT_BYTES')?.value) <= 1024 * 1024) {
      problems.push(`${c.name}: env BODY_LIMIT_BYTES must be an integer above 1 MiB (Metacontroller requests exceed 1 MiB)`);
    }
    if (env.get('KD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath !== 'metadata.namespace')
      problems.push(`${c.name}: env KD_NAMESPACE does not come from metadata.namespace`);
    for (const [probe, path] of [
      ['livenessProbe', '/healthz'],
      ['readinessProbe', '/readyz'],
    ] as const) {
      const get = c[probe]?.httpGet;
      if (get?.path !== path || (get?.port !== 'http' && get?.port !== http?.containerPort)) {
        problems.push(`${c.name}: ${probe} is not GET ${path} on the http port`);
      }
    }
    const writable = new Set((c.volumeMounts ?? []).filter((m: Obj) => !m.readOnly).map((m: Obj) => m.name));
    for (const v of pod.volumes ?? []) {
      if (writable.has(v.name) && !v.emptyDir) problems.push(`${c.name}: writable volume ${v.name} is not an emptyDir`);
    }
  }
  return problems;
}

/**
 * Everything wrong with the path from each webhook URL to the hooks: the URL's host names a
 * Service of the render (name.namespace), its port is a port of that Service, whose target port
 * is the hooks container's http port, and the Service selects the Deployment's pods.
 */
export function checkHookRouting(objects: Obj[]): string[] {
  const problems: string[] = [];
  const cc = find(objects, 'CompositeController');
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  for (const name of HOOKS) {
    const url = cc?.spec?.hooks?.[name]?.webhook?.url;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      problems.push(`${name}: invalid url ${url}`);
      continue;
    }
    if (parsed.protocol !== 'http:') problems.push(`${name}: ${parsed.protocol} but the hooks serve plain http`);
    const [serviceName, namespace, ...rest] = parsed.hostname.split('.');
    if (rest.length && rest.join('.') !== 'svc' && rest.join('.') !== 'svc.cluster.local')
      problems.push(`${name}: host ${parsed.hostname} is not a Service address`);
    const service = objects.find((o) => o.kind === 'Service' && o.metadata?.name === serviceName && o.metadata?.namespace === namespace);
    if (!service) {
      problems.push(`${name}: no Service ${namespace}/${serviceName} for ${url}`);
      continue;
    }
    const port = Number(parsed.port || 80);
    const servicePort = (service.spec?.ports ?? []).find((p: Obj) => p.port === port);
    if (!servicePort) {
      problems.push(`${name}: Service ${serviceName} has no port ${port}`);
      continue;
    }
    const target = deployments.find(
      (d) => d.metadata?.namespace === namespace && selects(service.spec?.selector, d.spec?.template?.metadata?.labels),
    );
    if (!target) {
      problems.push(`${name}: Service ${serviceName} selects no Deployment's pods`);
      continue;
    }
    const containerPorts: Obj[] = (target.spec.template.spec.containers ?? []).flatMap((c: Obj) => c.ports ?? []);
    const reached = containerPorts.find((p) => p.name === servicePort.targetPort || p.containerPort === servicePort.targetPort);
    if (reached?.name !== 'http')
      problems.push(`${name}: Service port ${port} targets ${servicePort.targetPort}, not the http container port`);
  }
  return problems;
}

/**
 * Everything wrong with the bearer token's path: each webhook's `authorization` names a key of a
 * Secret (rendered, unless `externalSecret` names one the user brings) in the hooks' namespace,
 * and the hooks container reads that same key from the file AUTH_TOKEN_FILE names.
 */
export function checkHookAuth(objects: Obj[], externalSecret?: string): string[] {
  const problems: string[] = [];
  const cc = find(objects, 'CompositeController');
  const deployment = find(objects, 'Deployment');
  const pod = deployment?.spec?.template?.spec ?? {};
  const container = (pod.containers ?? [])[0] ?? {};
  const tokenFile = (container.env ?? []).find((e: Obj) => e.name === 'AUTH_TOKEN_FILE')?.value;
  if (typeof tokenFile !== 'string') return ['the hooks container has no AUTH_TOKEN_FILE'];
  const mount = (container.volumeMounts ?? []).find((m: Obj) => tokenFile.startsWith(`${m.mountPath}/`));
  if (!mount) return [`AUTH_TOKEN_FILE ${tokenFile} is on no volume mount`];
  if (mount.subPath) problems.push('the token is mounted with subPath: a rotated Secret would never reach the file');
  if (mount.readOnly !== true) problems.push('the token mount is not read-only');
  const volume = (pod.volumes ?? []).find((v: Obj) => v.name === mount.name);
  const file = tokenFile.slice(mount.mountPath.length + 1);
  const item = (volume?.secret?.items ?? []).find((i: Obj) => i.path === file);
  const mountedKey = volume?.secret?.items ? item?.key : file;
  if (!volume?.secret?.secretName || !mountedKey) return [`AUTH_TOKEN_FILE ${tokenFile} is not a key of a mounted Secret`];
  for (const name of HOOKS) {
    const auth = cc?.spec?.hooks?.[name]?.webhook?.authorization;
    if (!auth) {
      problems.push(`hook ${name} sends no authorization`);
      continue;
    }
    if (auth.type !== undefined && auth.type.toLowerCase() !== 'bearer') problems.push(`hook ${name} sends ${auth.type}, not Bearer`);
    const ref = auth.secretRef ?? {};
    if (ref.name !== volume.secret.secretName || ref.namespace !== deployment?.metadata?.namespace || ref.key !== mountedKey)
      problems.push(
        `hook ${name} sends ${ref.namespace}/${ref.name}[${ref.key}], the hooks read ${volume.secret.secretName}[${mountedKey}]`,
      );
  }
  const secret = objects.find(
    (o) =>
      o.kind === 'Secret' && o.metadata?.name === volume.secret.secretName && o.metadata?.namespace === deployment?.metadata?.namespace,
  );
  if (externalSecret !== undefined) {
    if (secret) problems.push(`Secret ${volume.secret.secretName} is rendered though the user brings it`);
    if (volume.secret.secretName !== externalSecret) problems.push(`the hooks read ${volume.secret.secretName}, not ${externalSecret}`);
  } else if (!secret) problems.push(`no Secret ${volume.secret.secretName} in the render`);
  else if (!secret.data?.[mountedKey]) problems.push(`Secret ${volume.secret.secretName} has no key ${mountedKey}`);
  return problems;
}

/** Everything wrong with the PodDisruptionBudget of the hooks. */
export function checkDisruptionBudget(objects: Obj[]): string[] {
  const pdb = find(objects, 'PodDisruptionBudget');
  const deployment = find(objects, 'Deployment');
  if (!pdb) return ['no PodDisruptionBudget'];
  const problems: string[] = [];
  if (pdb.metadata?.namespace !== deployment?.metadata?.namespace) problems.push('PodDisruptionBudget is not in the Deployment namespace');
  if (!selects(pdb.spec?.selector?.matchLabels, deployment?.spec?.template?.metadata?.labels))
    problems.push('PodDisruptionBudget does not select the hooks pods');
  if (!(pdb.spec?.minAvailable >= 1) || pdb.spec.minAvailable >= (deployment?.spec?.replicas ?? 0)) {
    problems.push(`minAvailable ${pdb.spec?.minAvailable} must be at least 1 and below the replicas, or drains block`);
  }
  return problems;
}

/** Everything wrong with the ServiceMonitor: it must scrape /metrics on the hooks Service's http port. */
export function checkServiceMonitor(objects: Obj[]): string[] {
  const sm = find(objects, 'ServiceMonitor');
  if (!sm) return ['no ServiceMonitor'];
  const problems: string[] = [];
  const service = objects.find(
    (o) =>
      o.kind === 'Service' &&
      o.metadata?.namespace === sm.metadata?.namespace &&
      selects(sm.spec?.selector?.matchLabels, o.metadata?.labels),
  );
  if (!service) problems.push('ServiceMonitor selects no Service of the release');
  const endpoints: Obj[] = sm.spec?.endpoints ?? [];
  if (endpoints.length !== 1) problems.push(`expected one endpoint, found ${endpoints.length}`);
  for (const e of endpoints) {
    if (e.path !== '/metrics') problems.push(`endpoint path is ${e.path}`);
    if (!service?.spec?.ports?.some((p: Obj) => p.name === e.port))
      problems.push(`endpoint port ${e.port} is not a named port of the Service`);
    if (durationSeconds(e.interval) === undefined || durationSeconds(e.scrapeTimeout) === undefined)
      problems.push('interval or scrapeTimeout is not a duration');
    else if (durationSeconds(e.scrapeTimeout)! > durationSeconds(e.interval)!) problems.push('scrapeTimeout exceeds interval');
  }
  return problems;
}

/** Problems with the app.kubernetes.io labels of one object. */
export function checkStandardLabels(object: Obj, managedBy: string): string[] {
  const labels = object.metadata?.labels ?? {};
  const problems: string[] = [];
  for (const label of ['name', 'instance', 'version', 'component', 'part-of']) {
    if (typeof labels[`app.kubernetes.io/${label}`] !== 'string' || labels[`app.kubernetes.io/${label}`] === '') {
      problems.push(`${key(object)}: label app.kubernetes.io/${label} missing`);
    }
  }
  if (labels['app.kubernetes.io/managed-by'] !== managedBy)
    problems.push(`${key(object)}: app.kubernetes.io/managed-by is not ${managedBy}`);
  return problems;
}
