// The long run of the hooks' mutation fuzzer (test/support/fuzz.ts): many cases per example
// cluster, against the real server. Prints cases, frozen answers, rejected requests and
// violations per example; exits 1 on any violation.
//   npx tsx bench/fuzz.ts [cases per example, default 10000] [seed, default 20261129] [examples, comma-separated]
import fc from 'fast-check';
import { buildServer } from '../src/server/app.js';
import { convergedExample, fuzzCase, runCase, type FuzzTotals } from '../test/support/fuzz.js';

const cases = Number(process.argv[2] ?? 10000);
const seed = Number(process.argv[3] ?? 20261129);
const examples = (process.argv[4] ?? 'cassandra,hadoop,kafka,spark,tensorflow').split(',');
const app = buildServer({ logLevel: 'silent' });
let failed = 0;
for (const example of examples) {
  const base = convergedExample(`clusters/${example}.yaml`);
  const totals: FuzzTotals = { cases: 0, violations: [], frozen: 0, rejected: 0 };
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(fuzzCase, async (c) => {
      await runCase(app, base, c, totals);
    }),
    { numRuns: cases, seed },
  );
  failed += totals.violations.length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${example}: ${totals.cases} cases, ${totals.violations.length} violations, ${totals.frozen} frozen, ${totals.rejected} rejected (4xx), ${seconds} s`,
  );
  for (const violation of totals.violations.slice(0, 5)) console.log(`  ${violation.slice(0, 400)}`);
}
await app.close();
process.exit(failed > 0 ? 1 : 0);
