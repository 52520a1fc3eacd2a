// Step five of sync: the status Metacontroller writes whole. Everything in it changes only
// when what was observed changes, never on its own: no clock, no counters of calls (each
// condition's lastTransitionTime is stamped at the boundary from the request's own times).
import type { Condition } from '../api/core.js';
import { retentionCondition } from './apply-strategy.js';
import { KubeDirectorAppSpec } from '../api/app.js';
import { describeUnknown, unknownFields } from '../api/unknown-fields.js';
import type { ClusterState, KubeDirectorClusterStatus, MemberStateRollup, MemberStatus } from '../api/cluster.js';
import { DATA_CLAIM, claimName } from './names.js';
import type { Resolved } from './resolve.js';
import type { Problem, Valid } from './validate.js';
import type { Plan } from './plan.js';
import { observePod } from './pods.js';
import type { Rollout } from './render/rollout.js';
import type { Rendered } from './render/children.js';
import { CONFIGMAP_LIMIT } from './render/config.js';
import { NO_STORAGE, type RoleStorage } from './render/storage.js';
import { claimResize, type ClaimResize, type ResizeState } from './render/expansion.js';
import { eventFqdns, eventId, type NotificationEvent } from './notify.js';
import { SKIP_LEAVE_ANNOTATION, isStopped, type MemberPlan } from './plan.js';
import type { MemberStateDetail } from '../api/cluster.js';

const condition = (resolved: Resolved, type: string, ok: boolean, reason: string, message: string): Condition => ({
  type,
  status: ok ? 'True' : 'False',
  observedGeneration: resolved.generation,
  reason,
  message,
});

export function validCondition(resolved: Resolved, problems: Problem[]): Condition {
  const [first] = problems;
  if (!first) return condition(resolved, 'Valid', true, 'Valid', 'spec is valid for its app');
  return condition(resolved, 'Valid', false, first.reason, problems.map((p) => `${p.field}: ${p.message}`).join('; '));
}

function rollup(members: MemberStatus[], rolling: boolean): MemberStateRollup {
  const down = (m: MemberStatus) => ['terminated', 'absent'].includes(m.stateDetail?.lastKnownContainerState ?? '');
  const restarting = (m: MemberStatus) => m.stateDetail?.lastConfiguredContainer !== undefined;
  return {
    membershipChanging: members.some(
      (m) =>
        ((m.state === 'create pending' || m.state === 'creating') && !restarting(m)) ||
        m.state === 'delete pending' ||
        m.state === 'deleting',
    ),
    membersDown: members.some((m) => m.state !== 'create pending' && m.state !== 'deleting' && down(m)),
    membersInitializing: members.some((m) => m.stateDetail?.lastKnownContainerState === 'initializing'),
    membersWaiting: members.some((m) => m.stateDetail?.lastKnownContainerState === 'waiting' || (m.state === 'create pending' && down(m))),
    membersRestarting: members.some((m) => (m.state === 'create pending' || m.state === 'creating') && restarting(m)),
    configErrors: members.some((m) => m.state === 'config error'),
    membersNotScheduled: members.some((m) => m.stateDetail?.schedulingErrorMessage !== undefined),
    membersUpgrading: rolling,
  };
}

/**
 * Configured: every member settled, every configured member has processed the published
 * generation, and none runs an earlier pod template. Stopped: asked to stop, and no pod is left.
 */
function clusterState(
  previous: ClusterState | undefined,
  members: MemberStatus[],
  generation: number,
  rolling: boolean,
  stop?: StopProgress,
): ClusterState {
  if (stop) return stop.podsLeft === 0 ? 'stopped' : 'updating';
  const settled =
    !rolling &&
    members.every((m) => m.state === 'config error' || (m.state === 'configured' && m.stateDetail?.lastSetupGeneration === generation));
  if (settled) return 'configured';
  return previous === undefined || previous === 'creating' ? 'creating' : 'updating';
}

