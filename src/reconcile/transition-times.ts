// When each condition last changed status. The hooks cannot read the clock, so the time of a
// change is the newest time the request itself carries: the creation, deletion and last write
// (managedFields) of the parent and of every observed object. A condition whose status is the
// same as before keeps the time it had.
import type { Condition } from '../api/core.js';
import type { HookRequest } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';

/** RFC 3339 as the API server writes it; anything looser is not trusted as a time. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function timesOf(object: KubeObject): unknown[] {
  const metadata = object.metadata as Record<string, unknown>;
  const managed: unknown[] = Array.isArray(metadata.managedFields) ? metadata.managedFields : [];
  const entryTime = (entry: unknown) => (typeof entry === 'object' && entry !== null ? (entry as { time?: unknown }).time : undefined);
  return [metadata.creationTimestamp, metadata.deletionTimestamp, ...managed.map(entryTime)];
}

/** The newest time in the request, in seconds as metav1.Time is; undefined when it carries none. */
export function newestTime(request: HookRequest): string | undefined {
  const groups = [request.children, request.related].flatMap((byType) => Object.values(byType));
  const objects = [request.parent, ...groups.flatMap((byName) => Object.values(byName))];
  let newest = -Infinity;
  for (const time of objects.flatMap(timesOf)) {
    if (typeof time !== 'string' || !RFC3339.test(time)) continue;
    const ms = Date.parse(time);
    if (ms > newest) newest = ms;
  }
  if (!Number.isFinite(newest)) return undefined;
  return new Date(Math.floor(newest / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Each condition with its lastTransitionTime: the previous one's while its status stands, else
 * now (the request's newest time). With no time known, a changed condition goes without one.
 */
export function stampTransitions(conditions: Condition[], previous: Condition[], now: string | undefined): Condition[] {
  return conditions.map((condition) => {
    const before = previous.find((c) => c.type === condition.type);
    const kept = before?.status === condition.status ? before.lastTransitionTime : undefined;
    const time = kept ?? now;
    const { lastTransitionTime: _ignored, ...rest } = condition;
    return time === undefined ? rest : { ...rest, lastTransitionTime: time };
  });
}
