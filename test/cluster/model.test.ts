// The in-memory simulator against reality: every child the hooks render for the examples,
// created on the simulator's API server and (dry run) on the real one, is stored the same way,
// defaults included. Where they differed, the model was fixed; this keeps it honest.
import t from 'tap';
import { ApiServer } from '../../src/sim/apiserver.js';
import { Clock } from '../../src/sim/clock.js';
import { freshNamespace, prepareCluster, useControlPlane } from './support/cluster.js';
import type { Obj } from './support/kube.js';
import { EXAMPLES, recordAnswers } from './support/rounds.js';

t.setTimeout(300_000);

/** What only the server decides: identity, time, allocations it makes, and status. */
const SERVER_CHOSEN = new Set([
  '.metadata.uid',
  '.metadata.resourceVersion',
  '.metadata.creationTimestamp',
  '.metadata.managedFields',
  '.metadata.generation',
  '.status',
]);
const ALLOCATED = /^\.spec\.(clusterIPs?|ports\[\d+\]\.nodePort|healthCheckNodePort)$/;

function differences(model: unknown, real: unknown, path = ''): string[] {
  if (SERVER_CHOSEN.has(path) || ALLOCATED.test(path)) return [];
  if (Array.isArray(model) && Array.isArray(real) && model.length === real.length)
    return model.flatMap((m, i) => differences(m, real[i], `${path}[${i}]`));
  if (model && real && typeof model === 'object' && typeof real === 'object' && !Array.isArray(model) && !Array.isArray(real)) {
    const keys = new Set([...Object.keys(model), ...Object.keys(real)]);
    return [...keys].sort().flatMap((k) => differences((model as Obj)[k], (real as Obj)[k], `${path}.${k}`));
  }
  return JSON.stringify(model) === JSON.stringify(real) ? [] : [`${path}: model ${JSON.stringify(model)}, real ${JSON.stringify(real)}`];
}

const session = await useControlPlane(t);
if (session) {
  const { kube } = session;
  await prepareCluster(kube);
  const ns = await freshNamespace(kube, 'model');

  for (const example of EXAMPLES) {
    t.test(`${example.name}: the simulator stores every rendered child as the real API server does`, async (t) => {
      const model = new ApiServer(new Clock());
      const seen = new Set<string>();
      const found: string[] = [];
      const { answers, errors } = await recordAnswers(example);
      t.same(errors, [], 'the simulator played the example without errors');
      for (const answer of answers) {
        for (const child of answer.children) {
          const key = `${child.kind}/${child.metadata.name}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const object = { ...structuredClone(child), metadata: { ...structuredClone(child.metadata), namespace: ns } };
          const real = await kube.create(object, { dryRun: true });
          const simulated = model.create(object);
          found.push(...differences(simulated, real).map((d) => `${key} ${d}`));
        }
      }
      t.ok(seen.size >= 5, `${seen.size} children compared`);
      t.same(found, [], 'no field stored differently');
    });
  }
}
