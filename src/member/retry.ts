// Waiting and retrying: exponential back-off with jitter (so that the members of a big cluster do
// not retry in step after an API outage), and logging of state changes rather than of attempts.
import type { Logger } from 'pino';
import { ApiError } from './api.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** 0.5 s doubling to 30 s; each delay is drawn from its upper half. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly firstMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.firstMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return base / 2 + (this.random() * base) / 2;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A wake-up call for a loop that waits for work: notify() ends the current or the next wait. */
export class Wake {
  private pending = false;
  private resolve: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.resolve?.();
  }

  /** Resolves true when notified, false after timeoutMs. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve(false);
      }, timeoutMs);
      this.resolve = () => {
        clearTimeout(timer);
        this.resolve = undefined;
        this.pending = false;
        resolve(true);
      };
    });
  }
}

/** What an error says, for the log. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e.message || error);
}

/** The kind of failure: a GET and a PATCH refused alike (HTTP 401) are one state, not two. */
const kindOf = (error: unknown) =>
  error instanceof ApiError ? `HTTP ${error.status}` : ((error as NodeJS.ErrnoException).code ?? describe(error));

/** Logs a loop's health only when it changes: the first failure of a kind, and the recovery. */
export class Health {
  private failing: string | undefined;

  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  failed(error: unknown, retryMs: number): void {
    const kind = kindOf(error);
    if (kind === this.failing) return;
    this.failing = kind;
    this.log.warn(
      { what: this.what, error: describe(error), retryInMs: Math.round(retryMs) },
      `${this.what}: failing, retrying with back-off`,
    );
  }

  ok(): void {
    if (this.failing === undefined) return;
    this.log.info({ what: this.what, after: this.failing }, `${this.what}: recovered`);
    this.failing = undefined;
  }
}
