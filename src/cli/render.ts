// `render`: what the sync hook would answer for a new cluster, printed as YAML that kubectl can
// apply (like `helm template`), with the status it would report as a leading comment.
import { parseAllDocuments, stringify } from 'yaml';
import type { Condition } from '../api/core.js';
import type { KubeObject } from '../api/meta.js';
import { API_VERSION } from '../api/resources.js';
import { TYPE } from '../reconcile/kinds.js';
import { PACKAGE_LABEL } from '../reconcile/labels.js';
import { sync } from '../reconcile/index.js';

export interface RenderInput {
  /** YAML texts holding one KubeDirectorCluster, its KubeDirectorApp (with the ConfigMap carrying its package) and optionally kd-global-config. */
  documents: string[];
  namespace?: string;
  systemNamespace: string;
  /** Kubernetes assigns the uid; names under the UID naming scheme derive from it. */
  uid: string;
}

const yaml = (value: unknown) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });

export function render(input: RenderInput): string {
  const objects = input.documents
    .flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject | null))
    .filter((o): o is KubeObject => Boolean(o?.kind));
  const clusters = objects.filter((o) => o.kind === 'KubeDirectorCluster');
  const [cluster, ...others] = clusters;
  if (!cluster || others.length > 0) throw new Error(`render takes exactly one KubeDirectorCluster, got ${clusters.length}`);
  const namespace = input.namespace ?? cluster.metadata.namespace ?? 'default';
  const parent = { ...cluster, metadata: { ...cluster.metadata, namespace, uid: input.uid, generation: 1 } } as KubeObject;

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
  const status = yaml({ status: response.status })
    .trimEnd()
    .split('\n')
    .map((line) => `# ${line}`)
    .join('\n');
  // Warnings that would only be a condition in status get a line of their own.
  const warnings = ((response.status as { conditions?: Condition[] }).conditions ?? [])
    .filter((c) => c.type === 'AppFieldsKnown' && c.status === 'False')
    .map((c) => `# warning: ${c.message}\n`)
    .join('');
  const header = `# Rendered by kubedirector-hooks for KubeDirectorCluster ${namespace}/${cluster.metadata.name} (uid ${input.uid}).\n${warnings}${status}\n`;
  return header + response.children.map((child) => `---\n${yaml(child)}`).join('');
}
