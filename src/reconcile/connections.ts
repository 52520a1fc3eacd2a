// What spec.connections brings into configmeta: other clusters (their configmeta), and
// ConfigMaps and Secrets labelled with a type, grouped as upstream groups them.
import { createHash } from 'node:crypto';
import type { HookRequest } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';
import { connectedConfigmeta } from './configmeta.js';
import { TYPE } from './kinds.js';
import { CONFIGMETA_LABEL, LABEL } from './labels.js';

export const CONFIGMAP_TYPE_LABEL = 'kubedirector.hpe.com/cmType';
export const SECRET_TYPE_LABEL = 'kubedirector.hpe.com/secretType';
export const CONFIGMETA_KEY = 'configmeta.json';

export interface ConnectionData {
  clusters: Record<string, unknown>;
  configmaps: Record<string, unknown[]>;
  /** Secret material: goes to the cluster's Secret, never to its ConfigMap. */
  secrets: Record<string, unknown[]>;
  /** Changes exactly when any of the above changes; empty when there are no connections. */
  hash: string;
}

function grouped(objects: KubeObject[], typeLabel: string, dataOf: (o: KubeObject) => unknown) {
  const groups: Record<string, unknown[]> = {};
  for (const object of objects) {
    const type = object.metadata.labels?.[typeLabel];
    if (!type) continue;
    (groups[type] ??= []).push({
      metadata: { name: object.metadata.name },
      data: dataOf(object),
      labels: object.metadata.labels ?? {},
      annotations: object.metadata.annotations ?? {},
    });
  }
  return groups;
}

export function connectionData(
  request: HookRequest,
  namespace: string,
  names: { clusters?: string[]; configmaps?: string[]; secrets?: string[] },
): ConnectionData {
  const relatedObject = (type: string, name: string) => request.related[type]?.[`${namespace}/${name}`];
  const configMaps = Object.values(request.related[TYPE.configMap] ?? {});
  const clusters: Record<string, unknown> = {};
  for (const name of [...new Set(names.clusters ?? [])].sort()) {
    const source = configMaps.find(
      (cm) =>
        cm.metadata.namespace === namespace &&
        cm.metadata.labels?.[LABEL.cluster] === name &&
        cm.metadata.labels[CONFIGMETA_LABEL] === 'true',
    );
    const text = (source?.data as Record<string, string> | undefined)?.[CONFIGMETA_KEY];
    if (!text || !relatedObject(TYPE.cluster, name)) continue;
    try {
      clusters[name] = connectedConfigmeta(name, JSON.parse(text) as Record<string, unknown>);
    } catch {
      // A connected cluster whose configmeta is unreadable is left out, like a missing one.
    }
  }
  const existing = (type: string, list: string[] | undefined) =>
    [...new Set(list ?? [])].sort().flatMap((name) => relatedObject(type, name) ?? []);
  const configmaps = grouped(existing(TYPE.configMap, names.configmaps), CONFIGMAP_TYPE_LABEL, (o) => o.data ?? {});
  const secrets = grouped(existing(TYPE.secret, names.secrets), SECRET_TYPE_LABEL, (o) => o.data ?? {});
  const empty = Object.keys(clusters).length + Object.keys(configmaps).length + Object.keys(secrets).length === 0;
  const hash = empty ? '' : createHash('sha256').update(JSON.stringify({ clusters, configmaps, secrets })).digest('hex').slice(0, 16);
  return { clusters, configmaps, secrets, hash };
}
