// The one way a test waits for something another process or an asynchronous loop does: poll a
// condition until it holds or a timeout passes. Never sleep a fixed time and then assert; never
// assert how long something took (fake timers serve for back-off and deadlines).

export interface WaitForOptions {
  /** Give up after this long. Default 60 s. */
  timeoutMs?: number;
  /** Pause between two checks. Default 500 ms; 0 for a condition that itself waits (a receive with a timeout). */
  intervalMs?: number;
}

/**
 * Calls `condition` until it returns something other than `undefined` or `false`, and returns that.
 * A condition that throws counts as "not yet"; the timeout error names `description` and the last
 * error thrown. The third argument may also be the timeout and the fourth the interval (older callers).
 */
export async function waitFor<T>(
  description: string,
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions | number = {},
  intervalMs?: number,
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs: every = 500 } = typeof options === 'number' ? { timeoutMs: options, intervalMs } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) { last = error; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
