// /v1/tokens: API token management (admin scope).
import type { FastifyInstance } from 'fastify';
import { ROLE_PATTERN, type TokenRecord } from '../../core/auth.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors, serialId } from '../shared-schemas.js';
import { orEmpty, typed } from '../type-provider.js';

const tokenRecord = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'created_by', 'created_at'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' }, description: 'Roles: read, check, write, admin, deploy:<env>, payload:read:<env>' },
    created_by: { type: 'string', description: 'Unique id of the principal that created it' },
    created_at: { type: 'string', format: 'date-time' },
    revoked_at: { type: 'string', format: 'date-time', nullable: true },
    expires_at: { type: 'string', format: 'date-time', nullable: true },
    last_used_at: { type: 'string', format: 'date-time', nullable: true, description: 'Updated at most once a minute' },
    replaced_by: { type: 'integer', nullable: true, description: 'The successor issued by rotation' },
  },
} as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const present = (r: TokenRecord) => ({
  id: r.id, name: r.name, scopes: r.scopes, created_by: r.createdBy,
  created_at: r.createdAt.toISOString(), revoked_at: iso(r.revokedAt), expires_at: iso(r.expiresAt),
  last_used_at: iso(r.lastUsedAt), replaced_by: r.replacedBy,
});

const role = { type: 'string', pattern: ROLE_PATTERN, description: 'read, check, write, admin, deploy:<env>, payload:read:<env> (<env> may be *)' } as const;
const lifetime = { type: 'integer', minimum: 60, maximum: 10 * 366 * 86400, description: 'Seconds until the token expires; absent = never' } as const;
const noStore = { 'cache-control': 'no-store' } as const;

export async function tokenRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
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
          scopes: { type: 'array', minItems: 1, maxItems: 50, items: role },
          expires_in_seconds: lifetime,
        },
      } as const,
      response: {
        201: { type: 'object', required: ['token', 'record'], properties: { token: { type: 'string' }, record: tokenRecord } },
        ...nativeErrors(400, 401, 403),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    const { token, record } = await deps.tokens.create({ name: body.name, scopes: body.scopes, expiresInSeconds: body.expires_in_seconds }, request.principal);
    reply.status(201).headers(noStore);
    return { token, record: present(record) };
  });

  app.get('/v1/tokens', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'List API tokens (never their secrets)',
      querystring: { type: 'object', properties: { include_revoked: { type: 'boolean', default: false } } } as const,
      response: { 200: { type: 'array', items: tokenRecord }, ...nativeErrors(401, 403) },
    },
  }, async (request) => {
    const q = request.query;
    return (await deps.tokens.list({ includeRevoked: q.include_revoked })).map(present);
  });

  app.delete('/v1/tokens/:id', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'Revoke an API token',
      params: { type: 'object', required: ['id'], properties: { id: serialId } } as const,
      response: { 200: tokenRecord, ...nativeErrors(401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params;
    return present(await deps.tokens.revoke(id, request.principal));
  });

  app.post('/v1/tokens/:id/rotate', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'Issue a successor with the same name and roles; the old token keeps working for a grace period',
      description: 'The old token expires after grace_seconds (default DAGPACT_TOKEN_ROTATION_GRACE_SECONDS) or its own expiry, whichever is sooner. ' +
        'A revoked token cannot be rotated (409).',
      params: { type: 'object', required: ['id'], properties: { id: serialId } } as const,
      body: {
        type: 'object', nullable: true, additionalProperties: false,
        properties: { grace_seconds: { type: 'integer', minimum: 0, maximum: 30 * 86400 }, expires_in_seconds: lifetime },
      } as const,
      response: {
        201: { type: 'object', required: ['token', 'record', 'old'], properties: { token: { type: 'string' }, record: tokenRecord, old: tokenRecord } },
        ...nativeErrors(400, 401, 403, 404, 409),
      },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const body = orEmpty(request.body);
    const out = await deps.tokens.rotate(id, { graceSeconds: body.grace_seconds, expiresInSeconds: body.expires_in_seconds }, request.principal);
    reply.status(201).headers(noStore);
    return { token: out.token, record: present(out.record), old: present(out.old) };
  });
}
