// The Helm chart at metacontroller/chart, linted and rendered by the real helm offline, and the
// umbrella chart at metacontroller/umbrella with Metacontroller's chart replaced by a local stub
// (test/fixtures/metacontroller-helm-stub).
import t from 'tap';
import { Ajv } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parse, parseDocument, type Node } from 'yaml';
import { admit, committedCrd } from '../support/apiserver.js';
import { runTool, toolsUnavailable } from '../support/k8s-tools.js';
import {
  CHART_DIR,
  STUB_DIR,
  UMBRELLA_DIR,
  chartCopy,
  chartMetadata,
  checkCompositeController,
  checkDisruptionBudget,
  checkHookAuth,
  checkHookRouting,
  checkHooksDeployment,
  checkServiceMonitor,
  checkStandardLabels,
  find,
  helmTemplateResult,
  key,
  only,
  parseObjects,
  renderChart,
  renderUmbrella,
  umbrellaCopy,
  validateBuiltIn,
  type Obj,
} from '../support/metacontroller.js';
import { configFromEnv } from '../../src/server/config.js';

const skip = toolsUnavailable();
const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Obj;
const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Obj;
const STUB_MARKER = 'ConfigMap/kubedirector/kubedirector-hooks-metacontroller-stub';
const appFixture = readFileSync('test/fixtures/api/app-every-field.yaml', 'utf8');

t.test('Chart.yaml names the chart, which depends on nothing', async (t) => {
  const chart = chartMetadata();
  t.equal(chart.apiVersion, 'v2');
  t.equal(chart.name, 'kubedirector-hooks');
  t.equal(chart.version, '0.1.0');
  t.equal(chart.appVersion, '0.1.0');
  t.equal(chart.dependencies, undefined, 'a dependency would need `helm dependency update`, so network, before any install');
});

t.test('the umbrella chart pins Metacontroller 4.17 and the hooks chart of this repository', async (t) => {
  const umbrella = chartMetadata(UMBRELLA_DIR);
  t.equal(umbrella.apiVersion, 'v2');
  t.equal(umbrella.dependencies?.length, 2);
  const [metacontroller, hooks] = umbrella.dependencies;
  t.equal(metacontroller.name, 'metacontroller-helm');
  t.equal(metacontroller.repository, 'oci://ghcr.io/metacontroller');
  t.match(metacontroller.version, /^4\.17\.\d+$/, 'an exact 4.17.x version, not a range');
  t.equal(metacontroller.condition, 'metacontroller.enabled');
  t.equal(metacontroller.alias, 'metacontroller', 'values under `metacontroller:` reach the dependency');
  t.same([hooks.name, hooks.version, hooks.repository], ['kubedirector-hooks', chartMetadata().version, 'file://../chart']);
  t.equal(umbrella.appVersion, chartMetadata().appVersion);
  const stub = parse(readFileSync(join(STUB_DIR, 'Chart.yaml'), 'utf8')) as Obj;
  t.same(
    [stub.name, stub.version],
    [metacontroller.name, metacontroller.version],
    'the test stub stands for exactly the pinned dependency',
  );
});

