// The app catalog as shipped: each app with the ConfigMap that carries its setup package (the
// committed, generated catalog/<app>/package.yaml; test/catalog/pack.test.ts keeps it current).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../src/api/meta.js';
import { CATALOG_DIR, readCatalog } from '../../src/catalog/pack.js';
import { readYaml, repoPath } from './fixtures.js';
import { NAMESPACE } from './requests.js';

export interface CatalogEntry {
  /** The directory under catalog/. */
  dir: string;
  app: KubeObject;
  /** The ConfigMap carrying the app's setup package, when it has one. */
  package?: KubeObject;
  /** The manifests a user applies for this app, from the repository root. */
  files: string[];
}

const inNamespace = (object: KubeObject, namespace: string): KubeObject => ({ ...object, metadata: { ...object.metadata, namespace } });

export function catalogEntries(namespace = NAMESPACE): CatalogEntry[] {
  return readCatalog(fileURLToPath(repoPath('.'))).map(({ dir }) => {
    const appFile = `${CATALOG_DIR}/${dir}/app.yaml`;
    const packageFile = `${CATALOG_DIR}/${dir}/package.yaml`;
    const carried = existsSync(repoPath(packageFile));
    return {
      dir,
      app: inNamespace(readYaml<KubeObject>(appFile), namespace),
      ...(carried ? { package: inNamespace(readYaml<KubeObject>(packageFile), namespace) } : {}),
      files: carried ? [appFile, packageFile] : [appFile],
    };
  });
}

/** The app named and its package ConfigMap, ready to go beside a cluster in a request or a simulator. */
export function catalogObjects(app: string, namespace = NAMESPACE): KubeObject[] {
  const entry = catalogEntries(namespace).find((e) => e.app.metadata.name === app);
  if (!entry) throw new Error(`no app ${app} in ${CATALOG_DIR}/`);
  return entry.package ? [entry.app, entry.package] : [entry.app];
}

/** Applies the app named and its package in the simulator, as `kubectl apply -f catalog/<app>/` does. */
export function installApp(w: { sim: { apply: (object: KubeObject) => void } }, app: string): void {
  for (const object of catalogObjects(app)) w.sim.apply(object);
}

/** The manifests a user applies for the app named, from the repository root. */
export function catalogFiles(app: string): string[] {
  const entry = catalogEntries().find((e) => e.app.metadata.name === app);
  if (!entry) throw new Error(`no app ${app} in ${CATALOG_DIR}/`);
  return entry.files;
}
