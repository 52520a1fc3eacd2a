// The init container that seeds a member's persisted directories onto its PVC, once.
import { dirname } from 'node:path';

/** Written on the PVC once the copy is complete; its presence means "never copy again". */
export const INIT_MARKER = '/etc/kubedirector.init';
/** Where the init container mounts the member PVC. */
export const INIT_MOUNT = '/mnt';

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The init container's script: copy each directory from the image onto the PVC, keeping
 * owners and modes, then write the marker. With the marker present it does nothing, so a
 * restart never copies over data the member has since written.
 */
export function seedScript(dirs: string[], mount = INIT_MOUNT): string {
  const marker = `${mount}${INIT_MARKER}`;
  return [
    'set -eu',
    `if [ -f ${quote(marker)} ]; then exit 0; fi`,
    `for dir in ${dirs.map(quote).join(' ')}; do`,
    `  parent=${quote(mount)}"$(dirname "$dir")"`,
    '  mkdir -p "$parent"',
    `  if [ -e "$dir" ]; then cp -a "$dir" "$parent/" 2>/dev/null || cp -Rp "$dir" "$parent/"; else mkdir -p ${quote(mount)}"$dir"; fi`,
    'done',
    `mkdir -p ${quote(dirname(marker))}`,
    `touch ${quote(marker)}`,
  ].join('\n');
}