t.test('values.yaml', async (t) => {
  t.test('is valid against values.schema.json, which refuses unknown keys', async (t) => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    t.ok(validate(values), JSON.stringify(validate.errors));
    t.notOk(validate({ ...values, replica: 3 }), 'a misspelt top-level key is refused');
    t.notOk(validate({ ...values, image: { ...values.image, tags: 'x' } }), 'a misspelt nested key is refused');
    t.notOk(validate({ ...values, metacontroller: { enabled: false } }), 'Metacontroller is not part of this chart');
    t.same(
      Object.keys(schema.properties)
        .filter((k) => k !== 'global')
        .sort(),
      Object.keys(values).sort(),
      'every schema key has a default in values.yaml',
    );
  });

  t.test('documents every value with its default', async (t) => {
    const doc = parseDocument(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const undocumented: string[] = [];
    const wrongDefault: string[] = [];
    const render = (v: unknown) =>
      v === '' ? '""' : Array.isArray(v) && !v.length ? '[]' : typeof v === 'object' && v && !Object.keys(v).length ? '{}' : String(v);
    const walk = (node: Node | null, path: string, covered: boolean) => {
      if (!isMap(node)) return;
      node.items.forEach((pair, i) => {
        const name = String((pair.key as { value?: unknown }).value);
        // A comment before a map's first key is attached to the map itself.
        const comment = [(pair.key as Node & { commentBefore?: string }).commentBefore, i === 0 ? node.commentBefore : undefined]
          .filter(Boolean)
          .join('\n');
        const own = /Default:/.test(comment);
        const value = pair.value as Node | null;
        const leaf = !isMap(value) || value.items.length === 0;
        if (leaf && !own && !covered) undocumented.push(`${path}${name}`);
        if (own && (isScalar(value) || (isMap(value) && !value.items.length) || (isSeq(value) && !value.items.length))) {
          const stated = /Default: (.*)/.exec(comment)![1]!;
          const actual = render(isScalar(value) ? value.value : value.toJSON());
          if (!stated.startsWith(actual)) wrongDefault.push(`${path}${name}: says "${stated}", is ${actual}`);
        }
        walk(value, `${path}${name}.`, covered || own);
      });
    };
    walk(doc.contents, '', false);
    t.same(undocumented, [], 'values without a "Default:" comment on themselves or a parent');
    t.same(wrongDefault, [], 'comments stating another default than the value');
  });

  t.test('limits agree with what the hook server accepts', async (t) => {
    for (const level of schema.properties.logLevel.enum) t.equal(configFromEnv({ LOG_LEVEL: level }).logLevel, level);
    const { minimum, maximum } = schema.properties.bodyLimitBytes;
    t.equal(configFromEnv({ BODY_LIMIT_BYTES: String(minimum) }).bodyLimit, minimum);
    t.equal(configFromEnv({ BODY_LIMIT_BYTES: String(maximum) }).bodyLimit, maximum);
    t.throws(() => configFromEnv({ BODY_LIMIT_BYTES: String(minimum - 1) }));
    t.throws(() => configFromEnv({ BODY_LIMIT_BYTES: String(maximum + 1) }));
  });
});

t.test('helm lint', { skip }, async (t) => {
  t.test('the chart lints clean, with defaults and with every option on', async (t) => {
    const copy = chartCopy();
    t.teardown(copy.cleanup);
    for (const extra of [[], ['--set', 'catalog.enabled=true,serviceMonitor.enabled=true,networkPolicy.enabled=true']]) {
      const result = runTool('helm', ['lint', '--strict', copy.dir, ...extra]);
      t.equal(result.status, 0, result.stdout + result.stderr);
      t.notMatch(result.stdout, /\[(ERROR|WARNING)\]/, extra.join(' ') || 'defaults');
    }
  });

  t.test('the umbrella chart lints clean once its dependencies are in charts/', async (t) => {
    const copy = umbrellaCopy();
    t.teardown(copy.cleanup);
    const result = runTool('helm', ['lint', '--strict', copy.dir]);
    t.equal(result.status, 0, result.stdout + result.stderr);
    t.notMatch(result.stdout, /\[(ERROR|WARNING)\]/);
  });
});

