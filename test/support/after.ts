// tap's after script: stops the real control plane of this run (keeping its logs when a test of
// that group failed), then fails the run if any test made no assertion.
import { readFileSync } from 'node:fs';
import { stopControlPlane } from '../cluster/support/controlplane.js';
import { RUN_STARTED, testsWithoutAssertions } from './audit.js';

const kept = await stopControlPlane();
if (kept) console.log(`# control plane logs kept in ${kept}`);

const since = Number(readFileSync(RUN_STARTED, 'utf8'));
const empty = testsWithoutAssertions(since);
if (empty.length) {
  console.log(`# ${empty.length} tests made no assertion (plan one, or skip with a reason):`);
  for (const test of empty) console.log(`#   ${test}`);
  process.exitCode = 1;
}
