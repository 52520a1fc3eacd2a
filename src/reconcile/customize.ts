// The customize hook: which related objects Metacontroller sends with every sync of a cluster.
import type { KubeDirectorClusterSpec } from '../api/cluster.js';
import { GLOBAL_CONFIG_NAME } from '../api/config.js';
import type { CustomizeResponse, RelatedResourceRule } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';
import { API_VERSION } from '../api/resources.js';
import { CONFIGMETA_LABEL, LABEL, PACKAGE_LABEL } from './labels.js';
import type { ReconcileOptions } from './resolve.js';

/**
 * The related objects for parent. Its spec has not been validated yet: when reading it fails
 * (a wrong type where a list belongs), the answer still names the app, kd-global-config and the
 * member pods, so that the sync can run and report the spec as invalid.
 */
export function customize(parent: KubeObject, options: ReconcileOptions): CustomizeResponse {
  try {
    return { relatedResources: rules(parent, options, true) };
  } catch {
    return { relatedResources: rules(parent, options, false) };
  }
}

function rules(parent: KubeObject, options: ReconcileOptions, withConnections: boolean): RelatedResourceRule[] {
  // The request schema requires a namespace: every name the hooks derive lives in it.
  const namespace = parent.metadata.namespace ?? '';
  const spec = ((parent as { spec?: unknown }).spec ?? {}) as Partial<KubeDirectorClusterSpec>;
  const rules: RelatedResourceRule[] = [];
  const appNamespaces =
    spec.appCatalog === 'local'
      ? [namespace]
      : spec.appCatalog === 'system'
        ? [options.systemNamespace]
        : [namespace, options.systemNamespace];
  if (typeof spec.app === 'string' && spec.app) {
    for (const ns of new Set(appNamespaces)) {
      rules.push({ apiVersion: API_VERSION, resource: 'kubedirectorapps', namespace: ns, names: [spec.app] });
      // Setup packages carried by ConfigMaps next to the app, for clusters without internet access.
      rules.push({
        apiVersion: 'v1',
        resource: 'configmaps',
        namespace: ns,
        labelSelector: { matchLabels: { [PACKAGE_LABEL]: spec.app } },
      });
    }
  }
  rules.push({ apiVersion: API_VERSION, resource: 'kubedirectorconfigs', namespace: options.systemNamespace, names: [GLOBAL_CONFIG_NAME] });
  rules.push({
    apiVersion: 'v1',
    resource: 'pods',
    namespace,
    labelSelector: { matchLabels: { [LABEL.cluster]: parent.metadata.name, [LABEL.controllerUid]: parent.metadata.uid ?? '' } },
  });
  // Every StorageClass (cluster-scoped, few): a member PVC grows only if its class allows it, and
  // the class is the one admission wrote into the observed claim, which customize cannot see.
  rules.push({ apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses', labelSelector: {} });
  if (!withConnections) return rules;
  const connections = spec.connections ?? {};
  const named = (apiVersion: string, resource: string, names: string[] | undefined) => {
    if (names && names.length > 0) rules.push({ apiVersion, resource, namespace, names: [...new Set(names)].sort() });
  };
  named(API_VERSION, 'kubedirectorclusters', connections.clusters);
  if (connections.clusters && connections.clusters.length > 0) {
    // Connected clusters are described by their own configmeta, in their ConfigMaps.
    rules.push({
      apiVersion: 'v1',
      resource: 'configmaps',
      namespace,
      labelSelector: {
        matchLabels: { [CONFIGMETA_LABEL]: 'true' },
        matchExpressions: [{ key: LABEL.cluster, operator: 'In', values: [...new Set(connections.clusters)].sort() }],
      },
    });
  }
  named('v1', 'configmaps', connections.configmaps);
  named('v1', 'secrets', connections.secrets);
  return rules;
}
