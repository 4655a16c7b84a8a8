// Liveness and readiness probes.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';

const probeResponse = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    checks: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['ok'],
        properties: { ok: { type: 'boolean' }, message: { type: 'string' } },
      },
    },
  },
};

async function databaseCheck(deps: AppDeps, log: FastifyBaseLogger): Promise<{ ok: boolean; message?: string }> {
  try {
    await deps.database.ping();
    const pending = await deps.database.pendingMigrations();
    return pending === 0 ? { ok: true } : { ok: false, message: `${pending} migration(s) not applied; run "dagpact migrate"` };
  } catch (error) {
    // The driver's own text may name hosts, users or SQL: logged, not shown.
    log.warn({ err: error }, 'readiness: database check failed');
    return { ok: false, message: 'database unreachable; the server log has the details' };
  }
}

export async function healthRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Liveness: the process serves requests', response: { 200: probeResponse } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { public: true },
    schema: {
      tags: ['health'],
      summary: 'Readiness: the database answers and is migrated; Pulsar admin answers when configured',
      response: { 200: probeResponse, 503: probeResponse },
    },
  }, async (request, reply) => {
    const checks: Record<string, { ok: boolean; message?: string }> = {};
    checks.database = deps.startup && !deps.startup.ready
      ? { ok: false, message: deps.startup.failed ? 'the database could not be opened or migrated; the server is stopping' : 'starting: the database is opening and migrating' }
      : await databaseCheck(deps, request.log);
    if (deps.pulsarAdmin) {
      try {
        await deps.pulsarAdmin.ping();
        checks.pulsar = { ok: true };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness: pulsar admin check failed');
        const code = (error as { code?: string }).code;
        checks.pulsar = { ok: false, message: code === 'UPSTREAM_UNAVAILABLE' ? 'Pulsar admin API unreachable or failing; the server log has the details' : 'Pulsar admin API answered with an error; the server log has the details' };
      }
    }
    const ok = Object.values(checks).every((c) => c.ok);
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks };
  });
}
