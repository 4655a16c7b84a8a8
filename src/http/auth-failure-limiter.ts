// Counts failed authentications per client address and refuses further credentialed requests from an
// address past the limit until its window ends (429 with Retry-After). In-process and bounded: at most
// `maxClients` addresses are tracked, the oldest dropped first, so a flood of addresses cannot grow it.

export interface AuthFailureLimits {
  /** Failed authentications allowed per address per window. */
  maxFailures: number;
  windowMs: number;
  /** Addresses tracked at once. */
  maxClients: number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { maxFailures: 20, windowMs: 60_000, maxClients: 10_000 };

interface Entry { failures: number; windowEnds: number }

export function makeAuthFailureLimiter(limits: AuthFailureLimits, now: () => number = Date.now) {
  const entries = new Map<string, Entry>();

  function current(address: string): Entry | undefined {
    const entry = entries.get(address);
    if (entry && entry.windowEnds <= now()) { entries.delete(address); return undefined; }
    return entry;
  }

  return {
    /** Seconds until `address` may try again, or 0 when it may now. */
    retryAfterSeconds(address: string): number {
      const entry = current(address);
      if (!entry || entry.failures < limits.maxFailures) return 0;
      return Math.max(1, Math.ceil((entry.windowEnds - now()) / 1000));
    },
    recordFailure(address: string): void {
      let entry = current(address);
      if (!entry) {
        if (entries.size >= limits.maxClients) entries.delete(entries.keys().next().value!);
        entry = { failures: 0, windowEnds: now() + limits.windowMs };
        entries.set(address, entry);
      }
      entry.failures++;
    },
    get tracked(): number { return entries.size; },
  };
}

export type AuthFailureLimiter = ReturnType<typeof makeAuthFailureLimiter>;
