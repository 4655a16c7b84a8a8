// Read-only /v1 endpoints that look across the system (what the console shows; scripts get the same):
// who am I, environments, the contract matrix, check history, held messages per reason over time,
// compatibility findings between two schema ids, and the gatekeeper's status when one is configured.
import type { FastifyInstance } from 'fastify';
import { hasScope } from '../../core/auth.js';
import type { CheckSummary } from '../../core/overview/overview.js';
import type { QuarantineFilter } from '../../core/quarantine/types.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors, serialId } from '../shared-schemas.js';
import { environmentParam } from './checks.js';
import { dagIdParam, dagVersionParam } from './dags.js';
import { typed } from '../type-provider.js';

const checkSummary = {
  type: 'object', required: ['id', 'dag_id', 'version', 'environment', 'passed', 'errors', 'warnings', 'requested_by', 'created_at'],
  properties: {
    id: { type: 'integer' }, dag_id: { type: 'string' }, version: { type: 'string' }, environment: { type: 'string' },
    passed: { type: 'boolean' }, errors: { type: 'integer' }, warnings: { type: 'integer' },
    requested_by: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
  },
} as const;

const presentCheck = (c: CheckSummary) => ({
  id: c.id, dag_id: c.dagId, version: c.version, environment: c.environment, passed: c.passed, errors: c.errors,
  warnings: c.warnings, requested_by: c.requestedBy, created_at: c.createdAt.toISOString(),
});

const STATUSES = ['held', 'replayed', 'discarded'];

