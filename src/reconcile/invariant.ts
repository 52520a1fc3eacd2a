// The last check of every sync before it answers: an observed child missing from the desired
// children is deleted by Metacontroller, so each one missing must be a removal the plan meant.
// Anything else (a defect, or a status that misled the plan) freezes the answer instead.
import type { KubeObject } from '../api/meta.js';
import { LABEL } from './labels.js';
import { isStopped, type Plan } from './plan.js';
import type { RoleStorage } from './render/storage.js';
import { departedMemberClaim } from './render/children.js';
import type { Resolved } from './resolve.js';

const key = (object: KubeObject) => `${object.kind}/${object.metadata.name}`;

const hasPods = (resolved: Resolved, statefulSet: string) =>
  [...resolved.observed.pods.keys()].some((pod) => pod.startsWith(`${statefulSet}-`));

/** A StatefulSet goes only when its role has drained (out of the spec, no members, no pods) or is recreated empty for a new storage layout. */
function statefulSetMayGo(resolved: Resolved, plan: Plan, storage: Map<string, RoleStorage>, name: string): boolean {
  const role = plan.roles.find((r) => r.statefulSet === name);
  if (!role || role.members.length > 0 || hasPods(resolved, name)) return false;
  return !role.spec || storage.get(role.id)?.recreate === true;
}

/** A PVC goes only by the scale-down retention policy, once its member has left; never while the cluster is stopped. */
function claimMayGo(resolved: Resolved, plan: Plan, name: string): boolean {
  if (isStopped(resolved)) return false;
  return resolved.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete' && departedMemberClaim(name, plan);
}

/**
 * A member Service goes when its type must change (recreated on the next sync), or once its
 * member is deleting or its pod is gone. The headless Service never goes while the cluster lives.
 */
function serviceMayGo(resolved: Resolved, plan: Plan, service: KubeObject): boolean {
  if (!service.metadata.labels?.[LABEL.role]) return false;
  const spec = service.spec as { type?: string; selector?: Record<string, string> } | undefined;
  if ((spec?.type ?? 'ClusterIP') !== resolved.serviceType) return true;
  const pod = spec?.selector?.[LABEL.podName];
  if (!pod || !resolved.observed.pods.has(pod)) return true;
  const member = plan.roles.flatMap((r) => r.members).find((m) => m.status.pod === pod);
  return member?.status.state === 'deleting';
}

/** Observed StatefulSets, PVCs and Services that the desired children leave out without the plan meaning to: `Kind/name` each. */
export function unplannedRemovals(resolved: Resolved, plan: Plan, storage: Map<string, RoleStorage>, desired: KubeObject[]): string[] {
  const kept = new Set(desired.map(key));
  const missing = (object: KubeObject) => !kept.has(key(object));
  return [
    ...[...resolved.observed.statefulSets.values()]
      .filter(missing)
      .filter((s) => !statefulSetMayGo(resolved, plan, storage, s.metadata.name)),
    ...[...resolved.observed.pvcs.values()].filter(missing).filter((c) => !claimMayGo(resolved, plan, c.metadata.name)),
    ...[...resolved.observed.services.values()].filter(missing).filter((s) => !serviceMayGo(resolved, plan, s)),
  ]
    .map(key)
    .sort();
}

/** The Ready message of a sync frozen by the check. */
export const unplannedMessage = (removals: string[]) =>
  `the plan would delete ${removals.join(', ')} without a policy that says so: existing objects are left as they are`;
