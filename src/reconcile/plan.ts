// Step three of sync: which members each role has and what state each is in, from the
// previous status (the memory of node ids, states and acknowledgements) and the observed pods
// (the facts). Members are told about changes through the published configuration; their
// pods' readiness tells which generation of it they have processed.
import type { AppRole, KubeDirectorAppSpec } from '../api/app.js';
import type { ClusterRole, MemberStateDetail, MemberStatus, RoleStatus } from '../api/cluster.js';
import type { KubeObject } from '../api/meta.js';
import { LABEL } from './labels.js';
import { headlessServiceName, memberFqdn, memberServiceName, podName, podOrdinal, statefulSetName } from './names.js';
import { eventFqdns, eventId, rolesTaking } from './notify.js';
import { observePod, type PodObservation } from './pods.js';
import { compareEventIds, memberProgress, type MemberProgress } from './progress.js';
import { memberLeaseName } from './names.js';
import type { Resolved } from './resolve.js';
import { DEFAULT_MAX_LOG, appRoleOf, desiredMembers, maxLogSize, rolePorts, type PortInfo } from './app-queries.js';

export interface MemberPlan {
  ordinal: number;
  fqdn: string;
  status: MemberStatus;
  observation: PodObservation;
  /** Configured for the first time in this sync: the others are told (--addnodes). */
  joined: boolean;
  /** Started leaving in this sync: the others are told (--delnodes). */
  leaving: boolean;
  /** The member's own Service, or NO_SERVICE when its role exposes no endpoint. */
  service: string;
  /** What its sidecar reports about the current pod, when it does. */
  progress?: MemberProgress;
}

export interface RolePlan {
  id: string;
  /** Absent when the role was removed from spec and is draining. */
  spec?: ClusterRole;
  appRole?: AppRole;
  statefulSet: string;
  observedStatefulSet?: KubeObject;
  /** The endpoints the role's members expose (from the app's roleServices). */
  ports: PortInfo[];
  members: MemberPlan[];
  /** Pods the StatefulSet keeps: every member not yet deleting (they are always ordinals 0..replicas-1). */
  replicas: number;
}

/** A role in the spec and in the app (not one draining after its removal). */
export interface ActiveRole extends RolePlan {
  spec: ClusterRole;
  appRole: AppRole;
}

export const isActive = (role: RolePlan): role is ActiveRole => role.spec !== undefined && role.appRole !== undefined;

export interface Plan {
  clusterService: string;
  roles: RolePlan[];
  lastNodeID: number;
  /** Where the stored status was unreadable or named other objects than observed, and was rebuilt. */
  statusNotes: string[];
}

/** The first line of the guest agent's failure report (see src/guest/PROTOCOL.md). */
/** Upstream's service field of a member whose role exposes no endpoint. */
export const NO_SERVICE = 'n/a';

export const CONFIG_FAILURE_PREFIX = 'kubedirector: configure failed: ';

const LEAVING_STATES = new Set(['delete pending', 'deleting']);
/** Whether the spec asks for the cluster to be stopped: no pods, everything else kept. */
export const isStopped = (resolved: Resolved) => resolved.spec?.stopped === true;

export const isLeaving = (member: MemberStatus) => LEAVING_STATES.has(member.state);

function withDetail(status: MemberStatus, changes: Partial<MemberStateDetail>): MemberStatus {
  const detail: Record<string, unknown> = { ...status.stateDetail, ...changes };
  for (const key of Object.keys(detail)) if (detail[key] === undefined) delete detail[key];
  return { ...status, stateDetail: detail };
}

