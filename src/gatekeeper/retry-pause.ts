// Backing off while something the gatekeeper depends on is down (PostgreSQL, the registry, the
// broker). A nacked message comes back within a second and every retry of a held message opens a new
// database connection, so without a pause an outage turns into thousands of connection attempts. A
// consumer whose message failed on such an error stops receiving for a while (the message itself is
// still nacked: nothing is lost), longer each time failures come straight back after a pause, and
// starts again from the shortest pause once it has gone a quiet period without one.
import { dagpactErrorIn } from '../core/errors.js';

/**
 * Whether a processing failure is an unavailable dependency (worth backing off for) rather than
 * something about the message: the adapters (store, Pulsar, Airflow) translate their failures into
 * DagpactErrors once, so this reads the retriable flag of the translation and nothing else.
 */
export function isTransientFailure(error: unknown): boolean {
  return dagpactErrorIn(error)?.retriable ?? false;
}

export interface ReceivePauseOptions {
  /** The first pause. Default 100 ms. */
  initialMs?: number;
  /** The longest pause. Default 5 s. */
  maxMs?: number;
  /** [0, 1) for the ±20 % jitter; tests pass a constant. */
  random?: () => number;
}

/**
 * The pause state of one consumer. `failed(now)` starts a pause unless one is running and returns its
 * length (0: already paused); a failure within a quiet period (twice the last pause, at least 1 s)
 * after the previous pause ended doubles the pause, up to maxMs; a later one starts again at initialMs.
 */
export function makeReceivePause(options: ReceivePauseOptions = {}) {
  const initialMs = options.initialMs ?? 100;
  const maxMs = Math.max(initialMs, options.maxMs ?? 5_000);
  const random = options.random ?? Math.random;
  let last = 0;
  let until = Number.NEGATIVE_INFINITY;
  return {
    failed(now: number): number {
      if (now < until) return 0;
      const quiet = now - until > Math.max(1_000, 2 * last);
      last = last === 0 || quiet ? initialMs : Math.min(maxMs, last * 2);
      const ms = Math.max(1, Math.round(last * (1 + 0.2 * (random() * 2 - 1))));
      until = now + ms;
      return ms;
    },
    /** Milliseconds left of the current pause (0 when receiving). */
    remaining(now: number): number {
      return Math.max(0, until - now);
    },
  };
}

export type ReceivePause = ReturnType<typeof makeReceivePause>;
