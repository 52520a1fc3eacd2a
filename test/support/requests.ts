// Builds Metacontroller v2 hook requests from readable pieces, for reconciler tests.
import type { KubeDirectorClusterStatus } from '../../src/api/cluster.js';
import type { HookRequest, ObjectsByType } from '../../src/api/hook.js';
import type { KubeObject } from '../../src/api/meta.js';
import { TYPE } from '../../src/reconcile/kinds.js';
import { LAST_APPLIED } from '../../src/reconcile/observed.js';
import { TEMPLATE_ANNOTATION } from '../../src/reconcile/render/rollout.js';
import type { ReconcileOptions } from '../../src/reconcile/resolve.js';
import { sync } from '../../src/reconcile/sync.js';
import { clone, readYaml } from './fixtures.js';

export const NAMESPACE = 'analytics';
export const SYSTEM_NAMESPACE = 'kubedirector';
export const OPTIONS: ReconcileOptions = { systemNamespace: SYSTEM_NAMESPACE };
export const UID = '0f6c5a9e-1111-4000-8000-0000000000aa';

const CHILD_TYPES = [TYPE.statefulSet, TYPE.service, TYPE.pvc, TYPE.configMap, TYPE.secret];

/** Objects grouped as a v2 request groups them: `Kind.apiVersion` then `namespace/name`. */
export function group(objects: KubeObject[], types: string[] = []): ObjectsByType {
  const grouped: ObjectsByType = Object.fromEntries(types.map((t) => [t, {}]));
  for (const object of objects) {
    const type = `${object.kind}.${object.apiVersion}`;
    grouped[type] ??= {};
    grouped[type][`${object.metadata.namespace ?? NAMESPACE}/${object.metadata.name}`] = object;
  }
  return grouped;
}

/** A cluster manifest as the API server stores it: in a namespace, with uid and generation. */
export function stored(manifest: Record<string, unknown>, extra: { generation?: number; status?: unknown } = {}): KubeObject {
  const object = clone(manifest) as KubeObject;
  object.metadata = { ...object.metadata, namespace: NAMESPACE, uid: UID, generation: extra.generation ?? 1 };
  if (extra.status !== undefined) object.status = extra.status;
  return object;
}

export function app(file: string, namespace = NAMESPACE): KubeObject {
  const object = readYaml<KubeObject>(file);
  object.metadata.namespace = namespace;
  return object;
}

export interface RequestParts {
  parent: KubeObject;
  apps?: KubeObject[];
  config?: KubeObject;
  children?: KubeObject[];
  pods?: KubeObject[];
  finalizing?: boolean;
}

/** A pod as its StatefulSet controller makes it from the set's template: its annotations and spec. */
export function madeFrom(pod: KubeObject, statefulSet: KubeObject | undefined): KubeObject {
  const template = (statefulSet?.spec as { template?: { metadata?: { annotations?: Record<string, string> }; spec?: unknown } } | undefined)
    ?.template;
  if (!template) return pod;
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations: { ...template.metadata?.annotations, ...pod.metadata.annotations } },
    spec: clone(template.spec),
  };
}

/** A pod made from the template last applied, unless the test made it from a template of its own. */
function madeFromCurrentTemplate(pod: KubeObject, children: KubeObject[]): KubeObject {
  if (pod.metadata.annotations?.[TEMPLATE_ANNOTATION] !== undefined) return pod;
  const set = children.find((c) => c.kind === 'StatefulSet' && new RegExp(`^${c.metadata.name}-\\d+$`).test(pod.metadata.name));
  return madeFrom(pod, set);
}

export function request({ parent, apps = [], config, children = [], pods = [], finalizing = false }: RequestParts): HookRequest {
  return {
    controller: { apiVersion: 'metacontroller.k8s.io/v1alpha1', kind: 'CompositeController', metadata: { name: 'kubedirectorclusters' } },
    parent,
    children: group(children, CHILD_TYPES),
    related: group(
      [...apps, ...(config ? [config] : []), ...pods.map((p) => madeFromCurrentTemplate(p, children))],
      [TYPE.app, TYPE.config, TYPE.pod],
    ),
    finalizing,
  };
}

export type Status = KubeDirectorClusterStatus & { conditions: { type: string; status: string; reason: string; message: string }[] };

/** One sync of the parts, with the status typed for assertions. */
export function run(parts: RequestParts) {
  const response = sync(request(parts), OPTIONS);
  return { ...response, status: response.status as Status };
}

export const named = (children: KubeObject[], kind: string) => children.filter((c) => c.kind === kind);
export const names = (children: KubeObject[], kind: string) => named(children, kind).map((c) => c.metadata.name);
export const condition = (status: Status, type: string) => status.conditions.find((c) => c.type === type)!;

/** An object as Metacontroller stores it after applying what a response asked for. */
export function applied(desired: KubeObject, extra: Record<string, unknown> = {}): KubeObject {
  return {
    ...clone(desired),
    metadata: {
      ...clone(desired.metadata),
      uid: `uid-${desired.metadata.name}`,
      resourceVersion: '1',
      annotations: { ...desired.metadata.annotations, [LAST_APPLIED]: JSON.stringify(desired) },
    },
    ...extra,
  };
}

/** Successive syncs of one cluster, each seeing what the previous one applied (children and status). */
export function cluster(
  manifest: Record<string, unknown>,
  apps: KubeObject[],
  extra: { config?: KubeObject; related?: KubeObject[] } = {},
) {
  let children: KubeObject[] = [];
  let status: Status | undefined;
  let generation = 1;
  return (pods: KubeObject[] = [], spec?: unknown) => {
    if (spec) {
      generation += 1;
      manifest = { ...manifest, spec };
    }
    const parent = stored(manifest, { generation, ...(status ? { status } : {}) });
    const response = run({
      parent,
      apps: [...apps, ...(extra.related ?? [])],
      pods,
      children,
      ...(extra.config ? { config: extra.config } : {}),
    });
    children = response.children.map((c) => applied(c));
    status = response.status;
    return response;
  };
}
