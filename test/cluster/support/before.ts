// tap's before script: decides once per run whether the real control plane group runs, builds it
// when the cache is empty, and clears what an earlier run that never reached its after script left.
import { buildControlPlane, controlPlaneUnavailable, reapStaleRuns } from './controlplane.js';

const why = controlPlaneUnavailable();
if (why) {
  if (process.env.KD_REQUIRE_CONTROLPLANE === '1') {
    console.error(`KD_REQUIRE_CONTROLPLANE=1, but ${why}`);
    process.exit(1);
  }
  console.log(`# ${why}`);
} else {
  await reapStaleRuns();
  buildControlPlane();
}