function readyCondition(
  resolved: Resolved,
  state: ClusterState,
  members: MemberStatus[],
  ready: number,
  roll: MemberStateRollup,
  stop?: StopProgress,
): Condition {
  const total = members.length;
  if (stop) {
    if (stop.podsLeft > 0)
      return condition(resolved, 'Ready', false, 'Stopping', `stopping: ${stop.podsLeft} pods left; PVCs, Services and members are kept`);
    return condition(
      resolved,
      'Ready',
      false,
      'Stopped',
      `stopped (spec.stopped): ${total} members kept with their PVCs and node ids; no pods run`,
    );
  }
  if (roll.configErrors)
    return condition(resolved, 'Ready', false, 'ConfigError', 'some members failed to configure; see status.roles[].members[].stateDetail');
  if (state !== 'configured') {
    return condition(
      resolved,
      'Ready',
      false,
      state === 'creating' ? 'Creating' : 'Updating',
      `${ready} of ${total} members ready; members are joining, leaving or taking in a change`,
    );
  }
  if (ready < total)
    return condition(resolved, 'Ready', false, roll.membersDown ? 'MembersDown' : 'MembersNotReady', `${ready} of ${total} members ready`);
  return condition(resolved, 'Ready', true, 'AllMembersReady', `all ${total} members are configured and ready`);
}

/** A cluster asked to stop, and how many of its members' pods still exist. */
interface StopProgress {
  podsLeft: number;
}

function stopProgress(resolved: Resolved, plan: Plan): StopProgress | undefined {
  if (!isStopped(resolved)) return undefined;
  const podsLeft = plan.roles.flatMap((r) => r.members).filter((m) => m.observation.exists).length;
  return { podsLeft };
}

function specAppliedCondition(resolved: Resolved, deferred: string[]): Condition {
  if (deferred.length === 0) return condition(resolved, 'SpecApplied', true, 'Applied', 'every spec change is applied');
  return condition(resolved, 'SpecApplied', false, 'ChangeDeferred', deferred.join('; '));
}

/** Shown in status, a long FQDN list is cut short: the full event is in the cluster's ConfigMap. */
const SHOWN_FQDNS = 5;

function pendingNotifications(events: NotificationEvent[], role: string, member: { fqdn: string; status: MemberStatus }) {
  if (member.status.state !== 'configured') return [];
  const processed = member.status.stateDetail?.lastSetupGeneration ?? -1;
  return events
    .filter((e) => e.generation > processed && e.roles.includes(role) && !eventFqdns(e).includes(member.fqdn))
    .map((e) => {
      const fqdns = eventFqdns(e);
      if (fqdns.length <= SHOWN_FQDNS) return { arguments: e.args };
      const shown = `${fqdns.slice(0, SHOWN_FQDNS).join(',')},... (${fqdns.length} in all)`;
      return { arguments: e.args.map((arg, i) => (e.args[i - 1] === '--fqdns' ? shown : arg)) };
    });
}

/** How many attempts the agent makes at a notification before it skips it (see PROTOCOL.md). */
export const NOTIFY_ATTEMPTS = 3;

/** The member's last failed notification, as status shows it. */
function notifyError(member: MemberPlan, events: NotificationEvent[]): MemberStateDetail['notifyError'] {
  const failure = member.progress?.notify;
  if (!failure) return undefined;
  return {
    event: failure.event,
    arguments: events.find((e) => eventId(e) === failure.event)?.args ?? [],
    attempts: failure.attempts,
    message: failure.reason,
    startScriptStdoutMessage: failure.stdout,
    startScriptStderrMessage: failure.stderr,
  };
}

/** Whether every member heard what it was told: failed notifications and leaves, by member. */
function notifiedCondition(resolved: Resolved, plan: Plan): Condition {
  const failures = plan.roles.flatMap((role) =>
    role.members.flatMap((m) => {
      const failure = m.progress?.notify;
      if (!failure) return [];
      const event = resolved.published.events.find((e) => eventId(e) === failure.event);
      const leave = m.status.state === 'delete pending' && event?.args[0] === '--leave';
      const outcome = failure.attempts >= NOTIFY_ATTEMPTS ? (leave ? 'gave up; the member stays' : 'skipped') : 'retrying';
      return [{ leave, text: `${m.status.pod}: event ${failure.event} failed ${failure.attempts} times (${failure.reason}; ${outcome})` }];
    }),
  );
  if (failures.length === 0) return condition(resolved, 'MembersNotified', true, 'Notified', 'no notification has failed');
  const leaving = failures.some((f) => f.leave);
  const hint = leaving ? `; a member whose --leave failed stays until it succeeds or the annotation ${SKIP_LEAVE_ANNOTATION} names it` : '';
  return condition(
    resolved,
    'MembersNotified',
    false,
    leaving ? 'LeaveFailed' : 'NotificationFailed',
    `${failures.map((f) => f.text).join('; ')}${hint}; see status.roles[].members[].stateDetail.notifyError`,
  );
}

