// Which of Metacontroller's apply strategies writes this cluster's children, told from the
// children themselves, and whether the PVC retention policy can be honoured under it.
//
// Keeping PVCs on deletion works by finalize returning them without the cluster's owner
// reference. dynamic-apply's 3-way merge then removes the reference; server-side apply always
// sends the parent's controller reference with every child it applies, so the PVCs stay owned
// and the deletion waits on them. The hooks cannot change that, so they say it while the cluster
// lives, before anyone deletes it.
import type { Condition } from '../api/core.js';
import type { KubeObject } from '../api/meta.js';
import { LAST_APPLIED } from './observed.js';
import type { Resolved } from './resolve.js';

export type ApplyStrategy = 'dynamic-apply' | 'server-side-apply';

export const RETENTION_CONDITION = 'RetentionPolicySupported';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether an apply operation (server-side apply, under any field manager) owns the owner reference to the parent. */
function appliesOwnerReference(child: KubeObject, parentUid: string): boolean {
  const entries: unknown = (child.metadata as Record<string, unknown>).managedFields;
  if (!Array.isArray(entries)) return false;
  const key = `k:{"uid":"${parentUid}"}`;
  return entries.some((entry) => {
    if (!isRecord(entry) || entry.operation !== 'Apply' || !isRecord(entry.fieldsV1)) return false;
    const metadata = entry.fieldsV1['f:metadata'];
    const refs = isRecord(metadata) ? metadata['f:ownerReferences'] : undefined;
    return isRecord(refs) && key in refs;
  });
}

/**
 * server-side-apply when an apply operation owns a child's reference to the parent (it would put
 * it back), dynamic-apply when a child carries its last-applied annotation, undefined before any
 * child exists.
 */
export function observedApplyStrategy(children: Iterable<KubeObject>, parentUid: string): ApplyStrategy | undefined {
  let dynamic = false;
  for (const child of children) {
    if (appliesOwnerReference(child, parentUid)) return 'server-side-apply';
    const annotations: unknown = child.metadata.annotations;
    if (isRecord(annotations) && typeof annotations[LAST_APPLIED] === 'string') dynamic = true;
  }
  return dynamic ? 'dynamic-apply' : undefined;
}

/** The children whose managedFields tell the strategy: the ones the hooks render and Metacontroller applies. */
function appliedChildren(resolved: Resolved): KubeObject[] {
  const { statefulSets, services, pvcs, configMaps, secrets, leases } = resolved.observed;
  return [statefulSets, services, pvcs, configMaps, secrets, leases].flatMap((byName) => [...byName.values()]);
}

export const keepsPVCsOnDeletion = (resolved: Resolved): boolean =>
  resolved.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted !== 'Delete';

export function strategyOf(resolved: Resolved): ApplyStrategy | undefined {
  return observedApplyStrategy(appliedChildren(resolved), resolved.uid);
}

export const SSA_RETENTION_MESSAGE =
  "Metacontroller applies this cluster's children with server-side apply, which puts the cluster's owner reference back on " +
  'every child it applies: on deletion the PVCs that whenDeleted: Retain keeps cannot be released, so the deletion waits ' +
  'on them (nothing is deleted). Run Metacontroller with --apply-strategy=dynamic-apply, or set ' +
  "persistentVolumeClaimRetentionPolicy.whenDeleted: Delete, or remove the PVCs' ownerReferences by hand once deleting";

/** Whether deleting the cluster will do what its retention policy says, under the strategy observed. */
export function retentionCondition(resolved: Resolved): Condition {
  const base = { type: RETENTION_CONDITION, observedGeneration: resolved.generation };
  if (!keepsPVCsOnDeletion(resolved))
    return { ...base, status: 'True', reason: 'DeletePolicy', message: 'whenDeleted: Delete: deleting the cluster deletes its PVCs' };
  switch (strategyOf(resolved)) {
    case 'dynamic-apply':
      return {
        ...base,
        status: 'True',
        reason: 'DynamicApply',
        message: 'whenDeleted: Retain: deleting the cluster releases its PVCs from it and keeps them',
      };
    case 'server-side-apply':
      return { ...base, status: 'False', reason: 'ServerSideApply', message: SSA_RETENTION_MESSAGE };
    default:
      return {
        ...base,
        status: 'Unknown',
        reason: 'NoChildrenYet',
        message: "Metacontroller's apply strategy shows once the cluster's children exist",
      };
  }
}
