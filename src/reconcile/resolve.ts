// Step one of sync: from the raw request to everything the later steps read, with
// defaults applied (cluster spec, kd-global-config, naming scheme) and the app looked up.
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { KubeDirectorAppSpec } from '../api/app.js';
import { KubeDirectorClusterSpec, type KubeDirectorClusterStatus, type NamingScheme, type ServiceType } from '../api/cluster.js';
import { GLOBAL_CONFIG_NAME, KubeDirectorConfigSpec } from '../api/config.js';
import type { HookRequest, ObjectsByType } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';
import { connectionData, type ConnectionData } from './connections.js';
import { TYPE } from './kinds.js';
import { CONFIGMETA_LABEL, LABEL, PACKAGE_LABEL } from './labels.js';
import { configMapName, secretName, type ClusterIdentity } from './names.js';
import { priorStatus } from './prior-status.js';
import { parseEvents, type NotificationEvent } from './notify.js';
import { decryptRoleKeys, type DecryptedKeys } from './secret-keys.js';

export interface ReconcileOptions {
  /** Namespace of the system app catalog and of kd-global-config. */
  systemNamespace: string;
  /** The image of the member sidecar: the hook server's own (default DEFAULT_MEMBER_IMAGE). */
  memberImage?: string;
}

/** The hook server's published image, which also runs every member's sidecar. */
export const DEFAULT_MEMBER_IMAGE = 'ghcr.io/kubedirector-hooks/kubedirector-hooks:0.1.0';

export type AppCatalog = 'local' | 'system';

export interface ResolvedApp {
  name: string;
  namespace: string;
  catalog: AppCatalog;
  spec: KubeDirectorAppSpec;
}

export interface Observed {
  statefulSets: Map<string, KubeObject>;
  services: Map<string, KubeObject>;
  pvcs: Map<string, KubeObject>;
  configMaps: Map<string, KubeObject>;
  secrets: Map<string, KubeObject>;
  pods: Map<string, KubeObject>;
  leases: Map<string, KubeObject>;
}

/** What members currently see: the cluster's ConfigMap as observed. */
export interface PublishedConfig {
  name: string;
  /** Absent until the ConfigMap exists. */
  object?: KubeObject;
  generation: number;
  events: NotificationEvent[];
  /** When the API server last wrote it (from managedFields), if known. */
  publishedAt?: string;
  /** The app its configmeta describes: what the members were configured for. */
  app?: { distroID: string; version: string };
}

export interface Resolved {
  parent: KubeObject;
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  deleting: boolean;
  /** The spec when it matches the schema; otherwise the reasons it does not. */
  spec?: KubeDirectorClusterSpec;
  specErrors: string[];
  previous: KubeDirectorClusterStatus;
  /** Why the stored status was set aside (then rebuilt from the observed children), when it was. */
  statusUnreadable?: string;
  /** Where the app was looked up, for messages. */
  appRef: { name: string; candidates: string[] };
  app?: ResolvedApp;
  appErrors: string[];
  config: KubeDirectorConfigSpec;
  identity: ClusterIdentity;
  serviceType: ServiceType;
  domainBase: string;
  observed: Observed;
  published: PublishedConfig;
  secretName: string;
  connections: ConnectionData;
  /** Setup packages carried by ConfigMaps next to the app: `configmap://<name>/<key>` to base64 content. */
  carriedPackages: Map<string, string>;
  /** Each spec role's secret keys, decrypted once. */
  secretKeys: Map<string, DecryptedKeys>;
  memberImage: string;
  /** The cluster's StorageClasses by name, as far as the request carries them (cluster-scoped: keyed by name). */
  storageClasses: Map<string, KubeObject>;
}

const DEFAULT_DOMAIN_BASE = '.svc.cluster.local';
const DEFAULT_SERVICE_TYPE: ServiceType = 'LoadBalancer';
const DEFAULT_NAMING_SCHEME: NamingScheme = 'UID';

