// The kustomize base and the Helm chart's default render (release kubedirector-hooks in namespace
// kubedirector) install the same hooks: same objects, same specs, same webhook URLs. Only the
// labels differ (managed-by, helm.sh/chart), and the chart leaves the Namespace to `helm install
// --create-namespace`. Neither installs Metacontroller.
import t from 'tap';
import { toolsUnavailable } from '../support/k8s-tools.js';
import { readFileSync } from 'node:fs';
import { key, parseObjects, renderChart, renderKustomize, type Obj } from '../support/metacontroller.js';

const skip = toolsUnavailable();

/** An object without the labels each tool adds for itself, nor the token values (random in the chart). */
function normalise(object: Obj): Obj {
  const copy = structuredClone(object);
  if (copy.kind === 'Secret') copy.data = Object.fromEntries(Object.keys(copy.data ?? {}).map((k) => [k, '(value)']));
  const labels = { ...copy.metadata?.labels };
  delete labels['app.kubernetes.io/managed-by'];
  delete labels['helm.sh/chart'];
  copy.metadata = { ...copy.metadata, labels };
  if (!Object.keys(labels).length) delete copy.metadata.labels;
  return copy;
}

t.test('kustomize base and Helm chart install the same objects', { skip }, async (t) => {
  const kustomize = renderKustomize();
  const chart = renderChart({ release: 'kubedirector-hooks', namespace: 'kubedirector', includeCrds: true });
  const fromKustomize = new Map(kustomize.filter((o) => o.kind !== 'Namespace').map((o) => [key(o), o]));
  const fromChart = new Map(chart.map((o) => [key(o), o]));

  t.same([...fromChart.keys()].sort(), [...fromKustomize.keys()].sort(), 'the same kinds, names and namespaces');

  for (const [id, object] of fromKustomize) {
    const other = fromChart.get(id);
    if (!other) continue;
    t.test(id, async (t) => {
      const a = normalise(object);
      const b = normalise(other);
      // Everything but metadata must be identical (spec, automountServiceAccountToken, ...).
      const { metadata: ma, ...restA } = a;
      const { metadata: mb, ...restB } = b;
      t.same(restB, restA, 'identical apart from metadata');
      t.same(mb, ma, 'identical metadata once the tool-specific labels are dropped');
    });
  }
});

t.test("metacontroller/networkpolicy.yaml is the chart's NetworkPolicy", { skip }, async (t) => {
  const file = parseObjects(readFileSync('metacontroller/networkpolicy.yaml', 'utf8'));
  const chart = renderChart({ set: ['networkPolicy.enabled=true'] }).filter((o) => o.kind === 'NetworkPolicy');
  t.equal(file.length, 1);
  t.same(chart.map(normalise), file.map(normalise));
  t.same(
    renderChart().filter((o) => o.kind === 'NetworkPolicy'),
    [],
    'off by default in the chart',
  );
});

t.test('the comparison would notice a difference', { skip }, async (t) => {
  const kustomize = new Map(renderKustomize().map((o) => [key(o), normalise(o)]));
  const changed = renderChart({ set: ['controller.hookTimeout=45s', 'livenessProbe.periodSeconds=11'] });
  const cc = changed.find((o) => o.kind === 'CompositeController')!;
  t.notSame(normalise(cc).spec, kustomize.get(key(cc))!.spec);
  const deployment = changed.find((o) => o.kind === 'Deployment')!;
  t.notSame(normalise(deployment).spec, kustomize.get(key(deployment))!.spec);
});

t.test('kubectl apply -k catalog and the chart with catalog.enabled install the same system catalog', { skip }, async (t) => {
  const kustomize = new Map(renderKustomize('catalog').map((o) => [key(o), normalise(o)]));
  const chart = new Map(
    renderChart({ release: 'kubedirector-hooks', namespace: 'kubedirector', set: ['catalog.enabled=true'] })
      .filter((o) => o.metadata?.labels?.['app.kubernetes.io/component'] === 'catalog')
      .map((o) => [key(o), normalise(o)]),
  );
  t.ok(kustomize.size > 0, 'the catalog has objects');
  t.same([...chart.keys()].sort(), [...kustomize.keys()].sort(), 'the same apps and packages');
  for (const [id, object] of kustomize) t.same(chart.get(id), object, id);
});
