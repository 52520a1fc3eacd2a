// The hooks' answers through a day in the life of each example, recorded on the in-memory
// simulator: create, scale up and down, storage growth, service type changes and connections.
// test/cluster replays them against the real API server.
import type { KubeObject } from '../../../src/api/meta.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../support/guest.js';
import { NAMESPACE, world, type World } from '../../support/world.js';
import { readYaml, repoPath } from '../../support/fixtures.js';
import { catalogEntries } from '../../support/catalog.js';
import type { Obj } from './kube.js';

export interface Example {
  name: string;
  app: string;
  cluster: string;
  /** Objects the app needs beside it (in the cluster's namespace). */
  extras?: () => Obj[];
  /** Whether to go through the edits that do not depend on the app (service types, connections) too. */
  full?: boolean;
}

/** Every example cluster with its catalog app (and the package it carries), as shipped; and the workers fixture. */
export const EXAMPLES: Example[] = [
  ...readdirSync(repoPath('clusters'))
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file): Example => {
      const cluster = `clusters/${file}`;
      const entry = catalogEntries().find((e) => e.app.metadata.name === readYaml<Obj>(cluster).spec.app);
      if (!entry) throw new Error(`${cluster}: its app is not in catalog/`);
      const carried = entry.package;
      // The app-independent edits once, on Spark; every app goes through scaling and storage.
      return {
        name: entry.dir,
        app: entry.files[0]!,
        cluster,
        full: entry.dir === 'spark',
        ...(carried ? { extras: () => [carried] } : {}),
      };
    }),
  {
    name: 'workers',
    app: 'test/fixtures/scenarios/workers-app.yaml',
    cluster: 'test/fixtures/scenarios/workers-cluster.yaml',
    extras: () => [setupPackage('workers', 'workers-setup', 'appconfig.tgz')],
    full: true,
  },
];

export interface Answer {
  step: string;
  hook: 'sync' | 'finalize';
  /** The uid of the parent the hooks answered for. */
  parentUid: string;
  children: KubeObject[];
  status: Obj | undefined;
}

interface Step {
  name: string;
  change: (spec: Obj) => void;
}

/** The cluster's spec edits, in order, each applied on top of the previous ones. */
function steps(cluster: Obj, full: boolean): Step[] {
  const roles = cluster.spec.roles as Obj[];
  const biggest = roles.reduce((a, b) => ((b.members ?? 1) > (a.members ?? 1) ? b : a));
  const withStorage = roles.find((r) => r.storage?.size);
  const list: Step[] = [
    { name: `scale ${biggest.id} up by 2`, change: (spec) => (role(spec, biggest.id).members = (biggest.members ?? 1) + 2) },
    { name: `scale ${biggest.id} down to 1`, change: (spec) => (role(spec, biggest.id).members = 1) },
  ];
  if (withStorage) {
    list.push({
      name: `grow ${withStorage.id}'s storage`,
      change: (spec) => (role(spec, withStorage.id).storage.size = grow(withStorage.storage.size)),
    });
  }
  if (!full) return list;
  list.push(
    { name: 'serviceType NodePort', change: (spec) => (spec.serviceType = 'NodePort') },
    { name: 'serviceType LoadBalancer', change: (spec) => (spec.serviceType = 'LoadBalancer') },
    { name: 'serviceType ClusterIP', change: (spec) => (spec.serviceType = 'ClusterIP') },
    { name: 'connect a ConfigMap', change: (spec) => (spec.connections = { configmaps: ['shared-settings'] }) },
  );
  return list;
}

/** A ConfigMap that carries an app's setup package (a fake one that records its calls). */
function setupPackage(app: string, name: string, key: string): Obj {
  const work = mkdtempSync(join(tmpdir(), 'kd-package-'));
  try {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { 'kubedirector.hpe.com/setup-package-for': app } },
      binaryData: { [key]: buildPackage(work).toString('base64') },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const role = (spec: Obj, id: string) => (spec.roles as Obj[]).find((r) => r.id === id)!;
const grow = (size: string) => `${Number(/^\d+/.exec(size)![0]) * 2}${size.replace(/^\d+/, '')}`;

/** The connected ConfigMap of the last step. */
export const SHARED_SETTINGS: Obj = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'shared-settings', labels: { 'kubedirector.hpe.com/cmType': 'settings' } },
  data: { region: 'eu-west' },
};

/** Every 200 answer of sync and finalize for the example, in the order the hooks gave them, and the simulator's errors. */
export async function recordAnswers(example: Example): Promise<{ answers: Answer[]; errors: string[] }> {
  const w: World = await world();
  try {
    const answers: Answer[] = [];
    let seen = 0;
    const record = (step: string) => {
      for (const call of w.sim.calls.slice(seen)) {
        if (call.hook === 'customize' || call.status !== 200) continue;
        const response = call.response as { children?: KubeObject[]; status?: Obj };
        const parentUid = (call.request as { parent: Obj }).parent.metadata.uid;
        answers.push({ step, hook: call.hook, parentUid, children: response.children ?? [], status: response.status });
      }
      seen = w.sim.calls.length;
    };
    const cluster = readYaml<Obj>(example.cluster);
    const spec = structuredClone(cluster.spec);
    w.apply(example.app);
    w.apply(example.cluster);
    for (const extra of [SHARED_SETTINGS, ...(example.extras?.() ?? [])]) {
      w.sim.apply({ ...structuredClone(extra), metadata: { ...extra.metadata, namespace: NAMESPACE } } as KubeObject);
    }
    await w.sim.converge({ maxRounds: 60 });
    record('create');
    for (const step of steps(cluster, example.full ?? false)) {
      step.change(spec);
      w.apply(example.cluster, (o) => (o.spec = structuredClone(spec)));
      await w.sim.converge({ maxRounds: 60 });
      record(step.name);
    }
    w.sim.delete('KubeDirectorCluster', NAMESPACE, cluster.metadata.name);
    await w.sim.converge({ maxRounds: 60 });
    record('delete');
    return { answers, errors: w.sim.errors };
  } finally {
    await w.close();
  }
}
