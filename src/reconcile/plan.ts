// Step three of sync: which members each role has and what state each is in, from the
// previous status (the memory of node ids and states) and the observed pods (the facts).
import type { AppRole } from '../api/app.js';
import type { ClusterRole, MemberStateDetail, MemberStatus, RoleStatus } from '../api/cluster.js';
import type { KubeObject } from '../api/meta.js';
import { LABEL } from './labels.js';
import { headlessServiceName, podName, podOrdinal, statefulSetName } from './names.js';
import { observePod, type PodObservation } from './pods.js';
import type { Resolved } from './resolve.js';
import { appRoleOf, desiredMembers } from './validate.js';

export interface MemberPlan {
  ordinal: number;
  status: MemberStatus;
  observation: PodObservation;
}

export interface RolePlan {
  id: string;
  /** Absent when the role was removed from spec and is draining. */
  spec?: ClusterRole;
  appRole?: AppRole;
  statefulSet: string;
  observedStatefulSet?: KubeObject;
  members: MemberPlan[];
  /** Pods the StatefulSet keeps: every member not yet deleting (they are always ordinals 0..replicas-1). */
  replicas: number;
}

export interface Plan {
  clusterService: string;
  roles: RolePlan[];
  lastNodeID: number;
}

function withDetail(status: MemberStatus, changes: Partial<MemberStateDetail>): MemberStatus {
  const detail: Record<string, unknown> = { ...status.stateDetail, ...changes };
  for (const key of Object.keys(detail)) if (detail[key] === undefined) delete detail[key];
  return { ...status, stateDetail: detail as MemberStateDetail };
}

/** The next state of a member that stays in the cluster. */
function advance(member: MemberStatus, pod: PodObservation): MemberStatus {
  const lastConfigured = member.stateDetail?.lastConfiguredContainer;
  const configured = (m: MemberStatus) =>
    withDetail({ ...m, state: 'configured' }, { lastConfiguredContainer: pod.containerID, configuringContainer: undefined, configErrorDetail: undefined });
  const creating = (m: MemberStatus) => withDetail({ ...m, state: 'creating' }, { configuringContainer: pod.containerID });

  switch (member.state) {
    case 'create pending':
      if (!pod.exists || pod.terminating) return member;
      return pod.ready ? configured(member) : creating(member);
    case 'creating':
      return pod.ready ? configured(member) : creating(member);
    case 'config error':
      return pod.ready ? configured(member) : member;
    default: {
      // A new container (restart, or a pod recreated elsewhere) goes back through creating.
      const restarted = pod.containerID !== undefined && lastConfigured !== undefined && pod.containerID !== lastConfigured;
      if (!restarted) return member;
      return pod.ready ? configured(member) : creating(member);
    }
  }
}

/** The next state of a member whose ordinal is no longer wanted; undefined once it is gone. */
function depart(member: MemberStatus, pod: PodObservation): MemberStatus | undefined {
  if (member.state === 'deleting') return pod.exists ? member : undefined;
  if (member.state === 'delete pending') return { ...member, state: 'deleting' };
  return { ...member, state: 'delete pending' };
}

function observe(member: MemberStatus, pod: PodObservation): MemberStatus {
  return withDetail(member, {
    lastKnownContainerState: pod.containerState,
    schedulingErrorMessage: pod.schedulingError,
  });
}

function roleIds(resolved: Resolved): string[] {
  const ids = (resolved.spec?.roles ?? []).map((r) => r.id);
  for (const role of resolved.previous.roles ?? []) if (!ids.includes(role.id)) ids.push(role.id);
  for (const set of resolved.observed.statefulSets.values()) {
    const id = set.metadata.labels?.[LABEL.role];
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The StatefulSet of a role: as named in status, else as observed, else as the naming scheme says. */
function statefulSetOf(resolved: Resolved, id: string, previous: RoleStatus | undefined): string {
  if (previous?.statefulSet) return previous.statefulSet;
  for (const set of resolved.observed.statefulSets.values()) {
    if (set.metadata.labels?.[LABEL.role] === id) return set.metadata.name;
  }
  return statefulSetName(resolved.identity, id);
}

function headlessOf(resolved: Resolved): string {
  if (resolved.previous.clusterService) return resolved.previous.clusterService;
  for (const service of resolved.observed.services.values()) {
    if (service.metadata.labels?.[LABEL.cluster] === resolved.name && !service.metadata.labels?.[LABEL.role]) {
      return service.metadata.name;
    }
  }
  return headlessServiceName(resolved.identity);
}

export function plan(resolved: Resolved): Plan {
  const previousRoles = new Map((resolved.previous.roles ?? []).map((r) => [r.id, r]));
  const allPrevious = [...previousRoles.values()].flatMap((r) => r.members);
  let lastNodeID = Math.max(resolved.previous.lastNodeID ?? 0, ...allPrevious.map((m) => m.nodeID));

  const roles = roleIds(resolved).map((id): RolePlan => {
    const spec = resolved.spec?.roles.find((r) => r.id === id);
    const appRole = resolved.app ? appRoleOf(resolved.app.spec, id) : undefined;
    const previous = previousRoles.get(id);
    const statefulSet = statefulSetOf(resolved, id, previous);
    const wanted = spec ? desiredMembers(spec, appRole) : 0;

    const members: MemberPlan[] = [];
    for (const member of previous?.members ?? []) {
      const ordinal = podOrdinal(statefulSet, member.pod);
      if (ordinal === undefined) continue;
      const observation = observePod(resolved.observed.pods.get(member.pod));
      const next = ordinal < wanted && member.state !== 'delete pending' && member.state !== 'deleting'
        ? advance(member, observation)
        : depart(member, observation);
      if (next) members.push({ ordinal, status: observe(next, observation), observation });
    }

    // New members fill free ordinals, but never above one still being deleted: pods are contiguous.
    const deleting = members.filter((m) => m.status.state === 'deleting').map((m) => m.ordinal);
    const ceiling = Math.min(wanted, ...deleting);
    const taken = new Set(members.map((m) => m.ordinal));
    for (let ordinal = 0; ordinal < ceiling; ordinal++) {
      if (taken.has(ordinal)) continue;
      const pod = podName(statefulSet, ordinal);
      const observation = observePod(resolved.observed.pods.get(pod));
      const status: MemberStatus = { pod, service: '', nodeID: ++lastNodeID, state: 'create pending', stateDetail: {} };
      members.push({ ordinal, status: observe(advance(status, observation), observation), observation });
    }
    members.sort((a, b) => a.ordinal - b.ordinal);

    return {
      id,
      spec,
      appRole,
      statefulSet,
      observedStatefulSet: resolved.observed.statefulSets.get(statefulSet),
      members,
      replicas: members.filter((m) => m.status.state !== 'deleting').length,
    };
  });

  return { clusterService: headlessOf(resolved), roles, lastNodeID };
}
