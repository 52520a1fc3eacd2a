// Directories kept on a member's PVC, and the init container that seeds them from the image once.
import { dirname } from 'node:path';
import type { AppRole, KubeDirectorAppSpec, SetupPackageInfo } from '../../api/app.js';

/** Always persisted when the role has storage. */
const BASE_DIRS = ['/etc'];
/** Persisted when the role has a setup package using the new layout (configcli under /usr/local). */
const NEW_LAYOUT_DIRS = ['/etc', '/opt/guestconfig', '/var/log/guestconfig', '/usr/local/bin', '/usr/local/lib'];
/** Persisted when the role has a setup package using the legacy layout. */
const LEGACY_LAYOUT_DIRS = ['/etc', '/opt', '/usr'];

/** Written on the PVC once the copy is complete; its presence means "never copy again". */
export const INIT_MARKER = '/etc/kubedirector.init';
/** Where the init container mounts the member PVC. */
export const INIT_MOUNT = '/mnt';

/** The role's setup package: its own, explicitly none (null), or the app's default. */
export function setupPackageOf(app: KubeDirectorAppSpec, role: AppRole): SetupPackageInfo | undefined {
  if (role.configPackage !== undefined) return role.configPackage ?? undefined;
  return app.defaultConfigPackage ?? undefined;
}

const within = (dir: string, parent: string) => dir === parent || dir.startsWith(`${parent}/`);

/** Upstream's union: defaults then the app's dirs, skipping any dir another one already covers. */
export function persistDirs(app: KubeDirectorAppSpec, role: AppRole): string[] {
  const setup = setupPackageOf(app, role);
  const defaults = setup ? (setup.useNewSetupLayout ? NEW_LAYOUT_DIRS : LEGACY_LAYOUT_DIRS) : BASE_DIRS;
  const requested = role.persistDirs ?? app.defaultPersistDirs ?? [];
  const all = [...defaults, ...requested];
  return all.filter((dir, index) => !all.some((other, j) => (j < index ? within(dir, other) : dir !== other && within(dir, other))));
}

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
