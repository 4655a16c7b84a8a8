// /v1/environments: the declared environments (dev, staging, prod by default). Checks and deployments
// must name one of them, so a misspelt environment is refused instead of created (ADR 0015).
import type { FastifyInstance } from 'fastify';
import type { EnvironmentRecord } from '../../core/contracts/types.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';
import { typed } from '../type-provider.js';
import { environmentParam } from './checks.js';

const tags = ['deployments'];

const environmentView = {
  type: 'object', required: ['name', 'description', 'created_by', 'created_at'],
  properties: {
    name: { type: 'string' }, description: { type: 'string', nullable: true },
    created_by: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
  },
} as const;

const present = (e: EnvironmentRecord) => ({ name: e.name, description: e.description, created_by: e.createdBy, created_at: e.createdAt.toISOString() });

export async function environmentRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const contracts = () => deps.services.contracts;

  app.get('/v1/environments', {
    schema: {
      tags, summary: 'The declared environments, by name',
      response: { 200: { type: 'object', required: ['environments'], properties: { environments: { type: 'array', items: environmentView } } }, ...nativeErrors(401, 403) },
    },
  }, async () => ({ environments: (await contracts().listEnvironments()).map(present) }));

  app.post('/v1/environments', {
    schema: {
      tags, summary: 'Declare an environment (201), or find it already declared (200)',
      body: {
        type: 'object', required: ['name'], additionalProperties: false,
        properties: { name: environmentParam, description: { type: 'string', maxLength: 2000 } },
      } as const,
      response: { 200: environmentView, 201: environmentView, ...nativeErrors(400, 401, 403, 415) },
    },
  }, async (request, reply) => {
    const { record, created } = await contracts().createEnvironment(request.body, request.principal);
    reply.status(created ? 201 : 200);
    return present(record);
  });
}
