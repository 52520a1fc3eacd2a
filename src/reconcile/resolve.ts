// Step one of sync: from the raw request to everything the later steps read, with
// defaults applied (cluster spec, kd-global-config, naming scheme) and the app looked up.
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { KubeDirectorAppSpec } from '../api/app.js';
import {
  KubeDirectorClusterSpec,
  KubeDirectorClusterStatus,
  type NamingScheme,
  type ServiceType,
} from '../api/cluster.js';
import { GLOBAL_CONFIG_NAME, KubeDirectorConfigSpec } from '../api/config.js';
import type { HookRequest, ObjectsByType } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';
import { TYPE } from './kinds.js';
import { LABEL } from './labels.js';
import type { ClusterIdentity } from './names.js';

export interface ReconcileOptions {
  /** Namespace of the system app catalog and of kd-global-config. */
  systemNamespace: string;
}

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
  /** Where the app was looked up, for messages. */
  appRef: { name: string; candidates: string[] };
  app?: ResolvedApp;
  appErrors: string[];
  config: KubeDirectorConfigSpec;
  identity: ClusterIdentity;
  serviceType: ServiceType;
  domainBase: string;
  observed: Observed;
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

const related = (request: HookRequest, type: string, namespace: string, name: string) =>
  request.related[type]?.[`${namespace}/${name}`];

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
  const previous = Value.Check(KubeDirectorClusterStatus, rawStatus) ? (rawStatus as KubeDirectorClusterStatus) : {};

  const observed: Observed = {
    statefulSets: byName(request.children, TYPE.statefulSet, namespace),
    services: byName(request.children, TYPE.service, namespace),
    pvcs: byName(request.children, TYPE.pvc, namespace),
    configMaps: byName(request.children, TYPE.configMap, namespace),
    secrets: byName(request.children, TYPE.secret, namespace),
    pods: byName(request.related, TYPE.pod, namespace),
  };

  const configObject = related(request, TYPE.config, options.systemNamespace, GLOBAL_CONFIG_NAME) as
    | { spec?: unknown }
    | undefined;
  const config = Value.Check(KubeDirectorConfigSpec, configObject?.spec) ? (configObject!.spec as KubeDirectorConfigSpec) : {};

  const appName = spec?.app ?? String((rawSpec as { app?: unknown } | undefined)?.app ?? '');
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
    appRef: { name: appName, candidates: catalogs.map(namespaceOf) },
    app,
    appErrors,
    config,
    identity: { name, uid, scheme: spec?.namingScheme ?? config.defaultNamingScheme ?? DEFAULT_NAMING_SCHEME },
    serviceType: spec?.serviceType ?? config.defaultServiceType ?? DEFAULT_SERVICE_TYPE,
    domainBase: config.clusterSvcDomainBase ?? DEFAULT_DOMAIN_BASE,
    observed,
  };
}
