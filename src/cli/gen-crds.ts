// Writes crds/*.yaml from the TypeBox schemas (npm run gen:crds).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdFiles } from '../api/crd.js';

const dir = process.argv[2] ?? 'crds';
mkdirSync(dir, { recursive: true });
const files = renderCrdFiles();
for (const stale of readdirSync(dir)) if (!files.has(stale)) rmSync(join(dir, stale));
for (const [name, content] of files) writeFileSync(join(dir, name), content);
console.log(`wrote ${files.size} CRDs to ${dir}/`);