/** The failure report of a container whose setup failed, as status fields; undefined when there is none. */
export function configFailure(pod: PodObservation, maxLog = DEFAULT_MAX_LOG): Partial<MemberStateDetail> | undefined {
  const message = pod.terminationMessage;
  if (!message?.startsWith(CONFIG_FAILURE_PREFIX)) return undefined;
  const [STDOUT, STDERR] = ['\n--- stdout ---\n', '\n--- stderr ---\n'];
  const out = message.indexOf(STDOUT);
  const err = message.indexOf(STDERR, out < 0 ? 0 : out);
  const tail = (text: string) => (text.length > maxLog ? text.slice(text.length - maxLog) : text);
  const end = (at: number) => (at < 0 ? message.length : at);
  // Each tail is followed by one newline of the agent's own (src/guest/PROTOCOL.md): before the
  // next header it is that header's first character; at the end it is dropped here.
  const last = message.slice(err + STDERR.length);
  return {
    configErrorDetail: message.slice(CONFIG_FAILURE_PREFIX.length, end(message.indexOf('\n'))),
    startScriptStdoutMessage: out < 0 ? '' : tail(message.slice(out + STDOUT.length, end(err))),
    startScriptStderrMessage: err < 0 ? '' : tail(last.endsWith('\n') ? last.slice(0, -1) : last),
  };
}

/** The next state of a member that stays in the cluster. */
function advance(member: MemberStatus, pod: PodObservation, maxLog: number): MemberStatus {
  const lastConfigured = member.stateDetail?.lastConfiguredContainer;
  const failure = configFailure(pod, maxLog);
  const configured = (m: MemberStatus) =>
    withDetail(
      { ...m, state: 'configured' },
      {
        lastConfiguredContainer: pod.containerID,
        configuringContainer: undefined,
        configErrorDetail: undefined,
        startScriptStdoutMessage: undefined,
        startScriptStderrMessage: undefined,
      },
    );
  const creating = (m: MemberStatus) => withDetail({ ...m, state: 'creating' }, { configuringContainer: pod.containerID });
  const configError = (m: MemberStatus) => withDetail({ ...m, state: 'config error' }, { ...failure });
  const settle = (m: MemberStatus) => (pod.ready ? configured(m) : failure ? configError(m) : creating(m));

  switch (member.state) {
    case 'create pending':
      return pod.exists && !pod.terminating ? settle(member) : member;
    case 'creating':
      return settle(member);
    case 'config error':
      return pod.ready ? configured(member) : failure ? configError(member) : member;
    default: {
      // A new container (restart, or a pod recreated elsewhere) goes back through creating.
      const restarted = pod.containerID !== undefined && lastConfigured !== undefined && pod.containerID !== lastConfigured;
      return restarted ? settle(member) : member;
    }
  }
}

/**
 * Acknowledgements of a configured member against the published generation: it has seen the
 * generation once its pod is observed working (running, not ready) on it, and processed it once
 * observed ready again after that. The agent guarantees a not-ready period for every new
 * generation; if that period was missed, a readiness change later than the publication counts.
 */
