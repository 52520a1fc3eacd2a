// The agent's progress file, as the hooks read it: the Lease annotation's value. Pure, so that the
// hooks and the tests can parse and build it the same way.

/** The annotation on the member's Lease that carries its progress; only the sidecar sets it. */
export const PROGRESS_ANNOTATION = 'kubedirector.hpe.com/member-progress';
/** Each notification output tail is cut to this many bytes (the end is kept). */
export const TAIL_BYTES = 4096;

export interface Notify {
  event: string;
  attempts?: number;
  reason?: string;
  stdout?: string;
  stderr?: string;
}

/** What a member reports, with its last failed notification in the shape each end keeps it. */
export interface ProgressFields<N> {
  seen?: number;
  configured?: number;
  processed?: number;
  done?: string;
  left?: string;
  failed?: string;
  notify?: N;
}

export type Progress = ProgressFields<Notify>;

const integer = (text: string | undefined) => (text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined);

/** The progress file's lines (`key<TAB>value…`); unknown keys and malformed values are ignored, a later line wins. */
export function parseProgress(text: string): Progress {
  const progress: Progress = {};
  for (const line of text.split('\n')) {
    const [key, ...fields] = line.replace(/\r$/, '').split('\t');
    const value = fields.join('\t');
    switch (key) {
      case 'seen':
      case 'configured':
      case 'processed': {
        const n = integer(value);
        if (n !== undefined) progress[key] = n;
        break;
      }
      case 'done':
      case 'left':
        if (value) progress[key] = value;
        break;
      case 'failed':
        if (fields.length) progress.failed = value;
        break;
      case 'notify': {
        const [event, attempts, ...reason] = fields;
        if (!event) break;
        const n = integer(attempts);
        progress.notify = { event, ...(n === undefined ? {} : { attempts: n }), ...(reason.length ? { reason: reason.join('\t') } : {}) };
        break;
      }
    }
  }
  return progress;
}

/** JSON with every object's keys sorted and no blanks, so that equal progress is an equal string. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The last max bytes of content as text; a character the cut splits is dropped whole, so the text stays within max bytes. */
export function utf8Tail(content: Buffer, max: number): string {
  return decodeTail(content.subarray(Math.max(0, content.length - max)), content.length > max);
}

/** The tail bytes of a text as a string; when cut, a character split at the start is dropped whole. */
export function decodeTail(bytes: Buffer, cut: boolean): string {
  let start = 0;
  // UTF-8 continuation bytes are 10xxxxxx; a character has at most 3 of them.
  while (cut && start < 3 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}

export interface Tails {
  stdout?: string | undefined;
  stderr?: string | undefined;
}

/**
 * The annotation value for a pod's progress file: its keys, the failing notification's output
 * tails, and the pod's uid, so that the hooks can tell it from the progress of an earlier pod of
 * the same name.
 */
export function annotationValue(text: string, podUid: string, tails: Tails = {}): string {
  const progress = parseProgress(text);
  const cap = (text: string | undefined) => (text === undefined ? undefined : utf8Tail(Buffer.from(text, 'utf8'), TAIL_BYTES));
  const notify = progress.notify && { ...progress.notify, stdout: cap(tails.stdout), stderr: cap(tails.stderr) };
  return canonicalJson({ ...progress, notify, pod: podUid });
}
