// /v1/tokens: API token management (admin scope).
import type { FastifyInstance } from 'fastify';
import { SCOPES } from '../../core/auth.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors, serialId } from '../shared-schemas.js';

const tokenRecord = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'created_by', 'created_at'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: [...SCOPES] } },
    created_by: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    revoked_at: { type: 'string', format: 'date-time', nullable: true },
  },
};

const present = (r: { id: number; name: string; scopes: string[]; createdBy: string; createdAt: Date; revokedAt: Date | null }) => ({
  id: r.id, name: r.name, scopes: r.scopes, created_by: r.createdBy,
  created_at: r.createdAt.toISOString(), revoked_at: r.revokedAt ? r.revokedAt.toISOString() : null,
});

export async function tokenRoutes(app: FastifyInstance, deps: AppDeps) {
  app.post('/v1/tokens', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'Create an API token; the secret is returned once and only its hash is stored',
      body: {
        type: 'object',
        required: ['name', 'scopes'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          scopes: { type: 'array', minItems: 1, items: { type: 'string', enum: [...SCOPES] } },
        },
      },
      response: {
        201: { type: 'object', required: ['token', 'record'], properties: { token: { type: 'string' }, record: tokenRecord } },
        ...nativeErrors(400, 401, 403),
      },
    },
  }, async (request, reply) => {
    const body = request.body as { name: string; scopes: Array<(typeof SCOPES)[number]> };
    const { token, record } = await deps.tokens.create(body, request.principal);
    reply.status(201);
    return { token, record: present(record) };
  });

  app.get('/v1/tokens', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'List API tokens (never their secrets)',
      querystring: { type: 'object', properties: { include_revoked: { type: 'boolean', default: false } } },
      response: { 200: { type: 'array', items: tokenRecord }, ...nativeErrors(401, 403) },
    },
  }, async (request) => {
    const q = request.query as { include_revoked: boolean };
    return (await deps.tokens.list({ includeRevoked: q.include_revoked })).map(present);
  });

  app.delete('/v1/tokens/:id', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'Revoke an API token',
      params: { type: 'object', required: ['id'], properties: { id: serialId } },
      response: { 200: tokenRecord, ...nativeErrors(401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params as { id: number };
    return present(await deps.tokens.revoke(id, request.principal));
  });
}
