// What members see: the cluster's ConfigMap (configmeta, membership files, notifications, the
// guest agent, carried setup packages) and Secret (secret keys, connected secrets). The
// generation grows exactly when anything members read changes; see src/guest/PROTOCOL.md.
import type { IConfigMap, ISecret } from 'kubernetes-models/v1';
import type { KubeObject } from '../../api/meta.js';
import { AGENT_SCRIPT } from '../../guest/index.js';
import { clusterConfigmeta, nodeSection, type ConfigMember } from '../configmeta.js';
import { CONFIGMETA_LABEL, clusterLabels, mergeMaps, sortKeys, type LabelContext } from '../labels.js';
import { formatEvents, membershipEvent, reconnectEvent, rolesTaking, type NotificationEvent } from '../notify.js';
import { isLeaving, type MemberPlan, type Plan } from '../plan.js';
import { carriedPackages } from './packages.js';
import type { RoleStorage } from './storage.js';
import type { Valid } from '../validate.js';

/** The API server refuses ConfigMaps whose data exceeds 1 MiB. */
export const CONFIGMAP_LIMIT = 1024 * 1024;

export interface Publication {
  configMap: KubeObject;
  secret: KubeObject;
  generation: number;
  events: NotificationEvent[];
  /** Bytes of data and binaryData in the ConfigMap. */
  size: number;
}

const lines = (rows: string[][]) => rows.map((r) => r.join('\t') + '\n').join('');
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Members as configmeta lists them: every member that is not leaving, roles in spec order. */
function configRoles(plan: Plan, storage: Map<string, RoleStorage>) {
  return plan.roles.flatMap((role) => {
    if (!role.spec) return [];
    const devices = storage.get(role.id)?.devicePaths ?? [];
    const members: ConfigMember[] = role.members
      .filter((m) => !isLeaving(m.status))
      .map((m) => ({
        pod: m.status.pod,
        role: role.id,
        nodeID: m.status.nodeID,
        fqdn: m.fqdn,
        ...(devices.length > 0 ? { blockDevicePaths: devices } : {}),
      }));
    return [{ spec: role.spec, members }];
  });
}

/** Notifications this sync starts: who joined, who is leaving, whether connections changed. */
function newEvents(resolved: Valid, plan: Plan) {
  const app = resolved.app.spec;
  const roleIds = plan.roles.map((r) => r.id);
  const events: { roles: string[]; args: string[] }[] = [];
  for (const [name, pick] of [
    ['addnodes', (m: MemberPlan) => m.joined],
    ['delnodes', (m: MemberPlan) => m.leaving],
  ] as const) {
    const takers = rolesTaking(app, roleIds, name);
    // Only members that were configured before know too little; members configured together know each other.
    const listeners = plan.roles
      .filter((r) => takers.includes(r.id))
      .flatMap((r) => r.members)
      .some((m) => m.status.state === 'configured' && !m.joined && !isLeaving(m.status));
    if (!listeners) continue;
    for (const role of plan.roles) {
      const fqdns = role.members.filter(pick).map((m) => m.fqdn);
      if (fqdns.length > 0) events.push(membershipEvent(name, role.id, fqdns, takers));
    }
  }
  // A departing member that was configured, of a role that opted in, runs --leave itself.
  for (const role of plan.roles) {
    if (!rolesTaking(app, [role.id], 'leave').includes(role.id)) continue;
    const fqdns = role.members.filter((m) => m.leaving && m.status.stateDetail?.lastConfiguredContainer !== undefined).map((m) => m.fqdn);
    if (fqdns.length > 0) events.push(membershipEvent('leave', role.id, fqdns, [role.id]));
  }
  // A cluster's first configuration includes its connections; only later changes need --reconnect.
  const previousHash = resolved.previous.state !== undefined ? (resolved.previous.lastConnectionHash ?? '') : undefined;
  const reconnectTakers = rolesTaking(app, roleIds, 'reconnect');
  if (previousHash !== undefined && previousHash !== resolved.connections.hash && reconnectTakers.length > 0) {
    events.push(reconnectEvent(reconnectTakers));
  }
  return events;
}

