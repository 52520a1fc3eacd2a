// The files behind `-f`, as kubectl reads them: a file, a directory (its *.yaml, *.yml and *.json
// files, sorted by name, not recursing), or - for standard input.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInput, type RenderDocument } from './render.js';

const MANIFEST = /\.(ya?ml|json)$/;

function filesOf(path: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new InvalidInput(`${path}: no such file or directory`);
  }
  if (!isDirectory) return [path];
  const files = readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isFile() && MANIFEST.test(entry.name))
    .map((entry) => join(path, entry.name))
    .sort();
  if (files.length === 0) throw new InvalidInput(`${path}: the directory holds no .yaml, .yml or .json files`);
  return files;
}

export function readInputs(paths: string[], stdin: () => string = () => readFileSync(0, 'utf8')): RenderDocument[] {
  return paths.flatMap((path) =>
    path === '-'
      ? [{ source: '<stdin>', text: stdin() }]
      : filesOf(path).map((file) => ({ source: file, text: readFileSync(file, 'utf8') })),
  );
}
