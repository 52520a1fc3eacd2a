// The `workers` example installed in the simulator with real guest agents: its app (edited as a
// test needs), its setup package carried by a ConfigMap next to it, and its cluster at any size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/meta.js';
import { realAgents, type AgentOptions, type Agents } from './agents.js';
import { buildPackage } from './guest.js';
import { NAMESPACE, world, type World } from './world.js';

export interface Workers {
  w: World;
  agents: Agents;
  /** Applies the example cluster with a change. */
  cluster: (change: (cluster: any) => void) => KubeObject;
  /** Applies the example cluster with this many workers. */
  scale: (members: number) => KubeObject;
  /** Stops the hook server and removes the agents' roots. */
  close: () => Promise<void>;
}

export interface WorkersOptions {
  agents?: AgentOptions;
  secondsPerRound?: number;
  /** A change to the app before it is applied. */
  app?: (app: any) => void;
}

export async function workersWorld(options: WorkersOptions = {}): Promise<Workers> {
  const base = mkdtempSync(join(tmpdir(), 'kd-workers-'));
  const agents = realAgents(base, options.agents);
  const w = await world(agents.container, options.secondsPerRound !== undefined ? { secondsPerRound: options.secondsPerRound } : {});
  w.apply('test/fixtures/scenarios/workers-app.yaml', options.app);
  w.sim.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'workers-setup', namespace: NAMESPACE, labels: { 'kubedirector.hpe.com/setup-package-for': 'workers' } },
    binaryData: { 'appconfig.tgz': buildPackage(base).toString('base64') },
  });
  const cluster = (change: (cluster: any) => void) => w.apply('test/fixtures/scenarios/workers-cluster.yaml', change);
  return {
    w,
    agents,
    cluster,
    scale: (members) =>
      cluster((o) => {
        o.spec.roles[0].members = members;
      }),
    close: async () => {
      await w.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