/** Everything members read except the events, which depend on whether this data changed. */
function configData(resolved: Valid, plan: Plan, storage: Map<string, RoleStorage>) {
  const app = resolved.app.spec;
  const domain = `${plan.clusterService}.${resolved.namespace}${resolved.domainBase}`;
  const roles = configRoles(plan, storage);
  const members = roles.flatMap((r) => r.members);
  const configmeta = clusterConfigmeta({
    clusterName: resolved.name,
    uid: resolved.uid,
    app,
    roles,
    domain,
    connections: { clusters: resolved.connections.clusters, configmaps: resolved.connections.configmaps },
  });
  const data: Record<string, string> = {
    'configmeta.json': JSON.stringify(configmeta) + '\n',
    nodes: lines(members.map((m) => [m.pod, JSON.stringify(nodeSection(m, app, domain))])),
    members: lines(members.map((m) => [m.pod, m.role, String(m.nodeID), m.fqdn])),
    fqdns: lines(members.map((m) => [m.fqdn])),
    // The highest node id ever given, kept in an observed object: ids stay unique even when
    // status is lost and the members that had the highest ids have left.
    'last-node-id': `${plan.lastNodeID}\n`,
  };
  for (const role of roles) {
    data[`fqdns.${role.spec.id}`] = lines(role.members.map((m) => [m.fqdn]));
    const injections = role.spec.fileInjections ?? [];
    if (injections.length > 0) {
      data[`injections.${role.spec.id}`] = lines(
        injections.map((f) => [
          f.srcURL,
          f.destDir,
          f.permissions?.fileMode !== undefined ? f.permissions.fileMode.toString(8) : '',
          f.permissions?.fileOwner ?? '',
          f.permissions?.fileGroup ?? '',
        ]),
      );
    }
  }
  return { data, binaryData: carriedPackages(resolved, plan) };
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

export function publish(resolved: Valid, plan: Plan, storage: Map<string, RoleStorage>, context: LabelContext): Publication {
  const { published } = resolved;
  const started = newEvents(resolved, plan);
  const { data, binaryData } = configData(resolved, plan, storage);
  const observedData = { ...((published.object?.data ?? {}) as Record<string, string>) };
  delete observedData.generation;
  delete observedData['agent.sh'];
  const changed =
    started.length > 0 ||
    !published.object ||
    !sameMap({ ...data, events: formatEvents(published.events) }, observedData) ||
    !sameMap(binaryData, (published.object.binaryData ?? {}) as Record<string, string>);

  let generation = published.generation;
  let events = published.events;
  if (changed) {
    generation += 1;
    // Events every configured member has processed are dropped when the generation moves on anyway.
    const configured = plan.roles.flatMap((r) => r.members).filter((m) => m.status.state === 'configured');
    const floor =
      configured.length === 0 ? published.generation : Math.min(...configured.map((m) => m.status.stateDetail?.lastSetupGeneration ?? 0));
    events = [...published.events.filter((e) => e.generation > floor), ...started.map((e, i) => ({ ...e, generation, index: i + 1 }))];
  }
  data.events = formatEvents(events);

  const labels = mergeMaps(clusterLabels(context), { [CONFIGMETA_LABEL]: 'true' });
  const configMap: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: published.name, namespace: resolved.namespace, labels },
    data: sortKeys({ ...data, generation: `${generation}\n`, 'agent.sh': AGENT_SCRIPT }),
    ...(Object.keys(binaryData).length > 0 ? { binaryData: sortKeys(binaryData) } : {}),
  };
  const size = [...Object.values(configMap.data ?? {}), ...Object.values(binaryData)].reduce((sum, v) => sum + Buffer.byteLength(v), 0);

  const secretData: Record<string, string> = { 'connected-secrets.json': base64(JSON.stringify(resolved.connections.secrets) + '\n') };
  for (const role of resolved.spec.roles) {
    const decrypted = resolved.secretKeys.get(role.id);
    // Validation refuses keys that do not decrypt, so only decrypted ones reach here.
    const keys = decrypted && 'keys' in decrypted ? decrypted.keys : {};
    secretData[`secret-keys.${role.id}.json`] = base64(JSON.stringify(keys) + '\n');
  }
  const secret: ISecret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: resolved.secretName, namespace: resolved.namespace, labels },
    type: 'Opaque',
    data: sortKeys(secretData),
  };
  return { configMap: configMap as KubeObject, secret: secret as KubeObject, generation, events, size };
}