t.test('the committed chart lints and templates with no dependency fetched and no network', { skip }, async (t) => {
  // Every connection goes to a proxy that refuses it, so a chart that needed a download fails.
  const offline = { env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' } };
  t.notOk(existsSync(join(CHART_DIR, 'charts')), 'nothing was pulled into charts/');
  const lint = runTool('helm', ['lint', '--strict', CHART_DIR], offline);
  t.equal(lint.status, 0, lint.stdout + lint.stderr);
  t.notMatch(lint.stdout, /\[(ERROR|WARNING)\]/);
  const rendered = runTool('helm', ['template', 'kubedirector-hooks', CHART_DIR, '-n', 'kubedirector', '--include-crds'], offline);
  t.equal(rendered.status, 0, rendered.stderr);
  const objects = parseObjects(rendered.stdout);
  t.ok(find(objects, 'CompositeController', 'kubedirectorclusters'));
  t.ok(find(objects, 'Deployment', 'kubedirector-hooks'));
  t.equal(objects.filter((o) => o.kind === 'CustomResourceDefinition').length, 3);
  t.notOk(existsSync(join(CHART_DIR, 'charts')), 'and none was pulled by lint or template');
});

t.test('helm template with defaults', { skip }, async (t) => {
  const objects = renderChart();

  t.test('renders the expected objects', async (t) => {
    t.same(objects.map(key).sort(), [
      'CompositeController/kubedirectorclusters',
      'Deployment/kubedirector/kubedirector-hooks',
      'KubeDirectorConfig/kubedirector/kd-global-config',
      'PodDisruptionBudget/kubedirector/kubedirector-hooks',
      'Secret/kubedirector/kubedirector-hooks-auth',
      'Service/kubedirector/kubedirector-hooks',
      'ServiceAccount/kubedirector/kubedirector-hooks',
    ]);
  });

  t.test('every built-in object is valid against the Kubernetes OpenAPI schema', async (t) => {
    for (const object of objects) t.same(validateBuiltIn(object), [], key(object));
  });

  t.test('the CompositeController, field by field, reaching the chart Service', async (t) => {
    t.same(checkCompositeController(find(objects, 'CompositeController')), []);
    t.same(checkHookRouting(objects), []);
    t.equal(find(objects, 'CompositeController')!.spec.hooks.sync.webhook.url, 'http://kubedirector-hooks.kubedirector:8080/sync');
    t.equal(find(objects, 'CompositeController')!.spec.hooks.sync.webhook.timeout, '30s');
    t.equal(find(objects, 'CompositeController')!.spec.resyncPeriodSeconds, 60);
  });

  t.test('the hooks Deployment runs non-root, read-only, with both probes', async (t) => {
    t.same(checkHooksDeployment(find(objects, 'Deployment')), []);
    t.same(checkDisruptionBudget(objects), []);
  });

  t.test('every hook call carries a generated bearer token the hooks read from the same Secret', async (t) => {
    t.same(checkHookAuth(objects), []);
    const token = Buffer.from(find(objects, 'Secret')!.data.token, 'base64').toString();
    t.match(token, /^[A-Za-z0-9]{48}$/, '48 random alphanumerics');
    const again = Buffer.from(find(renderChart(), 'Secret')!.data.token, 'base64').toString();
    t.not(again, token, 'a new install gets a token of its own (an upgrade keeps the installed one, by lookup)');
    const container = find(objects, 'Deployment')!.spec.template.spec.containers[0];
    t.equal(container.env.find((e: Obj) => e.name === 'METRICS_PORT').value, '9090');
    t.same(
      find(objects, 'Service')!.spec.ports.map((p: Obj) => [p.name, p.port]),
      [
        ['http', 8080],
        ['metrics', 9090],
      ],
    );
  });

  t.test('the check would notice a hook without the token or a token nobody reads', async (t) => {
    const cc = structuredClone(find(objects, 'CompositeController')!);
    delete cc.spec.hooks.finalize.webhook.authorization;
    cc.spec.hooks.sync.webhook.authorization.secretRef.key = 'password';
    const broken = objects.map((o) => (o.kind === 'CompositeController' ? cc : o));
    t.same(checkHookAuth(broken), [
      'hook sync sends kubedirector/kubedirector-hooks-auth[password], the hooks read kubedirector-hooks-auth[token]',
      'hook finalize sends no authorization',
    ]);
    t.same(checkHookAuth(objects.filter((o) => o.kind !== 'Secret')), ['no Secret kubedirector-hooks-auth in the render']);
  });

  t.test('kd-global-config has the spec of values.yaml and is admitted by its CRD', async (t) => {
    const config = only(objects, 'KubeDirectorConfig');
    t.same(config.spec, values.globalConfig.spec);
    const admission = admit(committedCrd('kubedirectorconfigs'), config);
    t.same(admission.errors, []);
    t.same(admission.unknownFields, []);
  });

  t.test('standard app.kubernetes.io labels and helm.sh/chart', async (t) => {
    for (const object of objects) {
      t.same(checkStandardLabels(object, 'Helm'), [], key(object));
      t.equal(object.metadata.labels['helm.sh/chart'], 'kubedirector-hooks-0.1.0');
    }
  });

  t.test('--include-crds adds exactly the committed CRDs', async (t) => {
    const crds = renderChart({ includeCrds: true }).filter((o) => o.kind === 'CustomResourceDefinition');
    t.same(crds.map((c) => c.metadata.name).sort(), [
      'kubedirectorapps.kubedirector.hpe.com',
      'kubedirectorclusters.kubedirector.hpe.com',
      'kubedirectorconfigs.kubedirector.hpe.com',
    ]);
    for (const crd of crds) {
      t.same(crd, parseObjects(readFileSync(`crds/${crd.metadata.name.replace(/^([^.]+)\.(.*)$/, '$2_$1')}.yaml`, 'utf8'))[0]);
    }
  });
});

t.test('helm template in another namespace and release: namespace-aware URLs', { skip }, async (t) => {
  const objects = renderChart({ release: 'kd', namespace: 'platform', set: ['service.port=9000'] });
  const cc = find(objects, 'CompositeController')!;
  for (const hook of ['customize', 'sync', 'finalize']) {
    t.equal(cc.spec.hooks[hook].webhook.url, `http://kd-kubedirector-hooks.platform:9000/${hook}`);
  }
  t.same(checkCompositeController(cc), []);
  t.same(checkHookRouting(objects), []);
  for (const object of objects.filter((o) => o.kind !== 'CompositeController')) t.equal(object.metadata.namespace, 'platform', key(object));
  t.equal(find(objects, 'Deployment')!.spec.template.spec.serviceAccountName, 'kd-kubedirector-hooks');

  const overridden = renderChart({ set: ['fullnameOverride=kd-hooks'] });
  t.equal(find(overridden, 'CompositeController')!.spec.hooks.finalize.webhook.url, 'http://kd-hooks.kubedirector:8080/finalize');
  t.same(checkHookRouting(overridden), []);
});

t.test('helm template with every option set', { skip }, async (t) => {
  const objects = renderChart({
    values: {
      image: { repository: 'registry.example.com/kd/hooks', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'pull' }],
      replicas: 3,
      logLevel: 'debug',
      bodyLimitBytes: 134217728,
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: 2, memory: '1Gi' } },
      livenessProbe: { periodSeconds: 20 },
      readinessProbe: { successThreshold: 1 },
      podAnnotations: { 'example.com/note': 'yes' },
      podLabels: { team: 'data' },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }],
          },
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'kubedirector-hooks' } },
        },
      ],
      priorityClassName: 'system-cluster-critical',
      serviceAccount: { annotations: { 'example.com/sa': 'x' } },
      podDisruptionBudget: { minAvailable: 2 },
      service: { annotations: { 'example.com/svc': 'y' } },
      controller: { resyncPeriodSeconds: 300, hookTimeout: '1m' },
      globalConfig: {
        spec: {
          defaultServiceType: 'ClusterIP',
          defaultStorageClassName: 'fast',
          defaultNamingScheme: 'CrNameRole',
          podLabels: { a: 'b' },
        },
      },
      catalog: { enabled: true },
      serviceMonitor: { enabled: true, interval: '15s', scrapeTimeout: '5s', labels: { release: 'prometheus' } },
      auth: { enabled: true, existingSecret: 'my-hooks-token' },
      metrics: { port: 9100 },
      networkPolicy: {
        enabled: true,
        metacontroller: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'metacontroller' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mc' } },
        },
        metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      },
    },
    extraFiles: { 'catalog/zz-fixture.yaml': appFixture },
  });

  t.test('every built-in object is valid and the hooks stay hardened', async (t) => {
    for (const object of objects) t.same(validateBuiltIn(object), [], key(object));
    t.same(checkHooksDeployment(find(objects, 'Deployment')), []);
    t.same(checkCompositeController(find(objects, 'CompositeController')), []);
    t.same(checkHookRouting(objects), []);
    t.same(checkDisruptionBudget(objects), []);
    t.same(checkServiceMonitor(objects), []);
    t.same(checkHookAuth(objects, 'my-hooks-token'), [], 'the user-provided Secret, none rendered');
  });

  t.test('the NetworkPolicy admits Metacontroller to the hook port and the scraper to the metrics port', async (t) => {
    const policy = only(objects, 'NetworkPolicy');
    t.same(policy.spec.podSelector.matchLabels, find(objects, 'Deployment')!.spec.selector.matchLabels, 'it covers the hooks pods');
    t.same(policy.spec.policyTypes, ['Ingress']);
    t.same(policy.spec.ingress, [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'metacontroller' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mc' } },
          },
        ],
        ports: [{ port: 'http', protocol: 'TCP' }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      },
    ]);
    const ports = find(objects, 'Deployment')!.spec.template.spec.containers[0].ports.map((p: Obj) => [p.name, p.containerPort]);
    t.same(ports, [
      ['http', 8080],
      ['metrics', 9100],
    ]);
  });

  t.test('the values reach the objects', async (t) => {
    const deployment = find(objects, 'Deployment')!;
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: Obj) => [e.name, e.value]));
    t.equal(deployment.spec.replicas, 3);
    t.equal(container.image, `registry.example.com/kd/hooks@sha256:${'a'.repeat(64)}`);
    t.equal(container.imagePullPolicy, 'Always');
    t.same(pod.spec.imagePullSecrets, [{ name: 'pull' }]);
    t.equal(env.LOG_LEVEL, 'debug');
    t.equal(env.BODY_LIMIT_BYTES, '134217728');
    t.equal(configFromEnv({ ...env, KD_NAMESPACE: 'kubedirector', AUTH_TOKEN_FILE: undefined }).bodyLimit, 134217728);
    t.equal(env.METRICS_PORT, '9100');
    t.same(container.resources.limits, { cpu: 2, memory: '1Gi' });
    t.equal(container.livenessProbe.periodSeconds, 20);
    t.equal(container.livenessProbe.httpGet.path, '/healthz');
    t.equal(container.readinessProbe.successThreshold, 1);
    t.equal(pod.metadata.annotations['example.com/note'], 'yes');
    t.equal(pod.metadata.labels.team, 'data');
    t.equal(pod.metadata.labels['app.kubernetes.io/name'], 'kubedirector-hooks', 'selector labels stay');
    t.same(pod.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    t.equal(pod.spec.tolerations[0].key, 'dedicated');
    t.ok(pod.spec.affinity.nodeAffinity);
    t.equal(pod.spec.topologySpreadConstraints[0].topologyKey, 'kubernetes.io/hostname');
    t.equal(pod.spec.priorityClassName, 'system-cluster-critical');
    t.equal(find(objects, 'ServiceAccount')!.metadata.annotations['example.com/sa'], 'x');
    t.equal(find(objects, 'PodDisruptionBudget')!.spec.minAvailable, 2);
    t.equal(find(objects, 'Service')!.metadata.annotations['example.com/svc'], 'y');
    const cc = find(objects, 'CompositeController')!;
    t.equal(cc.spec.resyncPeriodSeconds, 300);
    t.equal(cc.spec.hooks.customize.webhook.timeout, '1m');
    const config = only(objects, 'KubeDirectorConfig');
    t.same(
      config.spec,
      { defaultServiceType: 'ClusterIP', defaultStorageClassName: 'fast', defaultNamingScheme: 'CrNameRole', podLabels: { a: 'b' } },
      'the spec is replaced, not merged with the default',
    );
    t.same(admit(committedCrd('kubedirectorconfigs'), config).errors, []);
  });

  t.test('the ServiceMonitor scrapes /metrics on the metrics port', async (t) => {
    const sm = only(objects, 'ServiceMonitor');
    t.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
    t.equal(sm.metadata.labels.release, 'prometheus');
    t.same(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '15s', scrapeTimeout: '5s' }]);
  });

  t.test('the catalog apps are installed in the release namespace and admitted by their CRD', async (t) => {
    const apps = objects.filter((o) => o.kind === 'KubeDirectorApp');
    const fixture = apps.find((a) => a.metadata.name === 'analytics-suite');
    t.ok(fixture, 'the fixture app placed in the chart catalog is rendered');
    t.same(fixture?.spec, (parse(appFixture) as Obj).spec, 'its spec is unchanged');
    for (const app of apps) {
      t.equal(app.metadata.namespace, 'kubedirector', app.metadata.name);
      t.equal(app.metadata.labels['app.kubernetes.io/component'], 'catalog');
      t.same(checkStandardLabels(app, 'Helm'), []);
      const admission = admit(committedCrd('kubedirectorapps'), app);
      t.same(admission.errors, [], `${app.metadata.name} admitted`);
      t.same(admission.unknownFields, [], `${app.metadata.name} has no unknown fields`);
    }
  });
});

