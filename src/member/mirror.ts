// Keeps one object's view in the channel directory current: GET it by name, write its files,
// then WATCH it from that resourceVersion (a watch on one name is all the Role allows: verbs get
// and watch with resourceNames, no list). A watch that ends, or whose resourceVersion is gone
// (410), starts over with a GET. A deleted object, or an API that cannot be reached, leaves the
// last good view in place: the agent keeps working on what it has.
import type { Logger } from 'pino';
import { Api, ApiError, type Obj, type WatchEvent } from './api.js';
import { publish, type Files } from './files.js';
import { Backoff, Health, sleep } from './retry.js';

export interface Mirrored {
  kind: 'ConfigMap' | 'Secret';
  /** The collection's path, e.g. /api/v1/namespaces/ns/configmaps. */
  collection: string;
  name: string;
  /** The symlink's name in the channel directory. */
  link: string;
  files: (object: Obj) => Files;
}

/** A GET and watch that lasted this long was healthy: the back-off starts over. */
const STEADY_MS = 1000;

export class Mirror {
  private readonly health: Health;
  private readonly backoff = new Backoff();
  /** Whether the object is known to be missing (logged once until it is back). */
  private absent = false;
  private synced = false;

  constructor(
    private readonly api: Api,
    private readonly log: Logger,
    private readonly dir: string,
    private readonly object: Mirrored,
    private readonly watchTimeout: () => number,
  ) {
    this.health = new Health(log, `${object.kind} ${object.name}`);
  }

  /** Runs forever. */
  async run(): Promise<never> {
    for (;;) {
      const began = Date.now();
      let failure: unknown;
      try {
        await this.cycle();
      } catch (error) {
        failure = error ?? new Error('unknown failure');
      }
      // A watch that ran for a while was healthy, however it ended; one that keeps ending at once must not spin.
      const steady = Date.now() - began >= STEADY_MS;
      if (steady) this.backoff.reset();
      if (steady && failure === undefined) continue;
      const delay = this.backoff.next();
      if (failure !== undefined) this.health.failed(failure, delay);
      await sleep(delay);
    }
  }

  /** One GET and the watch that follows it. */
  private async cycle(): Promise<void> {
    const { collection, name } = this.object;
    const found = await this.api.get(`${collection}/${encodeURIComponent(name)}`);
    if (found) await this.write(found);
    else this.missing();
    const timeout = this.watchTimeout();
    const query = new URLSearchParams({ watch: 'true', fieldSelector: `metadata.name=${name}`, allowWatchBookmarks: 'true' });
    query.set('timeoutSeconds', String(timeout));
    // From the GET's version; without one (no object), from now, which announces a later creation as ADDED.
    const resourceVersion = found?.metadata?.resourceVersion;
    if (resourceVersion) query.set('resourceVersion', resourceVersion);
    const events = await this.api.watch(`${collection}?${query.toString()}`, timeout);
    this.health.ok();
    for await (const event of events) if (!(await this.handle(event))) return;
  }

  /** False when the watch must start over (its resourceVersion is gone: 410). */
  private async handle(event: WatchEvent): Promise<boolean> {
    const { kind, name } = this.object;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        await this.write(event.object);
        return true;
      case 'DELETED':
        this.missing();
        return true;
      case 'ERROR':
        if (event.object.code === 410) return false;
        throw new ApiError(event.object.code ?? 0, event.object.reason ?? '', `watch ${kind} ${name}: ${event.object.message ?? 'error'}`);
      default:
        return true;
    }
  }

  private missing(): void {
    if (this.absent) return;
    this.absent = true;
    const { kind, name } = this.object;
    this.log.warn({ kind, name }, `${kind} ${name} does not exist: keeping the last view until it is back`);
  }

  private async write(object: Obj): Promise<void> {
    const version = object.metadata?.resourceVersion ?? '0';
    const { written, target } = await publish(this.dir, this.object.link, version, this.object.files(object));
    const fields = { kind: this.object.kind, version, target };
    this.absent = false;
    if (written) this.log.info(fields, `${this.object.link} updated`);
    // Once at info: a restarted sidecar says that it found the view current and wrote nothing.
    else this.log[this.synced ? 'debug' : 'info'](fields, `${this.object.link} unchanged`);
    this.synced = true;
  }
}
