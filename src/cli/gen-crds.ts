// Writes the CRDs generated from the TypeBox schemas into every CRD directory (npm run gen:crds).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_DIRECTORIES, renderCrdFiles } from '../api/crd.js';

for (const { dir, kustomization } of CRD_DIRECTORIES) {
  const files = renderCrdFiles({ kustomization });
  mkdirSync(dir, { recursive: true });
  for (const stale of readdirSync(dir)) if (!files.has(stale)) rmSync(join(dir, stale));
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  console.log(`wrote ${files.size} files to ${dir}/`);
}
