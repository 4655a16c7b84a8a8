// /v1/schemas and /v1/formats: a schema by its global id, where it is used, the accepted formats.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';
import { typed } from '../type-provider.js';
import { deletedQuery, idParams, presentSchema, schemaView, tags } from './registry-shapes.js';

export async function registrySchemaRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const registry = () => deps.services.registry;

  app.get('/v1/schemas/:id', {
    schema: { tags, summary: 'Get a schema by its global id', params: idParams, response: { 200: schemaView, ...nativeErrors(400, 401, 403, 404) } },
  }, async (request) => presentSchema(await registry().getSchemaById({ id: request.params.id })));

  app.get('/v1/schemas/:id/versions', {
    schema: {
      tags, summary: 'The subjects and versions that use a schema id', params: idParams, querystring: deletedQuery,
      response: {
        200: { type: 'object', required: ['versions'], properties: { versions: { type: 'array', items: { type: 'object', required: ['subject', 'version'], properties: { subject: { type: 'string' }, version: { type: 'integer' } } } } } },
        ...nativeErrors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const { id } = request.params;
    const { deleted } = request.query;
    return { versions: await registry().versionsForSchema({ id, includeDeleted: deleted }) };
  });

  app.get('/v1/formats', {
    schema: { tags, summary: 'Schema formats the registry accepts', response: { 200: { type: 'object', required: ['formats'], properties: { formats: { type: 'array', items: { type: 'string' } } } } } },
  }, async () => ({ formats: registry().formats() }));

}
