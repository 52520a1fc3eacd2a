// tap's before script: notes when the run started, for the after script's audit, and prepares
// the real control plane group (test/cluster).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { prepareControlPlane } from '../cluster/support/before.js';
import { RUN_STARTED } from './audit.js';

mkdirSync(dirname(RUN_STARTED), { recursive: true });
writeFileSync(RUN_STARTED, String(Date.now()));
await prepareControlPlane();