t.test('the chart catalog renders every app it holds and the ConfigMap carrying its package', { skip }, async (t) => {
  const held = new Map<string, Obj>();
  for (const name of readdirSync(join(CHART_DIR, 'catalog')).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of parseObjects(readFileSync(join(CHART_DIR, 'catalog', name), 'utf8'))) held.set(key(doc), doc);
  }
  const rendered = renderChart({ set: ['catalog.enabled=true'] }).filter(
    (o) => o.kind === 'KubeDirectorApp' || o.metadata.labels?.['kubedirector.hpe.com/setup-package-for'],
  );
  t.same(rendered.map((o) => key({ ...o, metadata: { name: o.metadata.name } })).sort(), [...held.keys()].sort());
  for (const object of rendered) {
    const source = held.get(key({ ...object, metadata: { name: object.metadata.name } }))!;
    t.equal(object.metadata.namespace, 'kubedirector', `${key(object)}: in the release namespace`);
    t.same(checkStandardLabels(object, 'Helm'), [], `${key(object)}: the chart's labels`);
    if (object.kind === 'ConfigMap') {
      t.same(object.binaryData, source.binaryData, `${key(object)}: the package, byte for byte`);
      t.same(validateBuiltIn(object), [], `${key(object)}: valid`);
      continue;
    }
    t.same(object.spec, source.spec, object.metadata.name);
    t.same(admit(committedCrd('kubedirectorapps'), object).errors, [], `${object.metadata.name} admitted`);
  }
  t.same(
    renderChart().filter((o) => o.kind === 'KubeDirectorApp' || o.metadata.labels?.['kubedirector.hpe.com/setup-package-for']),
    [],
    'no apps and no packages unless catalog.enabled',
  );
});