const schemaErrors = (schema: TSchema, value: unknown, prefix: string) =>
  [...Value.Errors(schema, value)].slice(0, 5).map((e) => `${prefix}${e.path}: ${e.message}`);

function byName(objects: ObjectsByType, type: string, namespace: string): Map<string, KubeObject> {
  const result = new Map<string, KubeObject>();
  for (const object of Object.values(objects[type] ?? {})) {
    if ((object.metadata.namespace ?? namespace) === namespace) result.set(object.metadata.name, object);
  }
  return result;
}

const related = (request: HookRequest, type: string, namespace: string, name: string) => request.related[type]?.[`${namespace}/${name}`];

/** The catalog the app comes from: the spec's, else the one existing children were made from, else upstream's lookup order. */
function appCandidates(spec: KubeDirectorClusterSpec | undefined, observed: Observed): AppCatalog[] {
  if (spec?.appCatalog) return [spec.appCatalog];
  for (const object of [...observed.statefulSets.values(), ...observed.services.values()]) {
    const catalog = object.metadata.labels?.[LABEL.appCatalog];
    if (catalog === 'local' || catalog === 'system') return [catalog];
  }
  return ['local', 'system'];
}

export function resolve(request: HookRequest, options: ReconcileOptions): Resolved {
  const parent = request.parent;
  const { name, namespace = '', uid = '', generation = 0 } = parent.metadata;
  const rawSpec = (parent as { spec?: unknown }).spec;
  const specErrors = schemaErrors(KubeDirectorClusterSpec, rawSpec, 'spec');
  const spec = specErrors.length === 0 ? (rawSpec as KubeDirectorClusterSpec) : undefined;
  const rawStatus = (parent as { status?: unknown }).status;
  const prior = priorStatus(rawStatus);
  const previous = prior.status;

  const observed: Observed = {
    statefulSets: byName(request.children, TYPE.statefulSet, namespace),
    services: byName(request.children, TYPE.service, namespace),
    pvcs: byName(request.children, TYPE.pvc, namespace),
    configMaps: byName(request.children, TYPE.configMap, namespace),
    secrets: byName(request.children, TYPE.secret, namespace),
    pods: byName(request.related, TYPE.pod, namespace),
    leases: byName(request.children, TYPE.lease, namespace),
  };

  const configObject = related(request, TYPE.config, options.systemNamespace, GLOBAL_CONFIG_NAME) as { spec?: unknown } | undefined;
  const configSpec: unknown = configObject?.spec;
  const config: KubeDirectorConfigSpec = Value.Check(KubeDirectorConfigSpec, configSpec) ? configSpec : {};

  const rawApp = (rawSpec as { app?: unknown } | undefined)?.app;
  const appName = spec?.app ?? (typeof rawApp === 'string' ? rawApp : '');
  const catalogs = appCandidates(spec, observed);
  const namespaceOf = (catalog: AppCatalog) => (catalog === 'local' ? namespace : options.systemNamespace);
  const appErrors: string[] = [];
  let app: ResolvedApp | undefined;
  for (const catalog of catalogs) {
    const object = related(request, TYPE.app, namespaceOf(catalog), appName) as { spec?: unknown } | undefined;
    if (!object) continue;
    const errors = schemaErrors(KubeDirectorAppSpec, object.spec, `KubeDirectorApp ${namespaceOf(catalog)}/${appName}: spec`);
    if (errors.length > 0) appErrors.push(...errors);
    else app = { name: appName, namespace: namespaceOf(catalog), catalog, spec: object.spec as KubeDirectorAppSpec };
    break;
  }

  const identity: ClusterIdentity = { name, uid, scheme: spec?.namingScheme ?? config.defaultNamingScheme ?? DEFAULT_NAMING_SCHEME };
  return {
    parent,
    namespace,
    name,
    uid,
    generation,
    deleting: request.finalizing || Boolean(parent.metadata.deletionTimestamp),
    spec,
    specErrors,
    previous,
    ...(prior.unreadable ? { statusUnreadable: prior.unreadable } : {}),
    appRef: { name: appName, candidates: catalogs.map(namespaceOf) },
    app,
    appErrors,
    config,
    identity,
    serviceType: spec?.serviceType ?? config.defaultServiceType ?? DEFAULT_SERVICE_TYPE,
    domainBase: config.clusterSvcDomainBase ?? DEFAULT_DOMAIN_BASE,
    observed,
    published: publishedConfig(observed, name, configMapName(identity), previous.configGeneration ?? 0),
    secretName: findOwn(observed.secrets, name) ?? secretName(identity),
    connections: connectionData(request, namespace, spec?.connections ?? {}),
    carriedPackages: carriedPackages(request, app),
    secretKeys: new Map((spec?.roles ?? []).map((role) => [role.id, decryptRoleKeys(role, config.masterEncryptionKey)])),
    memberImage: options.memberImage ?? DEFAULT_MEMBER_IMAGE,
    storageClasses: new Map(Object.values(request.related[TYPE.storageClass] ?? {}).map((c) => [c.metadata.name, c])),
  };
}

