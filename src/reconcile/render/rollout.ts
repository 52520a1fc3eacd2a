// Rolling a changed pod template (a new app version, a role edit) through the members: one
// member at a time in the whole cluster, roles in the app's rolloutOrder, highest ordinal first
// within a role (the only order a StatefulSet's partition allows), and the next member only once
// every other member is configured. The StatefulSet controller replaces the pods; the hooks
// move each role's partition, from what the observed pods say (their template annotation).
import { createHash } from 'node:crypto';
import type { KubeDirectorAppSpec } from '../../api/app.js';
import { canonicalJson } from '../../member/progress.js';
import { isLeaving, type MemberPlan, type RolePlan } from '../plan.js';
import type { Resolved } from '../resolve.js';

/** The pod template annotation that names the template a pod was made from. */
export const TEMPLATE_ANNOTATION = 'kubedirector.hpe.com/pod-template';

/** A pod template's identity: the first 16 hex digits of the sha256 of its canonical JSON. */
export const templateHash = (template: unknown): string => createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 16);

export interface RoleRollout {
  /** Members whose pods were made from an earlier template, highest ordinal first. */
  outdated: MemberPlan[];
  /** The StatefulSet's partition: pods at or above this ordinal get the current template. */
  partition: number;
}

export interface Rollout {
  roles: Map<string, RoleRollout>;
  /** The member being replaced now, or the next one and what it waits for. */
  next?: { pod: string; waitingFor?: string };
  /** A member that failed to configure on the current template: the rollout waits for a fix or a rollback. */
  failed?: MemberPlan;
}

/** Roles in the order they roll: the app's rolloutOrder, then the rest in the app's role order, then roles no longer in it. */
function rolloutOrder(app: KubeDirectorAppSpec | undefined, roles: RolePlan[]): RolePlan[] {
  const order = [...(app?.rolloutOrder ?? []), ...(app?.roles ?? []).map((r) => r.id)];
  const rank = (id: string) => {
    const at = order.indexOf(id);
    return at < 0 ? order.length : at;
  };
  return [...roles].sort((a, b) => rank(a.id) - rank(b.id));
}

/** Whether a member's pod runs, is ready and configured: the others may be replaced meanwhile. */
const steady = (m: MemberPlan) => m.status.state === 'configured' && m.observation.ready && !m.observation.terminating;

/**
 * Each role's partition. hashes holds the current template of every role that renders a
 * StatefulSet; a pod without the annotation was made before templates were named, and is outdated.
 */
export function planRollout(resolved: Resolved, roles: RolePlan[], hashes: Map<string, string>): Rollout {
  const templateOf = (m: MemberPlan) => resolved.observed.pods.get(m.status.pod)?.metadata.annotations?.[TEMPLATE_ANNOTATION];
  const outdatedByRole = new Map(
    roles.map((role) => {
      const hash = hashes.get(role.id);
      const outdated = role.members
        .filter((m) => hash !== undefined && m.observation.exists && !m.observation.terminating && templateOf(m) !== hash)
        .sort((a, b) => b.ordinal - a.ordinal);
      return [role.id, outdated];
    }),
  );
  const outdatedMembers = new Set([...outdatedByRole.values()].flat());
  const members = roles.flatMap((r) => r.members).filter((m) => !isLeaving(m.status));
  // Only a member made from the current template can have failed on it.
  const failed = members.find((m) => m.status.state === 'config error' && !outdatedMembers.has(m));

  const result = new Map<string, RoleRollout>();
  let next: Rollout['next'];
  for (const role of rolloutOrder(resolved.app?.spec, roles)) {
    const outdated = outdatedByRole.get(role.id) ?? [];
    const [candidate] = outdated;
    if (!candidate) {
      result.set(role.id, { outdated, partition: 0 });
      continue;
    }
    let partition = candidate.ordinal + 1;
    if (!next) {
      // The candidate itself may be down (a failed member rolling back): only the others must be steady.
      const blocker = members.find((m) => m !== candidate && !steady(m));
      const leaving = isLeaving(candidate.status);
      if (!blocker && !leaving && !failed) partition = candidate.ordinal;
      const waitingFor = blocker ? `${blocker.status.pod} is configured` : leaving ? `${candidate.status.pod} has left` : undefined;
      next = { pod: candidate.status.pod, ...(waitingFor ? { waitingFor } : {}) };
    }
    result.set(role.id, { outdated, partition });
  }
  return { roles: result, ...(next ? { next } : {}), ...(failed ? { failed } : {}) };
}
