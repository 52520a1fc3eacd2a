// Waiting on the real control plane: its controllers act in their own time.
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The first value check gives that is neither undefined nor false; throws `timed out waiting for <what>` after timeoutMs. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
