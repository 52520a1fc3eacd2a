// The import graph of src/reconcile, as its index.ts describes it: steps depend only on shared
// modules and earlier steps, and no import cycle exists.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../src/reconcile/', import.meta.url));

const LAYERS: [layer: string, modules: RegExp][] = [
  [
    'shared',
    /^(app-queries|configmeta|connections|kinds|labels|names|notify|observed|pods|progress|quantity|secret-keys|render\/persist)$/,
  ],
  ['resolve', /^(prior-status|resolve)$/],
  ['validate', /^validate$/],
  ['plan', /^plan$/],
  ['render', /^render\//],
  ['status', /^(status|apply-strategy|transition-times)$/],
  ['hooks', /^(invariant|boundary|sync|customize|finalize|index)$/],
];

function modules(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return modules(path);
    return path.endsWith('.ts') ? [relative(ROOT, path).replace(/\.ts$/, '')] : [];
  });
}

function importsOf(module: string): string[] {
  const source = readFileSync(join(ROOT, `${module}.ts`), 'utf8');
  return [...source.matchAll(/from '(\.[^']+)\.js'/g)]
    .map((m) => relative(ROOT, normalize(join(ROOT, dirname(module), m[1]!))))
    .filter((target) => !target.startsWith('..'));
}

const rank = (module: string) => LAYERS.findIndex(([, pattern]) => pattern.test(module));
const all = modules();
const graph = new Map(all.map((m) => [m, importsOf(m)]));

t.test('every module belongs to a layer', async (t) => {
  t.same(
    all.filter((m) => rank(m) < 0),
    [],
  );
});

t.test('imports run forward: shared modules and earlier steps only', async (t) => {
  const backwards = [...graph].flatMap(([from, targets]) =>
    targets
      .filter((to) => rank(to) > rank(from) || (rank(from) === 0 && rank(to) !== 0))
      .map((to) => `${from} (${LAYERS[rank(from)]![0]}) imports ${to} (${LAYERS[rank(to)]![0]})`),
  );
  t.same(backwards, []);
});

t.test('no import cycle', async (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (module: string, path: string[]) => {
    if (state.get(module) === 'done') return;
    if (state.get(module) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(module)), module].join(' -> '));
      return;
    }
    state.set(module, 'visiting');
    for (const next of graph.get(module) ?? []) visit(next, [...path, module]);
    state.set(module, 'done');
  };
  for (const module of all) visit(module, []);
  t.same(cycles, []);
});
