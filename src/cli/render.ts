// `render`: what the sync hook would answer for a new cluster, printed as YAML that kubectl can
// apply (like `helm template`), with the status it would report as a leading comment.
import { createHash } from 'node:crypto';
import { parseAllDocuments, stringify } from 'yaml';
import type { Condition } from '../api/core.js';
import type { KubeObject } from '../api/meta.js';
import { API_VERSION } from '../api/resources.js';
import { TYPE } from '../reconcile/kinds.js';
import { PACKAGE_LABEL } from '../reconcile/labels.js';
import { sync } from '../reconcile/index.js';

/** One input file: where it came from (named in errors) and its text. */
export interface RenderDocument {
  source: string;
  text: string;
}

export interface RenderInput {
  /** YAML texts holding one KubeDirectorCluster, its KubeDirectorApp (with the ConfigMap carrying its package) and optionally kd-global-config. */
  documents: RenderDocument[];
  namespace?: string;
  systemNamespace: string;
  /** Kubernetes assigns the uid; names under the UID naming scheme derive from it. Default: defaultUid of the cluster. */
  uid?: string;
}

/** Input that cannot be rendered: broken YAML, no cluster, or a cluster the hooks would not reconcile. */
export class InvalidInput extends Error {}

/**
 * A stand-in for the uid Kubernetes would assign, derived from the cluster's namespace and name so
 * that two clusters never render the same object names: a sha256 shaped as a UUID (version 8, RFC 9562).
 */
export function defaultUid(namespace: string, name: string): string {
  const hex = createHash('sha256').update(`${namespace}/${name}`).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The objects of one file; the first YAML syntax error is reported as source:line:column. */
function parseDocument({ source, text }: RenderDocument): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    const [error] = doc.errors;
    if (error) {
      const at = error.linePos?.[0];
      const where = at ? `${source}:${at.line}:${at.col}` : source;
      throw new InvalidInput(`${where}: ${error.message.split(' at line ')[0]}`);
    }
    const object = doc.toJS() as KubeObject | null;
    if (object?.kind) objects.push(object);
  }
  return objects;
}

const yaml = (value: unknown) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });

/** Why the hooks would not reconcile this cluster, from the conditions of their answer. */
function refusal(conditions: Condition[]): string | undefined {
  const valid = conditions.find((c) => c.type === 'Valid' && c.status === 'False');
  if (valid) return `${valid.reason}: ${valid.message}`;
  const failed = conditions.find((c) => c.type === 'Ready' && c.status === 'False' && c.reason === 'ReconcileError');
  return failed && `${failed.reason}: ${failed.message}`;
}

export function render(input: RenderInput): string {
  const objects = input.documents.flatMap(parseDocument);
  const clusters = objects.filter((o) => o.kind === 'KubeDirectorCluster');
  const [cluster, ...others] = clusters;
  if (!cluster || others.length > 0) throw new InvalidInput(`render takes exactly one KubeDirectorCluster, got ${clusters.length}`);
  const namespace = input.namespace ?? cluster.metadata.namespace ?? 'default';
  const uid = input.uid ?? defaultUid(namespace, cluster.metadata.name);
  const parent = { ...cluster, metadata: { ...cluster.metadata, namespace, uid, generation: 1 } } as KubeObject;

  const related: Record<string, Record<string, KubeObject>> = { [TYPE.app]: {}, [TYPE.config]: {}, [TYPE.pod]: {} };
  for (const object of objects) {
    const carriedPackage = object.kind === 'ConfigMap' && object.apiVersion === 'v1' && object.metadata.labels?.[PACKAGE_LABEL];
    if ((object.apiVersion !== API_VERSION && !carriedPackage) || object === cluster) continue;
    const type = `${object.kind}.${object.apiVersion}`;
    // Apps and packages given without a namespace are taken to be in the cluster's (the local catalog); the config is the system one.
    const ns = object.kind === 'KubeDirectorConfig' ? input.systemNamespace : (object.metadata.namespace ?? namespace);
    (related[type] ??= {})[`${ns}/${object.metadata.name}`] = { ...object, metadata: { ...object.metadata, namespace: ns } };
  }
  const response = sync({ controller: {}, parent, children: {}, related, finalizing: false }, { systemNamespace: input.systemNamespace });
  const conditions = (response.status as { conditions?: Condition[] }).conditions ?? [];
  // Like `helm template` with invalid values: an error and no manifests, rather than YAML that applies nothing useful.
  const refused = refusal(conditions);
  if (refused) throw new InvalidInput(`KubeDirectorCluster ${namespace}/${cluster.metadata.name} is not valid: ${refused}`);
  const status = yaml({ status: response.status })
    .trimEnd()
    .split('\n')
    .map((line) => `# ${line}`)
    .join('\n');
  // Warnings that would only be a condition in status get a line of their own.
  const warnings = conditions
    .filter((c) => c.type === 'AppFieldsKnown' && c.status === 'False')
    .map((c) => `# warning: ${c.message}\n`)
    .join('');
  const header = `# Rendered by kubedirector-hooks for KubeDirectorCluster ${namespace}/${cluster.metadata.name} (uid ${uid}).\n${warnings}${status}\n`;
  return header + response.children.map((child) => `---\n${yaml(child)}`).join('');
}
