// The hooks' mutation fuzzer (test/support/fuzz.ts) on every example cluster, with a fixed seed:
// no 5xx, the same bytes for the same request, nothing dropped that the plan did not mean to
// remove, and a reason on every frozen answer. bench/fuzz.ts runs it at length.
import t from 'tap';
import fc from 'fast-check';
import { buildServer } from '../../src/server/app.js';
import { convergedExample, fuzzCase, runCase, type FuzzTotals } from '../support/fuzz.js';

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 40), seed: Number(process.env.FUZZ_SEED ?? 20261129) };
const EXAMPLES = ['cassandra', 'hadoop', 'kafka', 'spark', 'tensorflow'];

const app = buildServer({ logLevel: 'silent' });
t.teardown(() => app.close());

for (const example of EXAMPLES) {
  t.test(`mutations of a converged ${example} cluster`, async (t) => {
    const base = convergedExample(`clusters/${example}.yaml`);
    const totals: FuzzTotals = { cases: 0, violations: [], frozen: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        await runCase(app, base, c, totals);
      }),
      RUNS,
    );
    t.equal(totals.cases, RUNS.numRuns, `${totals.cases} cases, ${totals.frozen} frozen, ${totals.rejected} rejected`);
    t.same(totals.violations.slice(0, 5), [], 'no violation');
  });
}