export function clusterStatus(resolved: Valid, plan: Plan, rendered: Rendered): KubeDirectorClusterStatus {
  const { storage, publication } = rendered;
  const deferred = [...rendered.deferred];
  if (publication.size > CONFIGMAP_LIMIT) {
    deferred.push(
      `the cluster's configuration is ${publication.size} bytes, over the ConfigMap limit of ${CONFIGMAP_LIMIT}: members cannot receive it`,
    );
  }
  // A role that left the spec stays in status only while it still has members.
  const roles = plan.roles
    .filter((role) => role.spec || role.members.length > 0)
    .map((role) => {
      const { dataClaim, devicePaths: devices } = storage.get(role.id) ?? NO_STORAGE;
      return {
        id: role.id,
        statefulSet: role.statefulSet,
        members: role.members.map((member) => ({
          ...withPending(member.status, pendingNotifications(publication.events, role.id, member), notifyError(member, publication.events)),
          service: member.service,
          ...(dataClaim ? { pvc: claimName(DATA_CLAIM, member.status.pod) } : {}),
          ...(devices.length > 0 ? { blockDevicePaths: devices } : {}),
        })),
      };
    });
  const members = roles.flatMap((r) => r.members);
  const ready = plan.roles.flatMap((r) => r.members).filter((m) => m.observation.ready).length;
  const rolling = [...rendered.rollout.roles.values()].some((r) => r.outdated.length > 0);
  const memberStateRollup = rollup(members, rolling);
  const stop = stopProgress(resolved, plan);
  const state = clusterState(resolved.previous.state, members, publication.generation, rolling, stop);
  return {
    state,
    memberStateRollup,
    specGenerationToProcess: resolved.generation,
    clusterService: plan.clusterService,
    lastNodeID: plan.lastNodeID,
    configGeneration: publication.generation,
    ...(resolved.connections.hash ? { lastConnectionHash: resolved.connections.hash } : {}),
    roles,
    members: members.length,
    readyMembers: ready,
    observedGeneration: resolved.generation,
    conditions: [
      validCondition(resolved, []),
      readyCondition(resolved, state, members, ready, memberStateRollup, stop),
      specAppliedCondition(resolved, deferred),
      notifiedCondition(resolved, plan),
      rolledOutCondition(resolved, plan, rendered.rollout),
      volumesCondition(resolved, plan, storage),
      ...appFieldsCondition(resolved),
      retentionCondition(resolved),
      ...rebuiltCondition(resolved, plan.statusNotes),
    ],
  };
}

/** Whether every member runs its role's current pod template, and if not, what the rollout waits for. */
function rolledOutCondition(resolved: Resolved, plan: Plan, rollout: Rollout): Condition {
  const behind = plan.roles.flatMap((role) => {
    const outdated = rollout.roles.get(role.id)?.outdated.length ?? 0;
    return outdated > 0
      ? [`role ${role.id}: ${role.members.length - outdated} of ${role.members.length} members on the current pod template`]
      : [];
  });
  if (behind.length === 0) return condition(resolved, 'RolledOut', true, 'RolledOut', "every member runs its role's current pod template");
  const { failed, next } = rollout;
  if (failed) {
    const detail = failed.status.stateDetail?.configErrorDetail;
    return condition(
      resolved,
      'RolledOut',
      false,
      'RolloutPaused',
      `${behind.join('; ')}; paused: ${failed.status.pod} failed to configure on the current template${detail ? ` (${detail})` : ''}. Fix the app, or point the cluster back at the app it ran to roll back the same way`,
    );
  }
  const waiting = next?.waitingFor ? `${next.pod} is next, once ${next.waitingFor}` : `${next?.pod} is being replaced`;
  return condition(resolved, 'RolledOut', false, 'RollingOut', `${behind.join('; ')}; one member at a time: ${waiting}`);
}

/** Claims named in full in a VolumesExpanded message; the rest are counted. */
const SHOWN_CLAIMS = 5;

const describeResize = (r: ClaimResize) =>
  `${r.pvc} (capacity ${r.capacity} of ${r.wanted}${r.requested !== undefined && r.requested !== r.wanted ? `, requested ${r.requested}` : ''}${r.details.length > 0 ? `; ${r.details.join('; ')}` : ''})`;