t.test('the umbrella chart installs Metacontroller and the same hooks as the chart', { skip }, async (t) => {
  const objects = renderUmbrella();
  const chart = renderChart();
  t.same(
    objects.map(key).sort(),
    [...chart.map(key), STUB_MARKER].sort(),
    'the release named kubedirector-hooks gives the hooks the names the chart gives them',
  );
  t.same(find(objects, 'Deployment'), find(chart, 'Deployment'), 'the hooks Deployment is the chart one');
  t.same(find(objects, 'CompositeController'), find(chart, 'CompositeController'));
  t.same(checkHookAuth(objects), []);
  const stub = find(objects, 'ConfigMap', 'kubedirector-hooks-metacontroller-stub')!;
  t.match(
    stub.data.args,
    /(^| )--apply-strategy=dynamic-apply( |$)/,
    'Metacontroller runs with the apply strategy under which deletion releases the PVCs it keeps',
  );

  const tuned = renderUmbrella({ values: { metacontroller: { replicas: 3 }, 'kubedirector-hooks': { replicas: 4 } } });
  t.equal(
    find(tuned, 'ConfigMap', 'kubedirector-hooks-metacontroller-stub')!.data.replicas,
    '3',
    'metacontroller.* values reach its chart',
  );
  t.equal(find(tuned, 'Deployment')!.spec.replicas, 4, 'kubedirector-hooks.* values reach the hooks chart');
  t.notOk(
    renderUmbrella({ set: ['metacontroller.enabled=false'] })
      .map(key)
      .includes(STUB_MARKER),
    'metacontroller.enabled=false leaves Metacontroller out',
  );
});

