// Step five of sync: the status Metacontroller writes whole. Everything in it changes only
// when what was observed changes, never on its own: no timestamps, no counters of calls.
import type { Condition } from '../api/core.js';
import type { ClusterState, KubeDirectorClusterStatus, MemberStateRollup, MemberStatus } from '../api/cluster.js';
import { DATA_CLAIM, claimName, memberServiceName } from './names.js';
import type { Plan } from './plan.js';
import type { Resolved } from './resolve.js';
import type { Problem } from './validate.js';
import { rolePorts } from './render/pod.js';
import type { ClaimTemplate } from './render/storage.js';

/** Upstream's service field of a member whose role exposes no endpoint. */
export const NO_SERVICE = 'n/a';

const condition = (resolved: Resolved, type: string, ok: boolean, reason: string, message: string): Condition => ({
  type,
  status: ok ? 'True' : 'False',
  observedGeneration: resolved.generation,
  reason,
  message,
});

export function validCondition(resolved: Resolved, problems: Problem[]): Condition {
  if (problems.length === 0) return condition(resolved, 'Valid', true, 'Valid', 'spec is valid for its app');
  return condition(resolved, 'Valid', false, problems[0]!.reason, problems.map((p) => `${p.field}: ${p.message}`).join('; '));
}

function rollup(members: MemberStatus[]): MemberStateRollup {
  const down = (m: MemberStatus) => ['terminated', 'absent'].includes(m.stateDetail?.lastKnownContainerState ?? '');
  const restarting = (m: MemberStatus) => m.stateDetail?.lastConfiguredContainer !== undefined;
  return {
    membershipChanging: members.some(
      (m) => ((m.state === 'create pending' || m.state === 'creating') && !restarting(m)) || m.state === 'delete pending' || m.state === 'deleting',
    ),
    membersDown: members.some((m) => m.state !== 'create pending' && m.state !== 'deleting' && down(m)),
    membersInitializing: members.some((m) => m.stateDetail?.lastKnownContainerState === 'initializing'),
    membersWaiting: members.some((m) => m.stateDetail?.lastKnownContainerState === 'waiting' || (m.state === 'create pending' && down(m))),
    membersRestarting: members.some((m) => (m.state === 'create pending' || m.state === 'creating') && restarting(m)),
    configErrors: members.some((m) => m.state === 'config error'),
    membersNotScheduled: members.some((m) => m.stateDetail?.schedulingErrorMessage !== undefined),
  };
}

function clusterState(previous: ClusterState | undefined, members: MemberStatus[]): ClusterState {
  const settled = members.every((m) => m.state === 'configured' || m.state === 'config error');
  if (settled) return 'configured';
  return previous === undefined || previous === 'creating' ? 'creating' : 'updating';
}

function readyCondition(resolved: Resolved, state: ClusterState, members: MemberStatus[], ready: number, roll: MemberStateRollup): Condition {
  const total = members.length;
  if (roll.configErrors) return condition(resolved, 'Ready', false, 'ConfigError', 'some members failed to configure; see status.roles[].members[].stateDetail');
  if (state !== 'configured') {
    return condition(resolved, 'Ready', false, state === 'creating' ? 'Creating' : 'Updating', `${ready} of ${total} members ready; membership is changing`);
  }
  if (ready < total) return condition(resolved, 'Ready', false, roll.membersDown ? 'MembersDown' : 'MembersNotReady', `${ready} of ${total} members ready`);
  return condition(resolved, 'Ready', true, 'AllMembersReady', `all ${total} members are configured and ready`);
}

function specAppliedCondition(resolved: Resolved, deferred: string[]): Condition {
  if (deferred.length === 0) return condition(resolved, 'SpecApplied', true, 'Applied', 'every spec change is applied');
  return condition(resolved, 'SpecApplied', false, 'ChangeDeferred', deferred.join('; '));
}

export function clusterStatus(
  resolved: Resolved,
  plan: Plan,
  templates: Map<string, ClaimTemplate[]>,
  deferred: string[],
): KubeDirectorClusterStatus {
  const app = resolved.app!.spec;
  // A role that left the spec stays in status only while it still has members.
  const roles = plan.roles.filter((role) => role.spec || role.members.length > 0).map((role) => {
    const claims = templates.get(role.id) ?? [];
    const blockDevices = claims.filter((c) => c.block);
    const service = (pod: string) => (rolePorts(app, role.id).length > 0 ? memberServiceName(resolved.identity.scheme, pod) : NO_SERVICE);
    return {
      id: role.id,
      statefulSet: role.statefulSet,
      members: role.members.map(({ status }) => ({
        ...status,
        service: service(status.pod),
        ...(claims.some((c) => c.name === DATA_CLAIM) ? { pvc: claimName(DATA_CLAIM, status.pod) } : {}),
        ...(blockDevices.length > 0
          ? { blockDevicePaths: blockDevices.map((_, i) => `${role.spec?.blockStorage?.pathPrefix ?? ''}${i}`) }
          : {}),
      })),
    };
  });
  const members = roles.flatMap((r) => r.members);
  const ready = plan.roles.flatMap((r) => r.members).filter((m) => m.observation.ready).length;
  const memberStateRollup = rollup(members);
  const state = clusterState(resolved.previous.state, members);
  return {
    state,
    memberStateRollup,
    specGenerationToProcess: resolved.generation,
    clusterService: plan.clusterService,
    lastNodeID: plan.lastNodeID,
    roles,
    members: members.length,
    readyMembers: ready,
    observedGeneration: resolved.generation,
    conditions: [
      validCondition(resolved, []),
      readyCondition(resolved, state, members, ready, memberStateRollup),
      specAppliedCondition(resolved, deferred),
    ],
  };
}

/** The status of a cluster whose children are frozen: what was known before, and why nothing moves. */
export function frozenStatus(resolved: Resolved, problems: Problem[], readyReason: string, readyMessage: string): KubeDirectorClusterStatus {
  const kept = (resolved.previous.conditions ?? []).filter((c) => c.type !== 'Valid' && c.type !== 'Ready');
  return {
    ...resolved.previous,
    observedGeneration: resolved.generation,
    conditions: [validCondition(resolved, problems), condition(resolved, 'Ready', false, readyReason, readyMessage), ...kept],
  };
}
