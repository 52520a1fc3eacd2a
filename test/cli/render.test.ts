import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { parseAllDocuments, parse, stringify } from 'yaml';
import type { KubeObject } from '../../src/api/meta.js';
import { InvalidInput, defaultUid, render, type RenderDocument } from '../../src/cli/render.js';
import { catalogFiles } from '../support/catalog.js';
import { repoPath } from '../support/fixtures.js';
import { kubernetesErrors } from '../support/kube-validate.js';

const text = (path: string) => readFileSync(repoPath(path), 'utf8');
const file = (path: string): RenderDocument => ({ source: path, text: text(path) });
const inline = (content: string): RenderDocument => ({ source: '<stdin>', text: content });
const examples = readdirSync(repoPath('clusters')).filter((f) => f.endsWith('.yaml'));

t.test('render prints, for every example cluster, YAML that kubectl could apply', async (t) => {
  t.ok(examples.length >= 2);
  for (const name of examples) {
    const cluster = parse(text(`clusters/${name}`));
    const output = render({
      documents: [file(`clusters/${name}`), ...catalogFiles(cluster.spec.app).map(file)],
      uid: 'u-1',
      systemNamespace: 'kubedirector',
    });
    const objects = parseAllDocuments(output)
      .map((d) => d.toJS() as KubeObject)
      .filter(Boolean);
    t.same(
      [...new Set(objects.map((o) => o.kind))].sort(),
      ['ConfigMap', 'Lease', 'PersistentVolumeClaim', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount', 'StatefulSet'],
      `${name}: every kind of child`,
    );
    t.same(objects.flatMap(kubernetesErrors), [], `${name}: every object is valid Kubernetes`);
    t.ok(
      objects.every((o) => o.metadata.namespace === 'default'),
      `${name}: in the cluster's namespace`,
    );
    t.match(output, /^# Rendered by kubedirector-hooks for KubeDirectorCluster default\//);
    t.match(output, /\n# status:\n#   state: creating\n/, `${name}: the status as a comment`);
  }
});

t.test('render takes one cluster, its app from the same or another file, and kd-global-config', async (t) => {
  const both = [text('clusters/spark.yaml'), ...catalogFiles('spark').map(text)].join('\n---\n');
  const config =
    'apiVersion: kubedirector.hpe.com/v1beta1\nkind: KubeDirectorConfig\nmetadata:\n  name: kd-global-config\nspec:\n  defaultServiceType: NodePort\n';
  const output = render({ documents: [inline(both), inline(config)], namespace: 'data', uid: 'u-2', systemNamespace: 'kubedirector' });
  t.match(output, /type: NodePort/, 'the config applies');
  t.match(output, /namespace: data/);
  t.throws(
    () => render({ documents: [file('catalog/spark/app.yaml')], uid: 'u', systemNamespace: 'kd' }),
    new InvalidInput('render takes exactly one KubeDirectorCluster, got 0'),
  );
});

t.test('a cluster the hooks would not reconcile is an error naming the field, not manifests', async (t) => {
  t.throws(
    () => render({ documents: [file('clusters/spark.yaml')], systemNamespace: 'kd' }),
    new InvalidInput(
      'KubeDirectorCluster default/spark-demo is not valid: AppNotFound: spec.app: KubeDirectorApp "spark" not found in namespace default or namespace kd',
    ),
  );
  const cluster = parse(text('clusters/spark.yaml'));
  cluster.spec.roles.find((r: { id: string }) => r.id === 'controller').members = 3;
  t.throws(() => render({ documents: [inline(stringify(cluster)), ...catalogFiles('spark').map(file)], systemNamespace: 'kd' }), {
    constructor: InvalidInput,
    message: /^KubeDirectorCluster default\/spark-demo is not valid: \w+: spec\.roles\[0\]\.members: /,
  });
});

t.test('a YAML syntax error names the file, line and column', async (t) => {
  const broken = { source: 'my-cluster.yaml', text: 'kind: KubeDirectorCluster\nmetadata:\n  name: [x\nspec: {}\n' };
  t.throws(() => render({ documents: [broken], systemNamespace: 'kd' }), { constructor: InvalidInput, message: /^my-cluster\.yaml:4:1: / });
});

t.test('the default uid comes from the namespace and name: UUID-shaped, stable, different per cluster', async (t) => {
  const uid = defaultUid('default', 'spark-demo');
  t.match(uid, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(defaultUid('default', 'spark-demo'), uid);
  t.not(defaultUid('default', 'other'), uid);
  t.not(defaultUid('data', 'spark-demo'), uid);
  const output = render({ documents: [file('clusters/spark.yaml'), ...catalogFiles('spark').map(file)], systemNamespace: 'kd' });
  t.match(output, `(uid ${uid})`);
});

t.test('render warns of app fields it does not know, naming the field meant, and renders all the same', async (t) => {
  const app = parse(text('test/fixtures/apps/cassandra.yaml'));
  app.spec.defaultPersistDir = app.spec.defaultPersistDirs;
  delete app.spec.defaultPersistDirs;
  const output = render({ documents: [file('clusters/cassandra.yaml'), inline(stringify(app))], uid: 'u', systemNamespace: 'kd' });
  t.match(
    output,
    /\n# warning: ignored: spec\.defaultPersistDir is not a field of KubeDirectorApp default\/cassandra \(did you mean defaultPersistDirs\?\)\n/,
  );
  t.match(output, /kind: StatefulSet/);
  const clean = render({
    documents: [file('clusters/cassandra.yaml'), file('test/fixtures/apps/cassandra.yaml')],
    uid: 'u',
    systemNamespace: 'kd',
  });
  t.notMatch(clean, /# warning/);
});
