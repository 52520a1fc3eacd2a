// A mutation fuzzer over the hooks as Metacontroller calls them: a converged request for an
// example cluster, mutated in its spec, status, related objects and children, sent to the real
// server. What must hold for every mutation is checked here, independently of the planner:
// no 5xx, the same bytes for the same request, no observed StatefulSet, PVC or Service dropped
// unless a policy or a drained role explains it, and a reason on every frozen answer.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { HookRequest } from '../../src/api/hook.js';
import type { KubeObject } from '../../src/api/meta.js';
import { TYPE } from '../../src/reconcile/kinds.js';
import { LABEL } from '../../src/reconcile/labels.js';
import { asDesired, observedChildren } from '../../src/reconcile/observed.js';
import { catalogObjects } from './catalog.js';
import { readYaml } from './fixtures.js';
import { convergedSyncRequest } from './converged.js';

/** Ready reasons of an answer that echoes the observed children. */
export const FREEZING_REASONS = ['Invalid', 'ReconcileError', 'UnplannedRemoval'];

/** The sync request of an example cluster once its response stops changing (children applied, pods ready). */
export function convergedExample(file: string): HookRequest {
  const manifest = readYaml<{ spec: { app: string } }>(file);
  const converged = convergedSyncRequest(manifest, catalogObjects(manifest.spec.app), { maxRounds: 12 });
  if (!converged) throw new Error(`${file} did not converge`);
  return converged;
}

type Json = unknown;
type Request = HookRequest & Record<string, unknown>;

/** Every path below root, found without recursion (children maps are deep but finite). */
function paths(root: Json, limit = 4000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [Json, (string | number)[]][] = [[root, []]];
  while (stack.length > 0 && out.length < limit) {
    const [value, path] = stack.pop()!;
    if (path.length > 0) out.push(path);
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) stack.push([v, [...path, Array.isArray(value) ? Number(k) : k]]);
    }
  }
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json): void {
  let at = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (value === REMOVE) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete at[last];
  } else at[last] = value;
}

/** Stands for deleting the key or element instead of setting it. */
const REMOVE: unique symbol = Symbol('remove');
const SECTIONS = ['spec', 'status', 'related', 'children'] as const;

/** A value of the kinds a mutation puts in: small scalars, names that look real, and junk. */
const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(REMOVE),
  fc.constantFrom(null, 0, 1, -1, 2, 5, '', 'x', true, false, [], {}, 'deleting', 'delete pending', 'configured', 'Delete', 'Retain'),
  fc.integer({ min: -3, max: 12 }),
  fc.string({ maxLength: 12 }),
  fc.stringMatching(/^kd[a-z]{2}-[a-z0-9]{5}(-[0-9])?$/),
  fc.anything({ maxDepth: 2, maxKeys: 3 }),
);

/** A random edit somewhere in a section, chosen by index among that section's paths. */
export interface Mutation {
  section: (typeof SECTIONS)[number];
  at: number;
  value: Json;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({ section: fc.constantFrom(...SECTIONS), at: fc.nat(), value: replacement });

/** The named edits the fuzzer always mixes in: each once broke the data-safety rule. */
const targeted = fc.constantFrom(
  'statefulSetRenamed',
  'allDeleting',
  'statusJunk',
  'clusterServiceRenamed',
  'roleRemoved',
  'scaleDown',
  'statusDropped',
  'podsGone',
  'stopped',
);
export type Targeted = typeof targeted extends fc.Arbitrary<infer T> ? T : never;

export function applyTargeted(req: Request, edit: Targeted): void {
  const parent = req.parent as unknown as { spec: { roles: { id: string; members?: number }[] }; status?: Record<string, unknown> };
  const status = parent.status as { roles?: { statefulSet: string; members: { state: string }[] }[]; clusterService?: string } | undefined;
  const roles = parent.spec.roles;
  switch (edit) {
    case 'statefulSetRenamed':
      if (status?.roles?.[0]) status.roles[0].statefulSet = 'kdss-other';
      break;
    case 'allDeleting':
      for (const member of status?.roles?.at(-1)?.members ?? []) member.state = 'deleting';
      break;
    case 'statusJunk':
      parent.status = { roles: 'not a list', lastNodeID: -1 };
      break;
    case 'clusterServiceRenamed':
      if (status) status.clusterService = 'kdhs-other';
      break;
    case 'roleRemoved':
      if (roles.length > 1) roles.pop();
      break;
    case 'scaleDown':
      for (const role of roles) if ((role.members ?? 1) > 1) role.members = 1;
      break;
    case 'statusDropped':
      delete parent.status;
      break;
    case 'stopped':
      (parent.spec as { stopped?: boolean }).stopped = true;
      break;
    case 'podsGone':
      req.related[TYPE.pod] = {};
      break;
  }
}

export function applyMutation(req: Request, m: Mutation): void {
  const root =
    m.section === 'spec'
      ? (req.parent as unknown as Record<string, Json>).spec
      : m.section === 'status'
        ? (req.parent as unknown as Record<string, Json>).status
        : req[m.section];
  // Metacontroller keys children by name in the parent's namespace: those fields are not mutated.
  const candidates = paths(root).filter((p) => !(m.section === 'children' && p.length === 4 && p[2] === 'metadata'));
  if (candidates.length === 0) return;
  setAt(root, candidates[m.at % candidates.length]!, m.value);
}

/** A case: one or two targeted edits, then up to three random mutations. */
export const fuzzCase = fc.record({
  targeted: fc.array(targeted, { maxLength: 2 }),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
});
export type FuzzCase = typeof fuzzCase extends fc.Arbitrary<infer T> ? T : never;

export function mutated(base: HookRequest, c: FuzzCase): Request {
  const req = structuredClone(base) as Request;
  for (const edit of c.targeted) {
    try {
      applyTargeted(req, edit);
    } catch {
      // An earlier edit left nothing of the shape this one changes: it is skipped.
    }
  }
  for (const m of c.mutations) applyMutation(req, m);
  return req;
}

const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const serviceTypeOf = (req: HookRequest) => {
  const spec = (req.parent as { spec?: { serviceType?: unknown } }).spec;
  const config = Object.values(req.related[TYPE.config] ?? {})[0] as { spec?: { defaultServiceType?: unknown } } | undefined;
  return spec?.serviceType ?? config?.spec?.defaultServiceType ?? 'LoadBalancer';
};

interface Answer {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[]; roles?: unknown };
  children?: KubeObject[];
}

