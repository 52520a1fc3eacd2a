// The resource types the simulated API server serves, and the names kubectl accepts for them.
import { Definitions } from '../api/resources.js';
import type { KubeObject } from './objects.js';

/** Metadata only the API server writes (what Metacontroller calls objectMetaSystemFields). */
export const SYSTEM_METADATA = [
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
];

export interface KindInfo {
  kind: string;
  apiVersion: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** Whether status is written through a subresource (ignored by main-resource writes). */
  statusSubresource: boolean;
  /** Whether the API server tracks metadata.generation for this type. */
  generation: boolean;
  /** A custom resource (served from a CRD) rather than a built-in type. */
  custom: boolean;
  /** Whether objects live in a namespace (false: cluster-scoped, keyed by name alone). */
  namespaced: boolean;
}

const builtin = (kind: string, apiVersion: string, plural: string, shortNames: string[], generation = false): KindInfo => ({
  kind,
  apiVersion,
  plural,
  singular: kind.toLowerCase(),
  shortNames,
  statusSubresource: true,
  generation,
  custom: false,
  namespaced: true,
});

export const KINDS: KindInfo[] = [
  builtin('Pod', 'v1', 'pods', ['po']),
  builtin('Service', 'v1', 'services', ['svc']),
  builtin('PersistentVolumeClaim', 'v1', 'persistentvolumeclaims', ['pvc']),
  { ...builtin('ConfigMap', 'v1', 'configmaps', ['cm']), statusSubresource: false },
  { ...builtin('Secret', 'v1', 'secrets', []), statusSubresource: false },
  builtin('StatefulSet', 'apps/v1', 'statefulsets', ['sts'], true),
  { ...builtin('ServiceAccount', 'v1', 'serviceaccounts', ['sa']), statusSubresource: false },
  { ...builtin('Role', 'rbac.authorization.k8s.io/v1', 'roles', []), statusSubresource: false },
  { ...builtin('RoleBinding', 'rbac.authorization.k8s.io/v1', 'rolebindings', []), statusSubresource: false },
  { ...builtin('Lease', 'coordination.k8s.io/v1', 'leases', []), statusSubresource: false },
  { ...builtin('StorageClass', 'storage.k8s.io/v1', 'storageclasses', ['sc']), statusSubresource: false, namespaced: false },
  ...Definitions.map((d) => ({
    kind: d.kind,
    apiVersion: 'kubedirector.hpe.com/v1beta1',
    plural: d.plural,
    singular: d.singular,
    shortNames: d.shortNames,
    statusSubresource: d.status !== undefined,
    generation: true,
    custom: true,
    namespaced: true,
  })),
];

/** Whether objects of kind have no namespace (StorageClass). */
export const clusterScoped = (kind: string): boolean => KINDS.some((k) => k.kind === kind && !k.namespaced);

/** The type of a kind name as kubectl accepts it: Kind, plural, singular or short name, any case. */
export function resolveKind(name: string): KindInfo {
  const wanted = name.toLowerCase();
  const info = KINDS.find((k) => [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames].includes(wanted));
  if (!info) throw new Error(`the server doesn't have a resource type "${name}"`);
  return info;
}

export function kindOfResource(apiVersion: string, resource: string): KindInfo | undefined {
  return KINDS.find((k) => k.apiVersion === apiVersion && k.plural === resource);
}

/** The outer key of a v2 hook object map: `Kind.apiVersion` (`Service.v1`, `StatefulSet.apps/v1`). */
export const typeKey = (obj: { kind: string; apiVersion: string }) => `${obj.kind}.${obj.apiVersion}`;

/** The inner key of a v2 hook object map. */
export const nameKey = (obj: KubeObject): string =>
  obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
