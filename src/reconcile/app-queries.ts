// Questions about an app and a cluster's roles that every step asks: which app role a cluster
// role is, its cardinality, image, resources, secret, setup package, persisted directories and
// ports. Plain functions of the specs; every step imports them and they import no step.
import type { AppRole, KubeDirectorAppSpec, SetupPackageInfo } from '../api/app.js';
import type { ClusterRole, KDSecret } from '../api/cluster.js';
import type { Quantity } from './quantity.js';

export interface Cardinality {
  min: number;
  scaleOut: boolean;
}

export function cardinality(role: AppRole): Cardinality {
  return { min: Number.parseInt(role.cardinality, 10), scaleOut: role.cardinality.endsWith('+') };
}

/** Members a role asks for: its count, or the least its app role allows. */
export const desiredMembers = (role: ClusterRole, appRole: AppRole | undefined) => role.members ?? (appRole ? cardinality(appRole).min : 0);

export const appRoleOf = (app: KubeDirectorAppSpec, id: string) => app.roles.find((r) => r.id === id);

export const imageOf = (app: KubeDirectorAppSpec, appRole: AppRole) => appRole.imageRepoTag ?? app.defaultImageRepoTag;

/** The amount of a resource a member is guaranteed: its request, else its limit (Kubernetes defaults one from the other). */
export const limitOf = (role: ClusterRole, resource: string) => (role.resources.limits as Record<string, Quantity | undefined>)[resource];

export function requested(role: ClusterRole, resource: string) {
  return role.resources.requests?.[resource] ?? limitOf(role, resource);
}

export function effectiveSecret(role: ClusterRole, defaultSecret: KDSecret | null | undefined) {
  return role.secret ?? defaultSecret ?? undefined;
}

/** The role's setup package: its own, explicitly none (null), or the app's default. */
export function setupPackageOf(app: KubeDirectorAppSpec, role: AppRole): SetupPackageInfo | undefined {
  if (role.configPackage !== undefined) return role.configPackage ?? undefined;
  return app.defaultConfigPackage ?? undefined;
}

/** Always persisted when the role has storage. */
const BASE_DIRS = ['/etc'];
/** Persisted when the role has a setup package using the new layout (configcli under /usr/local). */
const NEW_LAYOUT_DIRS = ['/etc', '/opt/guestconfig', '/var/log/guestconfig', '/usr/local/bin', '/usr/local/lib'];
/** Persisted when the role has a setup package using the legacy layout. */
const LEGACY_LAYOUT_DIRS = ['/etc', '/opt', '/usr'];

const within = (dir: string, parent: string) => dir === parent || dir.startsWith(`${parent}/`);

/** Upstream's union: defaults then the app's dirs, skipping any dir another one already covers. */
export function persistDirs(app: KubeDirectorAppSpec, role: AppRole): string[] {
  const setup = setupPackageOf(app, role);
  const defaults = setup ? (setup.useNewSetupLayout ? NEW_LAYOUT_DIRS : LEGACY_LAYOUT_DIRS) : BASE_DIRS;
  const requested = role.persistDirs ?? app.defaultPersistDirs ?? [];
  const all = [...defaults, ...requested];
  return all.filter((dir, index) => !all.some((other, j) => (j < index ? within(dir, other) : dir !== other && within(dir, other))));
}

export interface PortInfo {
  id: string;
  port: number;
  urlScheme?: string;
}

/** The app's service endpoints served by a role, one per port. */
export function rolePorts(app: KubeDirectorAppSpec, roleId: string): PortInfo[] {
  const ids = app.config.roleServices.find((rs) => rs.roleID === roleId)?.serviceIDs ?? [];
  const seen = new Set<number>();
  const ports: PortInfo[] = [];
  for (const service of app.services ?? []) {
    const port = service.endpoint?.port;
    if (!ids.includes(service.id) || port === undefined || seen.has(port)) continue;
    seen.add(port);
    ports.push({ id: service.id, port, ...(service.endpoint?.urlScheme ? { urlScheme: service.endpoint.urlScheme } : {}) });
  }
  return ports;
}

/** Bytes of a failed setup's output kept in status (upstream's maxLogSizeDump). */
export const DEFAULT_MAX_LOG = 1024;

export const maxLogSize = (app: KubeDirectorAppSpec | undefined, appRole: AppRole | undefined): number =>
  appRole?.maxLogSizeDump ?? app?.defaultMaxLogSizeDump ?? DEFAULT_MAX_LOG;