t.test('switches', { skip }, async (t) => {
  const keys = (set: string[]) => renderChart({ set }).map(key);
  t.notOk(
    keys(['globalConfig.enabled=false']).some((k) => k.startsWith('KubeDirectorConfig/')),
    'globalConfig.enabled=false',
  );
  const single = keys(['replicas=1']);
  t.notOk(
    single.some((k) => k.startsWith('PodDisruptionBudget/')),
    'no PodDisruptionBudget for a single replica (it would block drains)',
  );
  t.notOk(keys(['podDisruptionBudget.enabled=false']).some((k) => k.startsWith('PodDisruptionBudget/')));
  const noAccount = renderChart({ set: ['serviceAccount.create=false'] });
  t.notOk(find(noAccount, 'ServiceAccount'));
  t.equal(find(noAccount, 'Deployment')!.spec.template.spec.serviceAccountName, 'default');
  t.equal(find(noAccount, 'Deployment')!.spec.template.spec.automountServiceAccountToken, false);
  t.notOk(
    keys([]).some((k) => k.startsWith('ServiceMonitor/')),
    'no ServiceMonitor by default',
  );
  const open = renderChart({ set: ['auth.enabled=false'] });
  t.notOk(find(open, 'Secret'), 'auth.enabled=false: no token Secret');
  t.notOk(find(open, 'CompositeController')!.spec.hooks.sync.webhook.authorization, 'nor authorization in the webhooks');
  t.notOk(
    find(open, 'Deployment')!.spec.template.spec.containers[0].env.some((e: Obj) => e.name === 'AUTH_TOKEN_FILE'),
    'nor a token file for the hooks',
  );
  t.same(checkCompositeController(find(open, 'CompositeController')), []);
  const tagged = renderChart({ set: ['image.tag=0.2.0-rc.1'] });
  t.equal(find(tagged, 'Deployment')!.spec.template.spec.containers[0].image, 'ghcr.io/kubedirector-hooks/kubedirector-hooks:0.2.0-rc.1');
});

