// The `workers` example installed in the simulator with real guest agents: its app (edited as a
// test needs), its setup package carried by a ConfigMap next to it, and its cluster at any size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/meta.js';
import { packageKey } from '../../src/reconcile/render/packages.js';
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
  /**
   * Installs another version of the app, `name`, with the same distroID and a setup package of
   * its own (other content) carried next to it. Returns the ConfigMap key its members install from.
   */
  installVersion: (name: string, version: string) => string;
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
  const installVersion = (name: string, version: string) => {
    w.apply('test/fixtures/scenarios/workers-app.yaml', (app) => {
      app.metadata.name = name;
      app.spec.version = version;
      app.spec.roles[0].configPackage = { packageURL: `configmap://${name}-setup/appconfig.tgz` };
      options.app?.(app);
    });
    const content = buildPackage(base, 'nested', version).toString('base64');
    w.sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-setup`, namespace: NAMESPACE, labels: { 'kubedirector.hpe.com/setup-package-for': name } },
      binaryData: { 'appconfig.tgz': content },
    });
    return packageKey('worker', content);
  };
  return {
    w,
    agents,
    cluster,
    installVersion,
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
