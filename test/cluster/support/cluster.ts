// What every test file of the real control plane group starts with: the shared control plane
// (or a skip that says why there is none), a client of it, CRDs installed and a namespace of
// the file's own, so that files running in parallel never see each other's objects.
import type { Test } from 'tap';
import { readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { controlPlane, controlPlaneUnavailable, markFailed, type ControlPlane } from './controlplane.js';
import { Kube, type Obj } from './kube.js';
import { until } from './poll.js';
import { STORAGE_CLASS } from './volumes.js';
import { repoPath } from '../../support/fixtures.js';

export interface Session {
  plane: ControlPlane;
  kube: Kube;
}

/** The control plane for t, or undefined after planning t as skipped. */
export async function useControlPlane(t: Test): Promise<Session | undefined> {
  const why = controlPlaneUnavailable();
  if (why) {
    if (process.env.KD_REQUIRE_CONTROLPLANE === '1') throw new Error(why);
    t.plan(0, why);
    return undefined;
  }
  const plane = await controlPlane();
  const kube = new Kube(plane);
  t.teardown(() => {
    if (!t.passing()) markFailed();
    kube.close();
  });
  return { plane, kube };
}

/** The CRDs of a directory, as committed. */
export function crdsOf(dir: string): Obj[] {
  return readdirSync(repoPath(dir))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((f) => parse(readFileSync(repoPath(`${dir}/${f}`), 'utf8')) as Obj);
}

/** Whether a CRD's Established condition is True. */
export const established = (crd: Obj | undefined) =>
  (crd?.status?.conditions ?? []).some((c: Obj) => c.type === 'Established' && c.status === 'True');

/** Applies crds/ (server-side, idempotent) and waits until every one is Established. */
export async function installCrds(kube: Kube, dir = 'crds', fieldManager = 'kubedirector-hooks-tests'): Promise<Obj[]> {
  const crds = crdsOf(dir);
  for (const crd of crds) {
    try {
      await kube.apply(crd, fieldManager, { force: true, fieldValidation: 'Strict' });
    } catch (error) {
      throw new Error(`${dir}: the API server refused ${crd.metadata.name}: ${(error as Error).message}`);
    }
  }
  const stored: Obj[] = [];
  for (const crd of crds) {
    const current = await until(`CRD ${crd.metadata.name} to become Established`, async () => {
      const read = await kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd.metadata.name);
      return established(read) && read;
    });
    stored.push(current);
  }
  return stored;
}

/** What every cluster-wide test needs first: the CRDs Established, and the default StorageClass. */
export async function prepareCluster(kube: Kube): Promise<void> {
  await installCrds(kube);
  await kube.apply(STORAGE_CLASS, 'kubedirector-hooks-tests', { force: true });
}

/** A namespace of this name, created fresh (an earlier one of the same name is deleted first). */
export async function freshNamespace(kube: Kube, name: string): Promise<string> {
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  // An earlier namespace of this name is deleted first, and its deletion waits for its contents.
  await until(
    `namespace ${name} to be created afresh`,
    async () => {
      try {
        return await kube.create(namespace);
      } catch {
        await kube.delete(namespace);
        return undefined;
      }
    },
    60_000,
    200,
  );
  // Pods need the namespace's default ServiceAccount, which the controller manager creates.
  await until(`the default ServiceAccount in ${name}`, () => kube.get('v1', 'ServiceAccount', name, 'default'));
  return name;
}
