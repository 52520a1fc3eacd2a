// Run once before the tests (from tap's before script): decides whether the real control plane
// group runs, builds it when the cache is empty, and stops what an earlier run whose runner is
// gone left behind.
import { buildControlPlane, controlPlaneUnavailable, reapStaleRuns } from './controlplane.js';

export async function prepareControlPlane(): Promise<void> {
  const why = controlPlaneUnavailable();
  if (why) {
    if (process.env.KD_REQUIRE_CONTROLPLANE === '1') {
      console.error(`KD_REQUIRE_CONTROLPLANE=1, but ${why}`);
      process.exit(1);
    }
    console.log(`# ${why}`);
    return;
  }
  await reapStaleRuns();
  buildControlPlane();
}
