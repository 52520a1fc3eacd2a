// Copies the example app catalog (catalog/*.yaml at the repository root) into the Helm chart
// (metacontroller/chart/catalog/), which Helm can read while catalog/ is outside the chart:
//
//   npx tsx metacontroller/sync-chart-catalog.ts
//
// Only files holding a KubeDirectorApp are copied, verbatim behind a one-line header.
// test/metacontroller/catalog.test.ts fails when the chart's copy is stale.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const SOURCE_DIR = 'catalog';
export const CHART_CATALOG_DIR = 'metacontroller/chart/catalog';

const YAML_FILE = /\.ya?ml$/;

function holdsApp(text: string): boolean {
  return parseAllDocuments(text).some((doc) => {
    const value = doc.toJS() as { kind?: unknown } | null;
    return value !== null && typeof value === 'object' && value.kind === 'KubeDirectorApp';
  });
}

/**
 * The chart's catalog files (name to content) that catalog/ calls for, or undefined when the
 * repository has no catalog/ directory.
 */
export function expectedChartCatalog(root = REPO_ROOT): Map<string, string> | undefined {
  const source = join(root, SOURCE_DIR);
  if (!existsSync(source)) return undefined;
  const files = new Map<string, string>();
  for (const name of readdirSync(source).filter((n) => YAML_FILE.test(n)).sort()) {
    const text = readFileSync(join(source, name), 'utf8');
    if (!holdsApp(text)) continue;
    const target = name.replace(YAML_FILE, '.yaml');
    const header = `# Generated from ${SOURCE_DIR}/${name} by \`npx tsx metacontroller/sync-chart-catalog.ts\`. Do not edit.\n`;
    files.set(target, header + text);
  }
  return files;
}

/** The YAML files now in the chart's catalog directory (name to content). */
export function actualChartCatalog(root = REPO_ROOT): Map<string, string> {
  const dir = join(root, CHART_CATALOG_DIR);
  if (!existsSync(dir)) return new Map();
  return new Map(
    readdirSync(dir)
      .filter((n) => YAML_FILE.test(n))
      .sort()
      .map((n) => [n, readFileSync(join(dir, n), 'utf8')]),
  );
}

/** Rewrites the chart's catalog from catalog/, removing stale copies; returns the files written. */
export function syncChartCatalog(root = REPO_ROOT): string[] {
  const files = expectedChartCatalog(root) ?? new Map<string, string>();
  const dir = join(root, CHART_CATALOG_DIR);
  mkdirSync(dir, { recursive: true });
  for (const stale of actualChartCatalog(root).keys()) if (!files.has(stale)) rmSync(join(dir, stale));
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  return [...files.keys()];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = syncChartCatalog();
  console.log(`wrote ${written.length} files to ${CHART_CATALOG_DIR}/${written.length ? `: ${written.join(', ')}` : ''}`);
}