function listResizes(resizes: ClaimResize[]): string {
  const shown = resizes.slice(0, SHOWN_CLAIMS).map(describeResize);
  const more = resizes.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

const RESIZE_REASONS: [ResizeState, string, string][] = [
  ['failed', 'ExpansionFailed', 'resizing failed for'],
  ['unsupported', 'ExpansionNotSupported', 'cannot grow, kept at their size:'],
  ['expanding', 'Expanding', 'growing:'],
];

/**
 * Whether every member PVC has the capacity its role asks for, read from the observed claims:
 * a failed resize first, then a claim whose class cannot grow, then resizes under way.
 */
function volumesCondition(resolved: Resolved, plan: Plan, storage: Map<string, RoleStorage>): Condition {
  const resizes = plan.roles.flatMap((role) => {
    const { templates, sizes } = storage.get(role.id) ?? NO_STORAGE;
    return role.members.flatMap((member) =>
      templates.flatMap((template) => {
        const pvc = resolved.observed.pvcs.get(claimName(template.name, member.status.pod));
        const resize = pvc && claimResize(pvc, sizes.get(template.name) ?? template.size, resolved.storageClasses);
        return resize ? [resize] : [];
      }),
    );
  });
  for (const [state, reason, what] of RESIZE_REASONS) {
    const found = resizes.filter((r) => r.state === state);
    if (found.length === 0) continue;
    const hint =
      state === 'expanding' && found.some((r) => r.details.some((d) => d.startsWith('FileSystemResizePending')))
        ? '; FileSystemResizePending: the file system grows when a pod mounts the volume, which on some drivers means restarting the member'
        : state === 'unsupported'
          ? '; set allowVolumeExpansion: true on the StorageClass, and the claims grow on the next sync'
          : '';
    return condition(resolved, 'VolumesExpanded', false, reason, `${what} ${listResizes(found)}${hint}`);
  }
  return condition(
    resolved,
    'VolumesExpanded',
    true,
    'CapacityMet',
    `every member PVC has the capacity its role asks for (${resizes.length} bound)`,
  );
}

/** Present for the sync that set aside or corrected the stored status: what was wrong with it. */
function rebuiltCondition(resolved: Resolved, notes: string[]): Condition[] {
  if (notes.length === 0) return [];
  return [condition(resolved, 'StatusRebuilt', true, 'RebuiltFromObserved', `${notes.join('; ')}: rebuilt from the observed children`)];
}

/**
 * A warning, never a freeze: fields of the app its schema does not know are stored by the CRD
 * and ignored by the hooks, so a misspelt one (`defaultPersistDir`) would otherwise go unseen.
 */
function appFieldsCondition(resolved: Resolved): Condition[] {
  const app = resolved.app;
  if (!app) return [];
  const unknown = unknownFields(KubeDirectorAppSpec, app.spec, 'spec');
  const where = `KubeDirectorApp ${app.namespace}/${app.name}`;
  if (unknown.length === 0) return [condition(resolved, 'AppFieldsKnown', true, 'AllFieldsKnown', `every field of ${where} is known`)];
  return [condition(resolved, 'AppFieldsKnown', false, 'UnknownFields', `ignored: ${describeUnknown(unknown, where)}`)];
}

function withPending(status: MemberStatus, pending: { arguments: string[] }[], error: MemberStateDetail['notifyError']): MemberStatus {
  const { pendingNotifyCmds: _old, notifyError: _oldError, ...detail } = status.stateDetail ?? {};
  return {
    ...status,
    stateDetail: { ...detail, ...(pending.length > 0 ? { pendingNotifyCmds: pending } : {}), ...(error ? { notifyError: error } : {}) },
  };
}

/** The status of a cluster whose children are frozen: what was known before, and why nothing moves. */
export function frozenStatus(
  resolved: Resolved,
  problems: Problem[],
  readyReason: string,
  readyMessage: string,
): KubeDirectorClusterStatus {
  const kept = (resolved.previous.conditions ?? []).filter((c) => !['Valid', 'Ready', 'StatusRebuilt'].includes(c.type));
  const unreadable = resolved.statusUnreadable ? [resolved.statusUnreadable] : [];
  // The member counts come from the observed pods when status has none (a cluster that never
  // started), so `kubectl get kdcluster` shows 0 and 0 beside the reason rather than nothing.
  const pods = [...resolved.observed.pods.values()].map(observePod);
  return {
    ...resolved.previous,
    members: resolved.previous.members ?? pods.length,
    readyMembers: resolved.previous.readyMembers ?? pods.filter((p) => p.ready).length,
    observedGeneration: resolved.generation,
    conditions: [
      validCondition(resolved, problems),
      condition(resolved, 'Ready', false, readyReason, readyMessage),
      ...rebuiltCondition(resolved, unreadable),
      ...kept,
    ],
  };
}