/** An object this cluster made earlier, found by its labels: its name is kept even if the naming rules change. */
function findOwn(objects: Map<string, KubeObject>, cluster: string): string | undefined {
  for (const object of objects.values()) {
    if (object.metadata.labels?.[LABEL.cluster] === cluster && object.metadata.labels[CONFIGMETA_LABEL] === 'true')
      return object.metadata.name;
  }
  return undefined;
}

function publishedConfig(observed: Observed, cluster: string, computedName: string, statusGeneration: number): PublishedConfig {
  const name = findOwn(observed.configMaps, cluster) ?? computedName;
  const object = observed.configMaps.get(name);
  const data = (object?.data ?? {}) as Record<string, string>;
  const generation = Number.parseInt(data.generation ?? '', 10);
  // Only a hint of when the server last wrote it: anything else than a list of entries is ignored.
  const managed = (object?.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  const times = (Array.isArray(managed) ? (managed as unknown[]) : [])
    .map((f) => (f as { time?: unknown } | null)?.time)
    .filter((t): t is string => typeof t === 'string')
    .sort();
  return {
    name,
    ...(object ? { object } : {}),
    generation: Number.isInteger(generation) ? generation : statusGeneration,
    events: parseEvents(data.events),
    ...(times.length > 0 ? { publishedAt: times.at(-1) } : {}),
    ...publishedApp(data['configmeta.json']),
  };
}

/** The distroID and version the published configmeta names; nothing when it does not read. */
function publishedApp(configmeta: string | undefined): { app?: { distroID: string; version: string } } {
  if (typeof configmeta !== 'string') return {};
  try {
    const group = (JSON.parse(configmeta) as { nodegroups?: Record<string, { distro_id?: unknown; catalog_entry_version?: unknown }> })
      .nodegroups?.['1'];
    const [distroID, version] = [group?.distro_id, group?.catalog_entry_version];
    return typeof distroID === 'string' && typeof version === 'string' ? { app: { distroID, version } } : {};
  } catch {
    return {};
  }
}

/** Package content from ConfigMaps labelled for the app, in the app's namespace. */
function carriedPackages(request: HookRequest, app: ResolvedApp | undefined): Map<string, string> {
  const packages = new Map<string, string>();
  if (!app) return packages;
  for (const configMap of Object.values(request.related[TYPE.configMap] ?? {})) {
    if (configMap.metadata.namespace !== app.namespace || configMap.metadata.labels?.[PACKAGE_LABEL] !== app.name) continue;
    for (const [key, content] of Object.entries((configMap.binaryData ?? {}) as Record<string, string>)) {
      packages.set(`configmap://${configMap.metadata.name}/${key}`, content);
    }
  }
  return packages;
}
