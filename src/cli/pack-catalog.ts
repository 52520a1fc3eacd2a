// Packs the app catalog's setup packages and writes its generated files (npm run pack:catalog);
// see src/catalog/pack.ts for what they are. Stale generated files are removed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentCatalog, generatedCatalog } from '../catalog/pack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = generatedCatalog(root);
for (const stale of currentCatalog(root).keys()) if (!files.has(stale)) rmSync(join(root, stale));
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
console.log(`wrote ${files.size} files:\n  ${[...files.keys()].join('\n  ')}`);