function acknowledge(
  member: MemberStatus,
  pod: PodObservation,
  joined: boolean,
  resolved: Resolved,
  progress: MemberProgress | undefined,
): MemberStatus {
  if (member.state !== 'configured') return member;
  const { generation, publishedAt } = resolved.published;
  const detail = member.stateDetail ?? {};
  if (joined) return withDetail(member, { lastConfigDataGeneration: generation, lastSetupGeneration: generation });
  // The member channel says it outright; a progress report never goes back on what was acknowledged.
  if (progress?.processed !== undefined || progress?.seen !== undefined) {
    const atLeast = (reported: number | undefined, known: number | undefined) =>
      reported === undefined ? known : Math.max(reported, known ?? reported);
    return withDetail(member, {
      lastConfigDataGeneration: atLeast(progress.seen, detail.lastConfigDataGeneration),
      lastSetupGeneration: atLeast(progress.processed, detail.lastSetupGeneration),
    });
  }
  if (detail.lastSetupGeneration === generation) return member;
  const readyAfterPublication = publishedAt !== undefined && pod.readySince !== undefined && pod.readySince > publishedAt;
  if (pod.ready && (detail.lastConfigDataGeneration === generation || readyAfterPublication)) {
    return withDetail(member, { lastConfigDataGeneration: generation, lastSetupGeneration: generation });
  }
  if (!pod.ready && pod.containerState === 'running') return withDetail(member, { lastConfigDataGeneration: generation });
  return member;
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

/** The StatefulSet the cluster made for a role, found by its labels. */
function observedStatefulSetOf(resolved: Resolved, id: string): string | undefined {
  for (const set of resolved.observed.statefulSets.values()) {
    const labels = set.metadata.labels ?? {};
    if (labels[LABEL.role] === id && labels[LABEL.cluster] === resolved.name) return set.metadata.name;
  }
  return undefined;
}

/** The StatefulSet of a role: as observed, else as named in status, else as the naming scheme says. A role never gets a second one. */
function statefulSetOf(resolved: Resolved, id: string, previous: RoleStatus | undefined): string {
  return observedStatefulSetOf(resolved, id) ?? previous?.statefulSet ?? statefulSetName(resolved.identity, id);
}

/** The headless Service: as observed (the cluster's Service without a role), else as named in status, else by the naming scheme. */
function headlessOf(resolved: Resolved): string {
  for (const service of resolved.observed.services.values()) {
    if (service.metadata.labels?.[LABEL.cluster] === resolved.name && !service.metadata.labels[LABEL.role]) {
      return service.metadata.name;
    }
  }
  return resolved.previous.clusterService ?? headlessServiceName(resolved.identity);
}

/** Where status names other objects than the observed ones: the observed names are used, and status is rebuilt. */
function statusContradictions(resolved: Resolved, clusterService: string, roles: RolePlan[]): string[] {
  const notes: string[] = [];
  const recorded = resolved.previous.clusterService;
  if (recorded && recorded !== clusterService) notes.push(`status.clusterService named ${recorded}, observed ${clusterService}`);
  for (const role of resolved.previous.roles ?? []) {
    const planned = roles.find((r) => r.id === role.id);
    if (planned && role.statefulSet && role.statefulSet !== planned.statefulSet)
      notes.push(`status of role "${role.id}" named StatefulSet ${role.statefulSet}, observed ${planned.statefulSet}`);
  }
  return notes;
}

/**
 * Whether the members that must hear of a departure have processed its --delnodes: every
 * running, configured member of a role whose startscript takes delnodes. Members whose pods are
 * down are not waited for; they run the event when they come back.
 */
function departureHeard(resolved: Resolved, roles: RolePlan[], member: MemberPlan): boolean {
  const app = resolved.app?.spec;
  const takers = app
    ? rolesTaking(
        app,
        roles.map((r) => r.id),
        'delnodes',
      )
    : [];
  const listeners = roles
    .filter((r) => takers.includes(r.id))
    .flatMap((r) => r.members)
    .filter((m) => !isLeaving(m.status) && m.status.state === 'configured' && m.observation.containerState === 'running');
  if (listeners.length === 0) return true;
  const announcement = resolved.published.events.find((e) => e.args[0] === '--delnodes' && eventFqdns(e).includes(member.fqdn));
  if (!announcement) return false;
  return listeners.every((m) => (m.status.stateDetail?.lastSetupGeneration ?? -1) >= announcement.generation);
}

/** The cluster annotation with which an operator lets members go without their --leave: pod names, comma-separated, or `*`. */
export const SKIP_LEAVE_ANNOTATION = 'kubedirector.hpe.com/skip-leave';

/** Whether an operator has waived this member's --leave. */
export function leaveSkipped(resolved: Resolved, pod: string): boolean {
  const value = resolved.parent.metadata.annotations?.[SKIP_LEAVE_ANNOTATION] ?? '';
  const listed = value.split(',').map((p) => p.trim());
  return listed.includes('*') || listed.includes(pod);
}

/**
 * Whether a departing member may go as far as its own --leave is concerned: its role does not
 * take the event, it never configured (nothing to hand over), its sidecar reports the leave
 * done, or an operator waived it.
 */
export function leaveSettled(resolved: Resolved, role: RolePlan, member: MemberPlan): boolean {
  const app = resolved.app?.spec;
  if (!app || !rolesTaking(app, [role.id], 'leave').includes(role.id)) return true;
  if (member.status.stateDetail?.lastConfiguredContainer === undefined) return true;
  if (leaveSkipped(resolved, member.status.pod)) return true;
  const leave = resolved.published.events.find((e) => e.args[0] === '--leave' && eventFqdns(e).includes(member.fqdn));
  const left = member.progress?.left;
  return leave !== undefined && left !== undefined && compareEventIds(left, eventId(leave)) >= 0;
}

/** What planning one role needs from the whole cluster. */
interface PlanContext {
  resolved: Resolved;
  previousRoles: Map<string, RoleStatus>;
  fqdnOf: (pod: string) => string;
  app: KubeDirectorAppSpec | undefined;
  /** Node ids the published configuration lists, by pod. */
  nodeIds: Map<string, number>;
}

/** One role's members, before departures are settled; node ids continue from lastNodeID. */
/** A member as its pod shows it, when status has no usable record of it: configured if ready (nothing to announce), else creating. */
function rebuiltMember(resolved: Resolved, pod: string, nodeID: number): MemberStatus {
  const observation = observePod(resolved.observed.pods.get(pod));
  if (!observation.ready) return { pod, service: '', nodeID, state: 'creating', stateDetail: {} };
  const generation = resolved.published.generation;
  return {
    pod,
    service: '',
    nodeID,
    state: 'configured',
    stateDetail: {
      ...(observation.containerID ? { lastConfiguredContainer: observation.containerID } : {}),
      lastConfigDataGeneration: generation,
      lastSetupGeneration: generation,
    },
  };
}

/** Node ids as the published configuration lists them (its `members` file: pod, role, node id, FQDN per line). */
/** The highest node id the published configuration says was ever given (its `last-node-id`), 0 when none. */
export function publishedLastNodeId(resolved: Resolved): number {
  const data = (resolved.published.object as { data?: Record<string, unknown> } | undefined)?.data;
  const value = typeof data?.['last-node-id'] === 'string' ? Number(data['last-node-id'].trim()) : 0;
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

export function publishedNodeIds(resolved: Resolved): Map<string, number> {
  const ids = new Map<string, number>();
  const data = (resolved.published.object as { data?: Record<string, unknown> } | undefined)?.data;
  const text = typeof data?.members === 'string' ? data.members : '';
  for (const line of text.split('\n')) {
    const [pod, , id] = line.split('\t');
    const nodeID = Number(id);
    if (pod && Number.isSafeInteger(nodeID) && nodeID > 0) ids.set(pod, nodeID);
  }
  return ids;
}

function planRole(
  { resolved, previousRoles, fqdnOf, app, nodeIds }: PlanContext,
  id: string,
  lastNodeID: number,
): { role: RolePlan; lastNodeID: number; notes: string[] } {
  const spec = resolved.spec?.roles.find((r) => r.id === id);
  const appRole = app ? appRoleOf(app, id) : undefined;
  const maxLog = maxLogSize(app, appRole);
  const previous = previousRoles.get(id);
  const statefulSet = statefulSetOf(resolved, id, previous);
  // A stopped cluster keeps its members as they are: none joins, none leaves; scale changes wait for resume.
  const stopped = isStopped(resolved) && spec !== undefined;
  const wanted = spec ? (stopped ? Infinity : desiredMembers(spec, appRole)) : 0;
  const ports = app ? rolePorts(app, id) : [];
  const serviceOf = (pod: string) => (ports.length > 0 ? memberServiceName(resolved.identity.scheme, pod) : NO_SERVICE);

  /**
   * A member's plan, with what its sidecar reports about the current pod read once. A member that
   * stays (joined given) takes its acknowledgements from that report.
   */
  const member = (ordinal: number, status: MemberStatus, observation: PodObservation, flags: Partial<MemberPlan> = {}): MemberPlan => {
    const progress = memberProgress(resolved.observed.leases.get(memberLeaseName(status.pod)), observation.uid);
    const acknowledged = flags.joined === undefined ? status : acknowledge(status, observation, flags.joined, resolved, progress);
    return {
      ordinal,
      fqdn: fqdnOf(status.pod),
      status: observe(acknowledged, observation),
      observation,
      joined: false,
      leaving: false,
      service: serviceOf(status.pod),
      ...(progress ? { progress } : {}),
      ...flags,
    };
  };

  const observedStatefulSet = resolved.observed.statefulSets.get(statefulSet);
  const observedReplicas = (observedStatefulSet?.spec as { replicas?: unknown } | undefined)?.replicas;
  const kept = typeof observedReplicas === 'number' && Number.isInteger(observedReplicas) ? Math.max(0, observedReplicas) : 0;
  const notes: string[] = [];
  const recorded = (previous?.members ?? []).filter((status) => podOrdinal(statefulSet, status.pod) !== undefined);
  let remembered = recorded;
  const lost = !previous || (previous.members.length > 0 && recorded.length === 0);
  // Stopped, the StatefulSet has no replicas to tell the members: the published configuration lists them.
  const listed = stopped ? [...nodeIds.entries()].filter(([pod]) => podOrdinal(statefulSet, pod) !== undefined) : [];
  if (lost && kept > 0) {
    // Status lost (or about another StatefulSet): the observed StatefulSet's pods are the members.
    remembered = Array.from({ length: kept }, (_, ordinal) => {
      const pod = podName(statefulSet, ordinal);
      const status = rebuiltMember(resolved, pod, nodeIds.get(pod) ?? ++lastNodeID);
      return status;
    });
    notes.push(`role "${id}": ${kept} members rebuilt from StatefulSet ${statefulSet}`);
  } else if (lost && listed.length > 0) {
    remembered = listed.map(([pod, nodeID]) => rebuiltMember(resolved, pod, nodeID));
    notes.push(`role "${id}": ${listed.length} members of the stopped cluster rebuilt from its published configuration`);
  }
  const known = remembered.flatMap((recordedStatus): MemberPlan[] => {
    const ordinal = podOrdinal(statefulSet, recordedStatus.pod);
    if (ordinal === undefined) return [];
    let status = recordedStatus;
    const live = observePod(resolved.observed.pods.get(status.pod));
    if (status.state === 'deleting' && ordinal < wanted && ordinal < kept && live.exists && !live.terminating) {
      // Wanted by the spec, kept by its StatefulSet and its pod untouched: the record is wrong, not the pod.
      notes.push(`member ${status.pod} was recorded deleting while the spec and its StatefulSet keep it`);
      status = rebuiltMember(resolved, status.pod, status.nodeID);
    }
    const pod = observePod(resolved.observed.pods.get(status.pod));
    if (isLeaving(status)) {
      // Deleting members stay until their pod is gone; delete pending ones are settled later.
      return status.state === 'delete pending' || pod.exists ? [member(ordinal, status, pod)] : [];
    }
    if (ordinal >= wanted) return [member(ordinal, { ...status, state: 'delete pending' }, pod, { leaving: true })];
    const next = advance(status, pod, maxLog);
    const joined = next.state === 'configured' && status.state !== 'configured' && !status.stateDetail?.lastConfiguredContainer;
    return [member(ordinal, next, pod, { joined })];
  });

  // New members fill free ordinals, but never above one still being deleted: pods are contiguous.
  const deleting = known.filter((m) => m.status.state === 'deleting').map((m) => m.ordinal);
  const ceiling = stopped ? 0 : Math.min(wanted, ...deleting);
  const taken = new Set(known.map((m) => m.ordinal));
  const added: MemberPlan[] = [];
  for (let ordinal = 0; ordinal < ceiling; ordinal++) {
    if (taken.has(ordinal)) continue;
    const pod = podName(statefulSet, ordinal);
    const observation = observePod(resolved.observed.pods.get(pod));
    const status: MemberStatus = { pod, service: '', nodeID: ++lastNodeID, state: 'create pending', stateDetail: {} };
    const next = advance(status, observation, maxLog);
    const joined = next.state === 'configured';
    added.push(member(ordinal, next, observation, { joined }));
  }
  const members = [...known, ...added].sort((a, b) => a.ordinal - b.ordinal);
  return { role: { id, spec, appRole, statefulSet, observedStatefulSet, ports, members, replicas: members.length }, lastNodeID, notes };
}

/**
 * Members announced as leaving go (deleting) once everyone who must hear of it has; the
 * StatefulSet keeps the pods of every member not deleting.
 */
function settleDepartures(resolved: Resolved, roles: RolePlan[]): RolePlan[] {
  return roles.map((role) => {
    // The StatefulSet removes the highest ordinals first: a member may go only once every member
    // above it is going too, or a lower one that has handed over would take a higher one whose
    // --leave failed with it.
    let aboveAllGoing = true;
    const members = [...role.members]
      .sort((a, b) => b.ordinal - a.ordinal)
      .map((m) => {
        const goes =
          m.status.state === 'deleting' ||
          (aboveAllGoing &&
            m.status.state === 'delete pending' &&
            !m.leaving &&
            departureHeard(resolved, roles, m) &&
            leaveSettled(resolved, role, m));
        aboveAllGoing &&= goes;
        return goes && m.status.state !== 'deleting' ? { ...m, status: { ...m.status, state: 'deleting' as const } } : m;
      })
      .reverse();
    const kept = members.filter((m) => m.status.state !== 'deleting').map((m) => m.ordinal + 1);
    // Stopped, a role in the spec keeps its members but no pods; one leaving the spec still drains.
    const stopped = isStopped(resolved) && role.spec !== undefined;
    return { ...role, members, replicas: stopped ? 0 : Math.max(0, ...kept) };
  });
}

export function plan(resolved: Resolved): Plan {
  const previousRoles = new Map((resolved.previous.roles ?? []).map((r) => [r.id, r]));
  const allPrevious = [...previousRoles.values()].flatMap((r) => r.members);
  const clusterService = headlessOf(resolved);
  const context: PlanContext = {
    resolved,
    previousRoles,
    fqdnOf: (pod) => memberFqdn(pod, clusterService, resolved.namespace, resolved.domainBase),
    app: resolved.app?.spec,
    nodeIds: publishedNodeIds(resolved),
  };
  // Node ids are never reused: the floor is what status remembers and what the published configuration says.
  let lastNodeID = Math.max(
    resolved.previous.lastNodeID ?? 0,
    ...allPrevious.map((m) => m.nodeID),
    ...context.nodeIds.values(),
    publishedLastNodeId(resolved),
  );
  const planned: RolePlan[] = [];
  const roleNotes: string[] = [];
  for (const id of roleIds(resolved)) {
    const next = planRole(context, id, lastNodeID);
    planned.push(next.role);
    lastNodeID = next.lastNodeID;
    roleNotes.push(...next.notes);
  }
  const roles = settleDepartures(resolved, planned);
  const notes = [
    ...(resolved.statusUnreadable ? [resolved.statusUnreadable] : []),
    ...statusContradictions(resolved, clusterService, roles),
    ...roleNotes,
  ];
  return { clusterService, roles, lastNodeID, statusNotes: notes };
}
