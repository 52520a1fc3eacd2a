// The way back: the agent's progress file, polled, becomes one annotation on the member's Lease.
// Polling rather than fs.watch, which misses changes on some volumes; a stat per half second
// costs nothing, and the file is read only when its inode, size or mtime moved.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Api } from './api.js';
import { readTail } from './files.js';
import { annotationValue, PROGRESS_ANNOTATION, TAIL_BYTES } from './progress.js';
import { Backoff, Health, sleep, Wake } from './retry.js';

export const POLL_MS = 500;
/** Now and then the Lease is read again, so that one recreated without the annotation gets it back. */
const VERIFY_MS = 10 * 60_000;
const FIELD_MANAGER = 'kubedirector-member';

/** Reads the progress file when it changed; undefined when it did not. */
export class ProgressFile {
  private stamp: string | undefined;
  private text: string | undefined;

  constructor(private readonly dir: string) {}

  /** The file's text ('' when there is none) if it differs from the last call's, else undefined. */
  async changed(): Promise<string | undefined> {
    const path = join(this.dir, 'progress');
    let stamp = 'absent';
    let text = '';
    try {
      const s = await stat(path);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
      if (stamp === this.stamp) return undefined;
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.stamp = stamp;
    if (text === this.text) return undefined;
    this.text = text;
    return text;
  }

  /** The annotation value for text, with the failing notification's output tails (written before the progress file). */
  async annotation(text: string, podUid: string): Promise<string> {
    if (!/^notify\t/m.test(text)) return annotationValue(text, podUid);
    const [stdout, stderr] = await Promise.all([
      readTail(join(this.dir, 'notify.stdout'), TAIL_BYTES),
      readTail(join(this.dir, 'notify.stderr'), TAIL_BYTES),
    ]);
    return annotationValue(text, podUid, { stdout, stderr });
  }
}

/** Patches the Lease's progress annotation to the latest value, skipping a patch the Lease does not need. */
export class LeasePublisher {
  private desired: string | undefined;
  /** What the Lease carries, as far as we know; undefined: not known (start, after an error), null: no annotation. */
  private known: string | null | undefined;
  private readonly wake = new Wake();
  private readonly backoff = new Backoff();
  private readonly health: Health;
  private checked = false;

  constructor(
    private readonly api: Api,
    private readonly log: Logger,
    private readonly path: string,
  ) {
    this.health = new Health(log, `Lease ${path.split('/').at(-1) ?? ''}`);
  }

  set(value: string): void {
    if (value === this.desired) return;
    this.desired = value;
    this.wake.notify();
  }

  /** Runs forever. */
  async run(): Promise<never> {
    for (;;) {
      if (this.desired === undefined || this.known === this.desired) {
        if (!(await this.wake.wait(VERIFY_MS * (0.75 + Math.random() / 2)))) this.known = undefined;
        continue;
      }
      try {
        await this.publish(this.desired);
        this.health.ok();
        this.backoff.reset();
      } catch (error) {
        this.known = undefined;
        const delay = this.backoff.next();
        this.health.failed(error, delay);
        await sleep(delay);
      }
    }
  }

  private async publish(value: string): Promise<void> {
    if (this.known === undefined) {
      const lease = present(await this.api.get(this.path));
      this.known = lease.metadata?.annotations?.[PROGRESS_ANNOTATION] ?? null;
      if (this.known === value) {
        // At info once: a restarted sidecar says why it did not patch; the periodic checks are quiet.
        this.log[this.checked ? 'debug' : 'info']({ progress: value }, 'the Lease carries this progress already');
        this.checked = true;
        return;
      }
    }
    const patch = { metadata: { annotations: { [PROGRESS_ANNOTATION]: value } } };
    const lease = present(await this.api.mergePatch(`${this.path}?fieldManager=${FIELD_MANAGER}`, patch));
    // What we wrote, not what came back: were something to alter it, the periodic check finds out
    // without a tight loop of patches.
    this.known = value;
    this.log.info({ progress: value, resourceVersion: lease.metadata?.resourceVersion }, 'progress published');
  }
}

/** A missing Lease is the hooks' to create: an error to retry, like any other. */
function present<T>(lease: T | undefined): T {
  if (lease === undefined) throw new Error('the Lease does not exist (yet: the hooks create it)');
  return lease;
}

/** Polls the progress file and hands every new annotation value to the publisher; runs forever. */
export async function followProgress(file: ProgressFile, publisher: LeasePublisher, podUid: string, log: Logger): Promise<never> {
  const health = new Health(log, 'progress file');
  for (;;) {
    try {
      const text = await file.changed();
      if (text !== undefined) publisher.set(await file.annotation(text, podUid));
      health.ok();
    } catch (error) {
      health.failed(error, POLL_MS);
    }
    await sleep(POLL_MS);
  }
}
