import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { parseAllDocuments, parse, stringify } from 'yaml';
import type { KubeObject } from '../../src/api/meta.js';
import { render } from '../../src/cli/render.js';
import { catalogFiles } from '../support/catalog.js';
import { repoPath } from '../support/fixtures.js';
import { kubernetesErrors } from '../support/kube-validate.js';

const text = (path: string) => readFileSync(repoPath(path), 'utf8');
const examples = readdirSync(repoPath('clusters')).filter((f) => f.endsWith('.yaml'));

t.test('render prints, for every example cluster, YAML that kubectl could apply', async (t) => {
  t.ok(examples.length >= 2);
  for (const file of examples) {
    const cluster = parse(text(`clusters/${file}`));
    const output = render({
      documents: [text(`clusters/${file}`), ...catalogFiles(cluster.spec.app).map(text)],
      uid: 'u-1',
      systemNamespace: 'kubedirector',
    });
    const objects = parseAllDocuments(output)
      .map((d) => d.toJS() as KubeObject)
      .filter(Boolean);
    t.same(
      [...new Set(objects.map((o) => o.kind))].sort(),
      ['ConfigMap', 'Lease', 'PersistentVolumeClaim', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount', 'StatefulSet'],
      `${file}: every kind of child`,
    );
    t.same(objects.flatMap(kubernetesErrors), [], `${file}: every object is valid Kubernetes`);
    t.ok(
      objects.every((o) => o.metadata.namespace === 'default'),
      `${file}: in the cluster's namespace`,
    );
    t.match(output, /^# Rendered by kubedirector-hooks for KubeDirectorCluster default\//);
    t.match(output, /\n# status:\n#   state: creating\n/, `${file}: the status as a comment`);
  }
});

t.test('render takes one cluster, its app from the same or another file, and kd-global-config', async (t) => {
  const both = [text('clusters/spark.yaml'), ...catalogFiles('spark').map(text)].join('\n---\n');
  const config =
    'apiVersion: kubedirector.hpe.com/v1beta1\nkind: KubeDirectorConfig\nmetadata:\n  name: kd-global-config\nspec:\n  defaultServiceType: NodePort\n';
  const output = render({ documents: [both, config], namespace: 'data', uid: 'u-2', systemNamespace: 'kubedirector' });
  t.match(output, /type: NodePort/, 'the config applies');
  t.match(output, /namespace: data/);
  t.throws(
    () => render({ documents: [text('catalog/spark/app.yaml')], uid: 'u', systemNamespace: 'kd' }),
    /exactly one KubeDirectorCluster, got 0/,
  );
  const missingApp = render({ documents: [text('clusters/spark.yaml')], uid: 'u', systemNamespace: 'kd' });
  t.match(missingApp, /#       reason: AppNotFound/, 'without its app, render says why nothing is rendered');
});

t.test('render warns of app fields it does not know, naming the field meant, and renders all the same', async (t) => {
  const app = parse(text('test/fixtures/apps/cassandra.yaml'));
  app.spec.defaultPersistDir = app.spec.defaultPersistDirs;
  delete app.spec.defaultPersistDirs;
  const output = render({ documents: [text('clusters/cassandra.yaml'), stringify(app)], uid: 'u', systemNamespace: 'kd' });
  t.match(
    output,
    /\n# warning: ignored: spec\.defaultPersistDir is not a field of KubeDirectorApp default\/cassandra \(did you mean defaultPersistDirs\?\)\n/,
  );
  t.match(output, /kind: StatefulSet/);
  const clean = render({
    documents: [text('clusters/cassandra.yaml'), text('test/fixtures/apps/cassandra.yaml')],
    uid: 'u',
    systemNamespace: 'kd',
  });
  t.notMatch(clean, /# warning/);
});
