// The server listens while its database is still opening and migrating (docs/adr/0021): /healthz
// answers at once, /readyz says "starting", and every other request waits here until the database is
// ready. Installed first, so authentication (a token look-up) never runs on an unmigrated database.
import type { FastifyInstance } from 'fastify';
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

export function installStartupGate(app: FastifyInstance, startup: Startup): void {
  // A callback hook: once started it costs every request a check of one flag, not a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (startup.ready || PROBES.has(request.routeOptions.url ?? '')) { done(); return; }
    void startup.done.then(() => {
      done(startup.ready ? undefined : new DagpactError('DATABASE_UNAVAILABLE', 'the server could not open or migrate its database and is stopping; the server log says why'));
    });
  });
}