export async function overviewRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const overview = () => deps.services.overview;

  app.get('/v1/whoami', {
    schema: {
      tags: ['tokens'], summary: 'The principal the request authenticates as, and what it may do',
      description: 'An unknown or missing token answers authenticated: false (no error), so a sign-in form can say so.',
      response: {
        200: {
          type: 'object', required: ['name', 'scopes', 'authenticated', 'auth_enabled', 'can_write', 'can_admin'],
          properties: {
            name: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } },
            authenticated: { type: 'boolean', description: 'A valid token was sent (always true when authentication is off)' },
            auth_enabled: { type: 'boolean', description: 'False when the server runs without DAGPACT_ADMIN_TOKEN (everyone may write)' },
            auth_reads: { type: 'boolean', description: 'Whether reads need a token' },
            can_write: { type: 'boolean' }, can_admin: { type: 'boolean' },
          },
        },
      },
    },
    config: { public: true },
  }, async (request) => {
    const p = request.principal;
    const authenticated = !deps.tokens.enabled || p.id !== 'anonymous';
    return {
      name: p.name, scopes: p.scopes, authenticated, auth_enabled: deps.tokens.enabled, auth_reads: deps.authReads,
      can_write: hasScope(p, 'write'), can_admin: hasScope(p, 'admin'),
    };
  });

  app.get('/v1/contracts/matrix', {
    schema: {
      tags: ['deployments'], summary: 'DAGs × environments: the active version and the latest check of each DAG in each environment',
      description: 'A cell is present when the DAG has a deployment (or undeploy: version null) or a check in the environment.',
      response: {
        200: {
          type: 'object', required: ['environments', 'dags', 'cells'],
          properties: {
            environments: { type: 'array', items: { type: 'string' } },
            dags: { type: 'array', items: { type: 'string' } },
            cells: {
              type: 'array',
              items: {
                type: 'object', required: ['environment', 'dag_id', 'version', 'forced', 'last_check'],
                properties: {
                  environment: { type: 'string' }, dag_id: { type: 'string' },
                  version: { type: 'string', nullable: true, description: 'The active version; null when none' },
                  deployed_at: { type: 'string', format: 'date-time', nullable: true }, deployed_by: { type: 'string', nullable: true },
                  forced: { type: 'boolean' },
                  last_check: { ...checkSummary, nullable: true },
                },
              },
            },
          },
        },
        ...nativeErrors(401, 403),
      },
    },
  }, async () => {
    const m = await overview().matrix();
    return {
      environments: m.environments, dags: m.dags,
      cells: m.cells.map((c) => ({
        environment: c.environment, dag_id: c.dagId, version: c.version, deployed_at: c.deployedAt?.toISOString() ?? null,
        deployed_by: c.deployedBy, forced: c.forced, last_check: c.lastCheck ? presentCheck(c.lastCheck) : null,
      })),
    };
  });

  app.get('/v1/checks', {
    schema: {
      tags: ['checks'], summary: 'Recorded checks, newest first, with their error and warning counts (GET /v1/checks/{id} has the findings)',
      querystring: {
        type: 'object',
        properties: { dag_id: dagIdParam, version: dagVersionParam, environment: environmentParam, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      } as const,
      response: { 200: { type: 'object', required: ['checks'], properties: { checks: { type: 'array', items: checkSummary } } }, ...nativeErrors(400, 401, 403) },
    },
  }, async (request) => {
    const q = request.query;
    return { checks: (await overview().listChecks({ dagId: q.dag_id, version: q.version, environment: q.environment, limit: q.limit })).map(presentCheck) };
  });

  app.get('/v1/compatibility', {
    schema: {
      tags: ['registry'], summary: 'Can a reader on one schema id read data written with another? Every finding (path, rule, message)',
      querystring: { type: 'object', required: ['reader', 'writer'], properties: { reader: serialId, writer: serialId } } as const,
      response: {
        200: {
          type: 'object', required: ['reader', 'writer', 'format', 'compatible', 'findings'],
          properties: {
            reader: { type: 'integer' }, writer: { type: 'integer' }, format: { type: 'string' }, compatible: { type: 'boolean' },
            findings: { type: 'array', items: { type: 'object', required: ['path', 'rule', 'message'], properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        ...nativeErrors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const { reader, writer } = request.query;
    return { reader, writer, ...(await overview().compatibility({ reader, writer })) };
  });

  app.get('/v1/quarantine/stats', {
    schema: {
      tags: ['quarantine'], summary: 'How many records match a filter, per reason and per DAG; with bucket, also per reason over time (hour or day buckets)',
      querystring: {
        type: 'object',
        properties: {
          topic: { type: 'string' }, dag_id: { type: 'string' }, dag_version: { type: 'string' }, reason: { type: 'string' },
          status: { type: 'string', enum: STATUSES }, disposition: { type: 'string', enum: ['quarantine', 'reject'] },
          environment: { type: 'string' }, since: { type: 'string', format: 'date-time' }, until: { type: 'string', format: 'date-time' },
          bucket: { type: 'string', enum: ['hour', 'day'], description: 'Adds `series`: counts per reason per hour or day of created_at' },
        },
      } as const,
      response: {
        200: {
          type: 'object', required: ['total', 'by_reason', 'by_dag'],
          properties: {
            total: { type: 'integer' }, bucket: { type: 'string' },
            by_reason: { type: 'array', items: { type: 'object', required: ['reason_code', 'count'], properties: { reason_code: { type: 'string' }, count: { type: 'integer' } } } },
            by_dag: { type: 'array', items: { type: 'object', required: ['environment', 'dag_id', 'count'], properties: { environment: { type: 'string' }, dag_id: { type: 'string' }, count: { type: 'integer' } } } },
            series: { type: 'array', items: { type: 'object', required: ['at', 'reason_code', 'count'], properties: { at: { type: 'string', format: 'date-time' }, reason_code: { type: 'string' }, count: { type: 'integer' } } } },
          },
        },
        ...nativeErrors(400, 401, 403),
      },
    },
  }, async (request) => {
    const q = request.query;
    const filter: QuarantineFilter = {
      topic: q.topic, dagId: q.dag_id, dagVersion: q.dag_version, reason: q.reason, status: q.status as QuarantineFilter['status'],
      disposition: q.disposition as QuarantineFilter['disposition'], environment: q.environment,
      since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined,
    };
    const stats = await overview().quarantineStats({ filter, bucket: q.bucket });
    return {
      total: stats.total,
      by_reason: stats.byReason.map((r) => ({ reason_code: r.reasonCode, count: r.n })),
      by_dag: stats.byDag.map((r) => ({ environment: r.environment, dag_id: r.dagId, count: r.n })),
      ...(stats.series && q.bucket ? { bucket: q.bucket, series: stats.series.map((s) => ({ at: s.at.toISOString(), reason_code: s.reasonCode, count: s.n })) } : {}),
    };
  });

  app.get('/v1/gatekeeper/status', {
    schema: {
      tags: ['health'], summary: "The gatekeeper's health and messages per outcome, read from its own listener (DAGPACT_GATEKEEPER_STATUS_URL)",
      description: 'configured: false when the server has no gatekeeper status URL; reachable: false with error when it does not answer.',
      response: {
        200: {
          type: 'object', required: ['configured'],
          properties: {
            configured: { type: 'boolean' }, url: { type: 'string' }, reachable: { type: 'boolean' }, status: { type: 'string' },
            ready: { type: 'boolean' }, routing_ok: { type: 'boolean' }, topics: { type: 'array', items: { type: 'string' } },
            messages_by_outcome: { type: 'object', additionalProperties: { type: 'number' } },
            error: { type: 'string' }, checked_at: { type: 'string', format: 'date-time' },
          },
        },
        ...nativeErrors(401, 403),
      },
    },
  }, async () => {
    if (!deps.gatekeeperStatus) return { configured: false };
    const s = await deps.gatekeeperStatus.read();
    return {
      configured: true, url: s.url, reachable: s.reachable,
      ...(s.status !== undefined ? { status: s.status } : {}), ...(s.ready !== undefined ? { ready: s.ready } : {}),
      ...(s.routingOk !== undefined ? { routing_ok: s.routingOk } : {}), ...(s.topics ? { topics: s.topics } : {}),
      ...(s.messagesByOutcome ? { messages_by_outcome: s.messagesByOutcome } : {}), ...(s.error ? { error: s.error } : {}),
      checked_at: s.checkedAt.toISOString(),
    };
  });
}
