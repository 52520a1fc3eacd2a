// tap's after script: stops the shared control plane by the pids it recorded; keeps its logs when
// a test of the group failed.
import { stopControlPlane } from './controlplane.js';

const kept = await stopControlPlane();
if (kept) console.log(`# control plane logs kept in ${kept}`);
