// The status a cluster had, as the hooks remember it. It is memory, not fact: what does not
// read as a status is set aside (and said so), never trusted and never walked recursively.
import { Value } from '@sinclair/typebox/value';
import { KubeDirectorClusterStatus } from '../api/cluster.js';

/** Far deeper than any status the schema describes, far shallower than the stack. */
const MAX_DEPTH = 64;

/** Whether value nests no deeper than limit, found without recursion. */
export function withinDepth(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [current, depth] = next;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return false;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return true;
}

export interface PriorStatus {
  status: KubeDirectorClusterStatus;
  /** Why the stored status was set aside, when it was. */
  unreadable?: string;
}

export function priorStatus(raw: unknown): PriorStatus {
  if (raw === undefined || raw === null) return { status: {} };
  if (!withinDepth(raw, MAX_DEPTH)) return { status: {}, unreadable: `status nests deeper than ${MAX_DEPTH} levels` };
  if (Value.Check(KubeDirectorClusterStatus, raw)) return { status: raw };
  const [first] = Value.Errors(KubeDirectorClusterStatus, raw);
  return { status: {}, unreadable: `status${first?.path ?? ''}: ${first?.message ?? 'does not match the schema'}` };
}
