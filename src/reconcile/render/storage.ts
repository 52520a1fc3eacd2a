// Member storage: the StatefulSet's claim templates and the PVC children named as the
// StatefulSet would name them, so the hook decides their lifecycle (expansion, retention).
import type { IPersistentVolumeClaim, IPersistentVolumeClaimSpec } from 'kubernetes-models/v1';
import type { ClusterRole } from '../../api/cluster.js';
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import { DATA_CLAIM, blockClaim, claimName } from '../names.js';
import { compareQuantities, quantityString } from '../quantity.js';
import type { Labels } from '../labels.js';
import type { RolePlan } from '../plan.js';
import type { ClaimNames } from './pod.js';
import { mayGrow } from './expansion.js';

/** Upstream's size of a block device when the role gives none. */
const DEFAULT_BLOCK_SIZE = '1Gi';

export interface ClaimTemplate {
  name: string;
  size: string;
  storageClassName?: string;
  block: boolean;
}

/** The claim templates the role's spec asks for. */
export function desiredClaimTemplates(role: ClusterRole, defaultStorageClass: string | undefined): ClaimTemplate[] {
  const templates: ClaimTemplate[] = [];
  if (role.storage) {
    const storageClassName = role.storage.storageClassName ?? defaultStorageClass;
    templates.push({
      name: DATA_CLAIM,
      size: quantityString(role.storage.size),
      ...(storageClassName ? { storageClassName } : {}),
      block: false,
    });
  }
  const block = role.blockStorage;
  for (let i = 0; block && i < block.numDevices; i++) {
    templates.push({
      name: blockClaim(i),
      size: quantityString(block.size ?? DEFAULT_BLOCK_SIZE),
      storageClassName: block.storageClassName,
      block: true,
    });
  }
  return templates;
}

interface ObservedTemplate {
  metadata?: { name?: string };
  spec?: { storageClassName?: string; volumeMode?: string; resources?: { requests?: { storage?: string } } };
}

/** Claim templates of an existing StatefulSet, which can never change. */
export function observedClaimTemplates(statefulSet: KubeObject): ClaimTemplate[] {
  const templates = (statefulSet.spec as { volumeClaimTemplates?: ObservedTemplate[] } | undefined)?.volumeClaimTemplates ?? [];
  return templates.map((t) => ({
    name: t.metadata?.name ?? '',
    size: t.spec?.resources?.requests?.storage ?? '0',
    ...(t.spec?.storageClassName ? { storageClassName: t.spec.storageClassName } : {}),
    block: t.spec?.volumeMode === 'Block',
  }));
}

/** Whether two template lists make the same volumes (sizes aside: those grow through the PVCs). */
export const sameClaimShape = (a: ClaimTemplate[], b: ClaimTemplate[]) =>
  a.length === b.length &&
  a.every((t, i) => {
    const other = b[i];
    return other !== undefined && t.name === other.name && t.block === other.block && t.storageClassName === other.storageClassName;
  });

export function claimNames(templates: ClaimTemplate[]): ClaimNames {
  return {
    data: templates.some((t) => t.name === DATA_CLAIM),
    blockDevices: templates.filter((t) => t.block).map((t) => Number(t.name.slice(1))),
  };
}

function claimSpec(template: ClaimTemplate, size: string): IPersistentVolumeClaimSpec {
  return {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: size } },
    ...(template.storageClassName ? { storageClassName: template.storageClassName } : {}),
    ...(template.block ? { volumeMode: 'Block' as const } : {}),
  };
}

export function claimTemplate(template: ClaimTemplate, labels: Labels): IPersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: template.name, labels },
    spec: claimSpec(template, template.size),
  };
}

const requestedSize = (pvc: KubeObject | undefined) =>
  (pvc?.spec as { resources?: { requests?: { storage?: string } } } | undefined)?.resources?.requests?.storage;

/**
 * A member's PVC for one template. Its size is what the spec asks for when that is larger
 * than what exists (an expansion); a PVC never shrinks, and does not grow when the API server
 * would refuse it (the claim is not bound yet, or its StorageClass cannot expand): Metacontroller
 * would retry that write forever.
 */
export function memberClaim(input: {
  template: ClaimTemplate;
  wantedSize: string;
  pod: string;
  namespace: string;
  labels: Labels;
  ownerReference: OwnerReference;
  observed?: KubeObject;
  storageClasses: Map<string, KubeObject>;
}): IPersistentVolumeClaim {
  const current = requestedSize(input.observed);
  const refused = input.observed !== undefined && !mayGrow(input.observed, input.storageClasses);
  const keep = current !== undefined && (refused || compareQuantities(current, input.wantedSize) === 1);
  const size = keep ? current : input.wantedSize;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(input.template.name, input.pod),
      namespace: input.namespace,
      labels: input.labels,
      // Listed explicitly so that a later desired state without it releases the PVC (retention on deletion).
      ownerReferences: [input.ownerReference],
    },
    spec: claimSpec(input.template, size),
  };
}

/** Where a member's block devices appear: the role's path prefix and the device number. */
export function blockDevicePaths(templates: ClaimTemplate[], role: ClusterRole | undefined): string[] {
  return templates.filter((t) => t.block).map((t) => `${role?.blockStorage?.pathPrefix ?? ''}${t.name.slice(1)}`);
}

/** What a role's members have on disk, worked out once for the claims, configmeta and status. */
export interface RoleStorage {
  /** The claim templates as members actually get them (the observed ones once the StatefulSet exists). */
  templates: ClaimTemplate[];
  /** Where block devices appear in the container. */
  devicePaths: string[];
  /** Whether members have a data PVC. */
  dataClaim: boolean;
  /** The size each member claim is asked to have, by template name (a claim only ever grows to it). */
  sizes: Map<string, string>;
  /** The templates the spec asks for: a new StatefulSet's volumeClaimTemplates. */
  wanted: ClaimTemplate[];
  /** A storage layout change that waits until the role has no pods, with why. */
  deferred?: string;
  /** The layout changed and the role has no pods: its StatefulSet goes now and comes back with the new one. */
  recreate: boolean;
}

/** The role's storage: from its spec, the observed StatefulSet (whose templates never change) and whether it still has pods. */
export function planStorage(role: RolePlan, defaultStorageClass: string | undefined, hasPods: boolean): RoleStorage {
  const { spec, observedStatefulSet: observed } = role;
  const wanted = spec ? desiredClaimTemplates(spec, defaultStorageClass) : [];
  let templates = observed ? observedClaimTemplates(observed) : wanted;
  let deferred: string | undefined;
  let recreate = false;
  if (spec && observed && !sameClaimShape(templates, wanted)) {
    if (role.members.length === 0 && !hasPods) {
      templates = wanted;
      recreate = true;
    } else {
      deferred = `role "${spec.id}": a storage change (storage, blockStorage or storageClassName) takes effect once the role has no members; scale it to 0 and back`;
    }
  }
  const specSize = (template: ClaimTemplate) =>
    (template.block ? spec?.blockStorage?.size : spec?.storage?.size)?.toString() ?? template.size;
  return {
    templates,
    devicePaths: blockDevicePaths(templates, spec),
    dataClaim: templates.some((t) => t.name === DATA_CLAIM),
    sizes: new Map(templates.map((t) => [t.name, specSize(t)])),
    wanted,
    ...(deferred ? { deferred } : {}),
    recreate,
  };
}

/** A role that has no StatefulSet and no storage (status of a role that is gone). */
export const NO_STORAGE: RoleStorage = { templates: [], devicePaths: [], dataClaim: false, sizes: new Map(), wanted: [], recreate: false };
