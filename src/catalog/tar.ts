// A deterministic .tgz: the same files always give the same bytes (sorted entries, fixed owner,
// mode and time), so a packed setup package changes only when its sources do. POSIX ustar,
// which GNU tar, busybox tar and bsdtar all extract.
import { gzipSync } from 'node:zlib';

export interface TarFile {
  /** Relative path with `/` separators, e.g. `appconfig/startscript`. */
  path: string;
  content: Buffer;
  executable: boolean;
}

/** 2020-01-01T00:00:00Z: old enough that no tar calls it a future time, new enough not to look broken. */
export const PACKAGE_MTIME = 1_577_836_800;
const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(path: string, size: number, mode: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(path) > 100) throw new Error(`tar: path longer than 100 bytes: ${path}`);
  const block = Buffer.alloc(BLOCK);
  block.write(path, 0, 'utf8');
  block.write(octal(mode, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii'); // uid
  block.write(octal(0, 8), 116, 'ascii'); // gid
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(PACKAGE_MTIME, 12), 136, 'ascii');
  block.write('        ', 148, 'ascii'); // checksum, counted as spaces
  block.write(type, 156, 'ascii');
  block.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return block;
}

/** The directories that hold the files, each once, parents first. */
function directories(files: TarFile[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  return [...dirs];
}

export function tarGzip(files: TarFile[]): Buffer {
  const entries = [
    ...directories(files).map((path) => ({ path, dir: true as const })),
    ...files.map((f) => ({ ...f, dir: false as const })),
  ];
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    if (entry.dir) {
      blocks.push(header(entry.path, 0, 0o755, '5'));
      continue;
    }
    blocks.push(header(entry.path, entry.content.length, entry.executable ? 0o755 : 0o644, '0'), entry.content);
    const pad = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}
