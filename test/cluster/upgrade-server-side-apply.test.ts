// Another app version on the real control plane, with Metacontroller's server-side-apply strategy.
import t from 'tap';
import { useControlPlane } from './support/cluster.js';
import { runUpgrade } from './support/upgrade.js';

t.setTimeout(600_000);
const session = await useControlPlane(t);
if (session) await runUpgrade(t, session, 'server-side-apply');