t.test('the values schema refuses bad values at install', { skip }, async (t) => {
  const cases: [string[], RegExp][] = [
    [['replicas=two'], /replicas/],
    [['replica=2'], /additional properties 'replica' not allowed/],
    [['logLevel=loud'], /logLevel/],
    [['bodyLimitBytes=1000'], /bodyLimitBytes/],
    [['controller.hookTimeout=30'], /hookTimeout/],
    [['image.digest=latest'], /digest/],
    [['service.port=0'], /port/],
    [['metacontroller.enabled=false'], /additional properties 'metacontroller' not allowed/],
    [['metrics.port=8080'], /metrics/],
    [['auth.existingSecret=My_Token'], /existingSecret/],
    [['networkPolicy.enable=true'], /additional properties 'enable' not allowed/],
  ];
  for (const [set, expected] of cases) {
    const result = helmTemplateResult({ set });
    t.not(result.status, 0, set.join());
    t.match(result.stderr, expected, set.join());
  }
  const bad = helmTemplateResult({
    extraFiles: { 'catalog/broken.yaml': 'kind: KubeDirectorApp\nmetadata: [\n' },
    set: ['catalog.enabled=true'],
  });
  t.not(bad.status, 0, 'a catalog file that is not YAML fails the render');
  t.match(bad.stderr, /catalog\/broken.yaml/);
});
