// Reads YAML or JSON fixtures relative to the repository root.
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';

export const repoPath = (path: string) => new URL(`../../${path}`, import.meta.url);

export function readYaml<T = Record<string, unknown>>(path: string): T {
  return parse(readFileSync(repoPath(path), 'utf8')) as T;
}

export function readYamlDocuments<T = Record<string, unknown>>(path: string): T[] {
  return parseAllDocuments(readFileSync(repoPath(path), 'utf8')).map((doc) => doc.toJS() as T);
}

export const clone = <T>(value: T): T => structuredClone(value);
