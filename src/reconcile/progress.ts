// A member's progress as its sidecar reports it on the member's Lease (see src/guest/PROTOCOL.md,
// "The member channel"): the generations the agent has read and processed, the last event it ran,
// a notification that failed. Reports about an earlier pod of the same name are ignored.
import type { KubeObject } from '../api/meta.js';
import { PROGRESS_ANNOTATION, type ProgressFields } from '../member/progress.js';

export interface NotifyFailure {
  event: string;
  attempts: number;
  reason: string;
  stdout: string;
  stderr: string;
}

/** The report as the hooks trust it: a failed notification always has its attempts, reason and tails. */
export type MemberProgress = ProgressFields<NotifyFailure>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const integer = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const eventIdText = (value: unknown) => (typeof value === 'string' && /^\d+\.\d+$/.test(value) ? value : undefined);

function notifyFailure(value: unknown): NotifyFailure | undefined {
  if (!isRecord(value)) return undefined;
  const event = eventIdText(value.event);
  const attempts = integer(value.attempts);
  if (event === undefined || attempts === undefined) return undefined;
  return { event, attempts, reason: text(value.reason) ?? '', stdout: text(value.stdout) ?? '', stderr: text(value.stderr) ?? '' };
}

/** The progress a member's Lease reports for the pod with this uid; undefined when there is none (or it is another pod's). */
export function memberProgress(lease: KubeObject | undefined, podUid: string | undefined): MemberProgress | undefined {
  const raw = lease?.metadata.annotations?.[PROGRESS_ANNOTATION];
  if (raw === undefined || podUid === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed.pod !== podUid) return undefined;
  const fields: MemberProgress = {
    seen: integer(parsed.seen),
    configured: integer(parsed.configured),
    processed: integer(parsed.processed),
    done: eventIdText(parsed.done),
    left: eventIdText(parsed.left),
    failed: text(parsed.failed),
    notify: notifyFailure(parsed.notify),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** Event ids compare numerically: generation first, then the index. */
export function compareEventIds(a: string, b: string): number {
  const [ag = 0, ai = 0] = a.split('.').map(Number);
  const [bg = 0, bi = 0] = b.split('.').map(Number);
  return ag - bg || ai - bi;
}
