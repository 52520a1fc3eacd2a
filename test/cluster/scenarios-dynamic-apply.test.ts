// The examples on the real control plane, with Metacontroller's dynamic-apply strategy.
import t from 'tap';
import { useControlPlane } from './support/cluster.js';
import { runScenarios } from './support/scenarios.js';

t.setTimeout(900_000);
const session = await useControlPlane(t);
if (session) await runScenarios(t, session, 'dynamic-apply');
