// The server listens while its database is still opening and migrating (docs/adr/0021): /healthz
// answers at once, /readyz says "starting", and every other request waits here until the database is
// ready. Checked first, so authentication (a token look-up) never runs on an unmigrated database.
import { DagpactError } from '../core/errors.js';

/** Whether start-up work (opening and migrating the database) is done; `done` settles when it is. */
export interface Startup {
  readonly ready: boolean;
  readonly failed: boolean;
  readonly done: Promise<void>;
}

/** A Startup that follows `work`; `done` never rejects (the composition root handles the failure). */
export function startupOf(work: Promise<void>): Startup {
  let ready = false;
  let failed = false;
  const done = work.then(() => { ready = true; }, () => { failed = true; });
  return { get ready() { return ready; }, get failed() { return failed; }, done };
}

const PROBES = new Set(['/healthz', '/readyz']);

/**
 * What a request waits for before anything else runs (request-pipeline.ts): nothing once started (one
 * flag read, no promise), else the database, or the refusal when it could not be opened. Probes never wait.
 */
export function startupWait(startup: Startup, routeUrl: string | undefined): Promise<DagpactError | undefined> | undefined {
  if (startup.ready || PROBES.has(routeUrl ?? '')) return undefined;
  return startup.done.then(() => (startup.ready ? undefined
    : new DagpactError('DATABASE_UNAVAILABLE', 'the server could not open or migrate its database and is stopping; the server log says why')));
}
