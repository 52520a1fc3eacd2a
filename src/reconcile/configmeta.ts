// configmeta: upstream KubeDirector's description of the whole cluster given to every member.
// It is rendered once for the cluster (its size grows linearly with members) with placeholders
// for what is per member (the `node` section) or secret (secret keys, connected secrets); the
// guest agent fills them in. See src/guest/PROTOCOL.md.
import type { KubeDirectorAppSpec } from '../api/app.js';
import type { ClusterRole } from '../api/cluster.js';
import { parseQuantity, type Quantity } from './quantity.js';
import { limitOf } from './app-queries.js';

export const NODE_PLACEHOLDER = '@kd-node';
export const secretKeysPlaceholder = (role: string) => `@kd-secret-keys:${role}`;
export const CONNECTED_SECRETS_PLACEHOLDER = '@kd-connected-secrets';

/** A member as configmeta lists it. */
export interface ConfigMember {
  pod: string;
  role: string;
  nodeID: number;
  fqdn: string;
  blockDevicePaths?: string[];
}

export interface ConfigmetaInput {
  clusterName: string;
  uid: string;
  app: KubeDirectorAppSpec;
  /** Roles in spec order with their members; roles without members are left out. */
  roles: { spec: ClusterRole; members: ConfigMember[] }[];
  domain: string;
  connections: { clusters: Record<string, unknown>; configmaps: Record<string, unknown> };
}

type RefKeys = { bdvlibrefkey: string[] };
const ref = (...keys: string[]): RefKeys => ({ bdvlibrefkey: keys });
const MIB = 1024n * 1024n * 1_000_000_000n;
const CORE = 1_000_000_000n;

/** Upstream's flavor: memory in MiB and cores (rounded up) from the role's limits. */
function flavor(role: ClusterRole) {
  const nanos = (q: Quantity | undefined) => (q === undefined ? 0n : (parseQuantity(q) ?? 0n));
  const cores = nanos(limitOf(role, 'cpu'));
  return {
    storage: 'n/a',
    name: 'n/a',
    memory: String(nanos(limitOf(role, 'memory')) / MIB),
    description: 'n/a',
    cores: String((cores + CORE - 1n) / CORE),
  };
}

function roleServices(app: KubeDirectorAppSpec, roleId: string, members: ConfigMember[]) {
  const ids = app.config.roleServices.find((rs) => rs.roleID === roleId)?.serviceIDs ?? [];
  const services: Record<string, unknown> = {};
  for (const id of ids) {
    const service = app.services?.find((s) => s.id === id);
    if (!service) continue;
    const endpoint = service.endpoint ?? undefined;
    services[id] = {
      qualifiers: [],
      name: service.label?.name ?? '',
      id,
      hostnames: ref('nodegroups', '1', 'roles', roleId, 'hostnames'),
      global_id: `1_${roleId}_${id}`,
      fqdns: ref('nodegroups', '1', 'roles', roleId, 'fqdns'),
      exported_service: service.exported_service ?? '',
      endpoints: endpoint ? members.map((m) => `${endpoint.urlScheme ?? ''}://${m.fqdn}:${endpoint.port}`) : [],
      authToken: '',
    };
  }
  return services;
}

/** The cluster-wide configmeta, with the member and secret placeholders. */
export function clusterConfigmeta(input: ConfigmetaInput) {
  const { app } = input;
  const active = input.roles.filter((r) => r.members.length > 0);
  const activeIds = active.map((r) => r.spec.id);
  const services: Record<string, unknown> = {};
  for (const service of app.services ?? []) {
    const roles = app.config.roleServices
      .filter((rs) => rs.serviceIDs.includes(service.id) && activeIds.includes(rs.roleID))
      .map((rs) => rs.roleID);
    if (roles.length === 0) continue;
    services[service.id] = { '1': Object.fromEntries(roles.map((r) => [r, ref('nodegroups', '1', 'roles', r, 'services', service.id)])) };
  }
  const roles = Object.fromEntries(
    active.map(({ spec, members }) => {
      const fqdns = members.map((m) => m.fqdn);
      return [
        spec.id,
        {
          services: roleServices(app, spec.id, members),
          node_ids: members.map((m) => String(m.nodeID)),
          hostnames: fqdns,
          fqdns,
          fqdn_mappings: Object.fromEntries(members.map((m) => [m.fqdn, String(m.nodeID)])),
          flavor: flavor(spec),
          secret_keys: secretKeysPlaceholder(spec.id),
        },
      ];
    }),
  );
  return {
    version: String(app.configSchemaVersion),
    services,
    nodegroups: {
      '1': { roles, distro_id: app.distroID, catalog_entry_version: app.version, config_metadata: app.config.configMeta ?? {} },
    },
    distros: { [app.distroID]: { '1': ref('nodegroups', '1') } },
    cluster: {
      name: input.clusterName,
      isolated: false,
      id: input.uid,
      config_metadata: { '1': ref('nodegroups', '1', 'config_metadata') },
    },
    node: NODE_PLACEHOLDER,
    connections: { clusters: input.connections.clusters, configmaps: input.connections.configmaps, secrets: CONNECTED_SECRETS_PLACEHOLDER },
  };
}

/** The `node` section of one member. */
export function nodeSection(member: ConfigMember, app: KubeDirectorAppSpec, domain: string) {
  return {
    role_id: member.role,
    nodegroup_id: '1',
    id: String(member.nodeID),
    hostname: member.fqdn,
    fqdn: member.fqdn,
    domain,
    distro_id: app.distroID,
    depends_on: {},
    ...(member.blockDevicePaths?.length ? { block_device_paths: member.blockDevicePaths } : {}),
  };
}

/**
 * A connected cluster's configmeta as it appears under connections.clusters: its own
 * configmeta without node, connections and secrets, every reference key prefixed with
 * its place (connections, clusters, <name>).
 */
export function connectedConfigmeta(name: string, configmeta: Record<string, unknown>): Record<string, unknown> {
  const prefix = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(prefix);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) =>
        key === 'bdvlibrefkey' && Array.isArray(inner)
          ? [key, ['connections', 'clusters', name, ...(inner as unknown[])]]
          : [key, prefix(inner)],
      ),
    );
  };
  const { node: _node, connections: _connections, ...rest } = configmeta;
  const withoutSecrets: unknown = JSON.parse(JSON.stringify(rest), (key, value: unknown) => (key === 'secret_keys' ? undefined : value));
  return { ...(prefix(withoutSecrets) as Record<string, unknown>), node: null };
}
