// /v1/audit: the audit trail (admin). Every mutation and every refused attempt, newest first.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { bigserialId, nativeErrors } from '../shared-schemas.js';
import { typed } from '../type-provider.js';

const eventSchema = {
  type: 'object',
  required: ['id', 'actor', 'action', 'target_type', 'target_id', 'created_at'],
  properties: {
    id: { type: 'integer' },
    actor: { type: 'string', description: 'The principal\'s unique id: token:<id>, oidc:<issuer>#<subject>, bootstrap-admin or anonymous' },
    actor_name: { type: 'string', nullable: true, description: 'The token\'s name or the OIDC user name, for reading only' },
    action: { type: 'string', description: 'e.g. schema.register, deployment.create, token.rotate, request.refused' },
    target_type: { type: 'string' },
    target_id: { type: 'string' },
    details: {},
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

export async function auditRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  app.get('/v1/audit', {
    config: { scope: 'admin' },
    schema: {
      tags: ['audit'],
      summary: 'The audit trail, newest first (cursor pagination)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          principal: { type: 'string', maxLength: 2000, description: 'A principal id, e.g. token:12' },
          action: { type: 'string', maxLength: 200, description: 'An action; a trailing * matches a prefix (deployment.*)' },
          target_type: { type: 'string', maxLength: 200 },
          target_id: { type: 'string', maxLength: 2000 },
          since: { type: 'string', format: 'date-time' },
          until: { type: 'string', format: 'date-time' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          cursor: { ...bigserialId, description: 'next_cursor of the previous page' },
        },
      } as const,
      response: {
        200: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: eventSchema }, next_cursor: { type: 'integer', nullable: true } } },
        ...nativeErrors(400, 401, 403),
      },
    },
  }, async (request) => {
    const q = request.query;
    const events = await deps.audit.list({
      actor: q.principal, action: q.action, targetType: q.target_type, targetId: q.target_id,
      since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined,
      limit: q.limit, beforeId: q.cursor,
    });
    return {
      events: events.map((e) => ({
        id: e.id, actor: e.actor, actor_name: e.actorName ?? null, action: e.action, target_type: e.targetType,
        target_id: e.targetId, details: e.details ?? null, created_at: e.createdAt.toISOString(),
      })),
      next_cursor: events.length === q.limit ? events[events.length - 1]!.id : null,
    };
  });
}
