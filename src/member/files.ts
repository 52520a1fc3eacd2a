// The channel directory's object views: `<name>` is a symlink to `.<name>-<version>`, a directory
// of read-only files swapped in with one rename, as the kubelet's AtomicWriter swaps `..data`.
// A reader that resolved the old link keeps a whole old view; the previous version directory is
// kept because such a reader may still be copying from it.
import { chmod, mkdir, open, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Obj } from './api.js';
import { decodeTail } from './progress.js';

/** File name → content. */
export type Files = Map<string, Buffer>;

/** The key names the API server accepts for ConfigMaps and Secrets: never a path, never a hidden `..` name. */
export const validKey = (key: string) => /^[-._a-zA-Z0-9]+$/.test(key) && key !== '.' && key !== '..' && !key.startsWith('..');

/** What a ConfigMap projects: `data` as UTF-8, `binaryData` decoded. */
export function configMapFiles(configMap: Obj): Files {
  const files: Files = new Map();
  for (const [key, value] of Object.entries(configMap.data ?? {})) files.set(key, Buffer.from(value, 'utf8'));
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) files.set(key, Buffer.from(value, 'base64'));
  return files;
}

/** What a Secret projects: `data` decoded. */
export function secretFiles(secret: Obj): Files {
  const files: Files = new Map();
  for (const [key, value] of Object.entries(secret.data ?? {})) files.set(key, Buffer.from(value, 'base64'));
  return files;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The version directory `<dir>/<name>` points at, or undefined when there is no such link. */
async function currentTarget(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, name));
  } catch (error) {
    // Not a symlink (EINVAL): something else sits there; it is replaced like a missing link.
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EINVAL') return undefined;
    throw error;
  }
}

/** Whether the directory holds exactly these files. */
async function holds(path: string, files: Files): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  if (names.length !== files.size) return false;
  for (const name of names) {
    const expected = files.get(name);
    if (!expected || !expected.equals(await readFile(join(path, name)))) return false;
  }
  return true;
}

/** Version strings become part of a file name: resourceVersions are digits, but nothing else may pass. */
const safeVersion = (version: string) => version.replace(/[^A-Za-z0-9._-]/g, '_') || '_';

export interface Published {
  /** False when the view already held these files, and nothing was written. */
  written: boolean;
  /** The version directory `<name>` points at now. */
  target: string;
}

/**
 * Makes `<dir>/<name>` show exactly files, as version `version`: the new directory is written
 * fully, then a temporary symlink to it is renamed over `<name>`. Directories older than the
 * previous one are deleted. Nothing is written when the current view holds these files already.
 */
export async function publish(dir: string, name: string, version: string, files: Files): Promise<Published> {
  const previous = await currentTarget(dir, name);
  if (previous !== undefined && (await holds(join(dir, previous), files))) return { written: false, target: previous };
  for (const key of files.keys()) if (!validKey(key)) throw new Error(`refusing to write a file named ${JSON.stringify(key)}`);

  let target = `.${name}-${safeVersion(version)}`;
  // The same version with other content (edited by hand?) must not overwrite what readers see.
  if (target === previous) target = `${target}-${Date.now()}`;
  const staging = join(dir, `.${name}.tmp-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o755 });
  for (const [key, content] of files) {
    const path = join(staging, key);
    await writeFile(path, content, { mode: 0o444 });
    await chmod(path, 0o444); // whatever the umask
  }
  await chmod(staging, 0o755);
  await rm(join(dir, target), { recursive: true, force: true });
  await rename(staging, join(dir, target));

  const link = join(dir, `.${name}.link-tmp`);
  await rm(link, { force: true });
  await symlink(target, link);
  if (previous === undefined) await rm(join(dir, name), { recursive: true, force: true });
  await rename(link, join(dir, name));

  for (const entry of await readdir(dir)) {
    const ours = entry.startsWith(`.${name}-`) || entry.startsWith(`.${name}.tmp-`);
    if (ours && entry !== target && entry !== previous) await rm(join(dir, entry), { recursive: true, force: true });
  }
  return { written: true, target };
}

/** The last `max` bytes of a file as UTF-8 (see utf8Tail); undefined when there is no file. */
export async function readTail(path: string, max: number): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, size - length);
    return decodeTail(buffer.subarray(0, bytesRead), size > max);
  } finally {
    await handle.close();
  }
}