/** Why an answer to a sync breaks a data-safety rule, or nothing when it holds. */
export function syncViolations(req: HookRequest, answer: Answer): string[] {
  const problems: string[] = [];
  const children = answer.children ?? [];
  const ready = answer.status?.conditions?.find((c) => c.type === 'Ready');
  const valid = answer.status?.conditions?.find((c) => c.type === 'Valid');
  const echo = observedChildren(req.children).map(asDesired);
  const frozen = ready !== undefined && FREEZING_REASONS.includes(ready.reason ?? '');
  if (!ready?.message) problems.push('no Ready condition with a message');
  if (frozen && JSON.stringify(children) !== JSON.stringify(echo))
    problems.push(`frozen (${ready.reason}) but children differ from observed`);
  if (valid?.status !== 'True' && !frozen) problems.push('not valid, yet not frozen');
  if (frozen) return problems;

  const roles = (Array.isArray(answer.status?.roles) ? answer.status.roles : []) as {
    statefulSet: string;
    members: { pod: string; state: string }[];
  }[];
  const members = roles.flatMap((r) => r.members);
  const pods = Object.values(req.related[TYPE.pod] ?? {}).map((p) => p.metadata.name);
  const spec = (req.parent as { spec?: { stopped?: boolean; persistentVolumeClaimRetentionPolicy?: { whenScaled?: string } } }).spec;
  const kept = new Set(children.map(key));
  for (const object of observedChildren(req.children)) {
    if (kept.has(key(object))) continue;
    const name = object.metadata.name;
    if (object.kind === 'StatefulSet') {
      const hasPods = pods.some((p) => p.startsWith(`${name}-`));
      const hasMembers = roles.some((r) => r.statefulSet === name && r.members.length > 0);
      if (hasPods || hasMembers) problems.push(`StatefulSet ${name} dropped while it has pods or members`);
    } else if (object.kind === 'PersistentVolumeClaim') {
      const claimPod = /^(p|b\d+)-(.+)$/.exec(name)?.[2];
      const departed = !members.some((m) => m.pod === claimPod);
      if (spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete' || !departed || spec.stopped === true)
        problems.push(`PVC ${name} dropped without its policy`);
    } else if (object.kind === 'Service') {
      if (!object.metadata.labels?.[LABEL.role]) {
        problems.push(`headless Service ${name} dropped`);
        continue;
      }
      const service = object.spec as { type?: string; selector?: Record<string, string> } | undefined;
      const typeChange = (service?.type ?? 'ClusterIP') !== serviceTypeOf(req);
      const servedPod = service?.selector?.[LABEL.podName];
      const podLive = servedPod !== undefined && pods.includes(servedPod);
      const memberDeleting = members.some((m) => m.pod === servedPod && m.state === 'deleting');
      if (!typeChange && podLive && !memberDeleting) problems.push(`member Service ${name} dropped while its pod runs`);
      if (!typeChange && spec?.stopped === true && !memberDeleting)
        problems.push(`member Service ${name} dropped while the cluster is stopped`);
    }
  }
  return problems;
}

export interface FuzzTotals {
  cases: number;
  violations: string[];
  frozen: number;
  rejected: number;
}

/** Sends one case to every hook twice and records what breaks a rule. */
export async function runCase(app: FastifyInstance, base: HookRequest, c: FuzzCase, totals: FuzzTotals): Promise<void> {
  const req = mutated(base, c);
  const body = JSON.stringify({ controller: req.controller, parent: req.parent, children: req.children, related: req.related });
  totals.cases += 1;
  for (const url of ['/customize', '/sync', '/finalize']) {
    const call = () => app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json' } });
    const [first, second] = [await call(), await call()];
    const where = `${url} ${JSON.stringify(c)}`;
    if (first.statusCode >= 500) totals.violations.push(`${where}: ${first.statusCode} ${first.body.slice(0, 200)}`);
    if (first.body !== second.body) totals.violations.push(`${where}: two answers to one request`);
    if (first.statusCode >= 400) {
      if (url === '/sync') totals.rejected += 1;
      continue;
    }
    if (url !== '/sync') continue;
    const answer = JSON.parse(first.body) as Answer;
    const reason = answer.status?.conditions?.find((x) => x.type === 'Ready')?.reason ?? '';
    if (FREEZING_REASONS.includes(reason)) totals.frozen += 1;
    for (const problem of syncViolations(req, answer)) totals.violations.push(`${where}: ${problem}`);
  }
}
