// The app catalog's generated files, from its sources. Each app is a directory catalog/<app>/
// holding app.yaml (its KubeDirectorApp) and, when it has a setup package, package/ (the
// startscript and what it uses). From them come:
//
//   catalog/<app>/package.yaml       the package packed into a ConfigMap labelled for the app,
//                                    which the app names as configmap://<app>-setup/appconfig.tgz
//   catalog/kustomization.yaml       every app and package, as a kustomization (the system catalog)
//   metacontroller/chart/catalog/<app>.yaml   the chart's copy of both (Helm reads only its own files)
//
// Packing is deterministic (see tar.ts), so the generated files change only with their sources.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import { PACKAGE_LABEL } from '../reconcile/labels.js';
import { tarGzip, type TarFile } from './tar.js';

export const CATALOG_DIR = 'catalog';
export const CHART_CATALOG_DIR = 'metacontroller/chart/catalog';
/** The directory packed files sit under inside the archive (the agent finds `*\/startscript`). */
export const PACKAGE_ROOT = 'appconfig';
export const PACKAGE_KEY = 'appconfig.tgz';
export const SYSTEM_NAMESPACE = 'kubedirector';
/** The labels the kustomize base puts on its objects, for the catalog's (the chart puts its own). */
const catalogLabels = (version: string) => ({
  'app.kubernetes.io/name': 'kubedirector-hooks',
  'app.kubernetes.io/instance': 'kubedirector-hooks',
  'app.kubernetes.io/version': version,
  'app.kubernetes.io/component': 'catalog',
  'app.kubernetes.io/part-of': 'kubedirector',
  'app.kubernetes.io/managed-by': 'kustomize',
});

/** The project's version, from the package.json at root. */
function projectVersion(root: string): string {
  const file = join(root, 'package.json');
  return existsSync(file) ? String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version) : '0.0.0';
}
const COMMAND = 'npm run pack:catalog';

export const packageConfigMapName = (app: string) => `${app}-setup`;
export const packageURL = (app: string) => `configmap://${packageConfigMapName(app)}/${PACKAGE_KEY}`;

export interface CatalogApp {
  /** The directory name under catalog/. */
  dir: string;
  /** The KubeDirectorApp's metadata.name. */
  name: string;
  appYaml: string;
  /** The package's sources, when the app has a package/ directory. */
  packageFiles?: TarFile[];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

export function readCatalog(root: string): CatalogApp[] {
  const catalog = join(root, CATALOG_DIR);
  if (!existsSync(catalog)) return [];
  return readdirSync(catalog, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(catalog, e.name, 'app.yaml')))
    .map((e) => e.name)
    .sort()
    .map((dir) => {
      const appYaml = readFileSync(join(catalog, dir, 'app.yaml'), 'utf8');
      const app = parse(appYaml) as { kind?: string; metadata?: { name?: string } } | null;
      if (app?.kind !== 'KubeDirectorApp' || !app.metadata?.name)
        throw new Error(`${CATALOG_DIR}/${dir}/app.yaml: not a named KubeDirectorApp`);
      const sources = join(catalog, dir, 'package');
      const packageFiles = existsSync(sources)
        ? walk(sources).map((file) => ({
            path: [PACKAGE_ROOT, ...relative(sources, file).split(sep)].join('/'),
            content: readFileSync(file),
            executable: (statSync(file).mode & 0o100) !== 0,
          }))
        : undefined;
      return { dir, name: app.metadata.name, appYaml, ...(packageFiles ? { packageFiles } : {}) };
    });
}

/** The ConfigMap that carries an app's package, as YAML. */
export function packageConfigMap(app: CatalogApp): string {
  if (!app.packageFiles) throw new Error(`${app.dir} has no package`);
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: packageConfigMapName(app.name), labels: { [PACKAGE_LABEL]: app.name } },
    binaryData: { [PACKAGE_KEY]: tarGzip(app.packageFiles).toString('base64') },
  };
  return `# Generated from ${CATALOG_DIR}/${app.dir}/package/ by \`${COMMAND}\`. Do not edit.\n${stringify(configMap, { lineWidth: 0 })}`;
}

/** Every generated file (path from the repository root to content). */
export function generatedCatalog(root: string): Map<string, string> {
  const apps = readCatalog(root);
  const files = new Map<string, string>();
  const resources: string[] = [];
  for (const app of apps) {
    resources.push(`${app.dir}/app.yaml`);
    const docs = [app.appYaml];
    if (app.packageFiles) {
      const configMap = packageConfigMap(app);
      files.set(`${CATALOG_DIR}/${app.dir}/package.yaml`, configMap);
      resources.push(`${app.dir}/package.yaml`);
      docs.push(configMap);
    }
    const header = `# Generated from ${CATALOG_DIR}/${app.dir}/ by \`${COMMAND}\`. Do not edit.\n`;
    files.set(`${CHART_CATALOG_DIR}/${app.dir}.yaml`, header + docs.map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('---\n'));
  }
  if (apps.length > 0) {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: SYSTEM_NAMESPACE,
      labels: [{ pairs: catalogLabels(projectVersion(root)) }],
      resources,
    };
    const header = `# The system catalog (kubectl apply -k ${CATALOG_DIR}), beside the base in metacontroller/. Generated by \`${COMMAND}\`. Do not edit.\n`;
    files.set(`${CATALOG_DIR}/kustomization.yaml`, header + stringify(kustomization));
  }
  return files;
}

/** Generated files on disk now: the chart's catalog, the kustomization and every package.yaml. */
export function currentCatalog(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const read = (path: string) => {
    if (existsSync(join(root, path))) files.set(path, readFileSync(join(root, path), 'utf8'));
  };
  const chart = join(root, CHART_CATALOG_DIR);
  if (existsSync(chart))
    for (const name of readdirSync(chart)
      .filter((n) => n.endsWith('.yaml'))
      .sort())
      read(`${CHART_CATALOG_DIR}/${name}`);
  read(`${CATALOG_DIR}/kustomization.yaml`);
  const catalog = join(root, CATALOG_DIR);
  if (existsSync(catalog)) {
    for (const entry of readdirSync(catalog, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      read(`${CATALOG_DIR}/${entry.name}/package.yaml`);
    }
  }
  return files;
}
