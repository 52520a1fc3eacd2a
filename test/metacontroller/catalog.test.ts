// The chart's copy of the example catalog (metacontroller/chart/catalog/) is what
// `npx tsx metacontroller/sync-chart-catalog.ts` makes of catalog/.
import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actualChartCatalog, expectedChartCatalog, syncChartCatalog } from '../../metacontroller/sync-chart-catalog.js';

t.test('the chart catalog is in sync with catalog/', async (t) => {
  const expected = expectedChartCatalog();
  const actual = actualChartCatalog();
  if (expected === undefined) {
    t.same([...actual.keys()], [], 'no catalog/ directory, so no copy in the chart either');
    return;
  }
  t.same([...actual.keys()], [...expected.keys()], 'the same files (run `npx tsx metacontroller/sync-chart-catalog.ts`)');
  for (const [name, content] of expected) t.equal(actual.get(name), content, `${name} is current`);
});

t.test('the sync script copies apps, skips other YAML and removes stale copies', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kd-catalog-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'catalog'));
  mkdirSync(join(root, 'metacontroller/chart/catalog'), { recursive: true });
  const app = 'apiVersion: kubedirector.hpe.com/v1beta1\nkind: KubeDirectorApp\nmetadata:\n  name: demo\nspec: {}\n';
  writeFileSync(join(root, 'catalog/demo.yml'), app);
  writeFileSync(join(root, 'catalog/kustomization.yaml'), 'resources: [demo.yml]\n');
  writeFileSync(join(root, 'catalog/notes.md'), '# not YAML\n');
  writeFileSync(join(root, 'metacontroller/chart/catalog/old.yaml'), app);
  writeFileSync(join(root, 'metacontroller/chart/catalog/README.md'), 'kept\n');

  t.not(JSON.stringify([...actualChartCatalog(root)]), JSON.stringify([...expectedChartCatalog(root)!]), 'stale before the sync');
  t.same(syncChartCatalog(root), ['demo.yaml']);
  t.same(readdirSync(join(root, 'metacontroller/chart/catalog')).sort(), ['README.md', 'demo.yaml']);
  const copy = actualChartCatalog(root).get('demo.yaml')!;
  t.match(copy, /^# Generated from catalog\/demo.yml by `npx tsx metacontroller\/sync-chart-catalog.ts`\. Do not edit\.\n/);
  t.ok(copy.endsWith(app), 'the app is copied verbatim');
  t.same([...actualChartCatalog(root)], [...expectedChartCatalog(root)!], 'in sync after the sync');

  rmSync(join(root, 'catalog'), { recursive: true });
  t.equal(expectedChartCatalog(root), undefined, 'no catalog/ directory');
  t.same(syncChartCatalog(root), []);
  t.same(readdirSync(join(root, 'metacontroller/chart/catalog')), ['README.md']);
});
