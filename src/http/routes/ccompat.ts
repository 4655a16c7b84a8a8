// /ccompat: Confluent Schema Registry's REST API over the same registry core, so Confluent's
// serializers and clients work unchanged. Responses use Confluent's media type and error body
// ({error_code: 40401, message}); subjects, versions and schemas by id live here, settings and
// compatibility checks in ccompat-config.ts.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseVersionSelector } from '../../core/registry/content.js';
import { levelNeedsAdmin, modeNeedsAdmin, permanentNeedsAdmin } from '../permissions.js';
import type { AppDeps } from '../deps.js';
import { confluentErrors } from '../shared-schemas.js';
import { ccompatConfigRoutes } from './ccompat-config.js';
import {
  CCOMPAT_MEDIA_TYPE, formatOf, presentSchemaById, presentSubjectVersion, schemaByIdResponse, schemaRequest, subjectParams,
  subjectVersionResponse, tags, versionParams, type SchemaRequest,
} from './ccompat-shapes.js';
import { typed } from '../type-provider.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } } } as const;
const deletedQuery = { type: 'object', properties: { deleted: { type: 'boolean', default: false } } } as const;
const rawSchema = { description: 'The schema document itself, unescaped' } as const;

async function subjectRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const registry = () => deps.services.registry;
  // Response bodies serialized once per object the registry hands out: a schema by id is immutable and
  // the core keeps one object per id; a subject's versions are one frozen object each until the read
  // cache drops them (a write, a notification). Keyed weakly, so a body lives exactly as long as its
  // object and needs no bound of its own. The string goes out as is (the /ccompat media type is set).
  const bodies = new WeakMap<object, string>();
  const serialized = <T extends object>(reply: FastifyReply, source: T, present: (s: T) => unknown): string => {
    let body = bodies.get(source);
    if (body === undefined) {
      // The route's response schema, as Fastify would serialize it (its serializers return strings).
      body = String(reply.serialize(present(source)));
      bodies.set(source, body);
    }
    return body;
  };

  app.get('/ccompat', {
    schema: { tags, summary: 'Root (Confluent returns an empty object)', response: { 200: { type: 'object' } } },
  }, async () => ({}));

  app.get('/ccompat/subjects', {
    schema: {
      tags, summary: 'List subjects',
      querystring: { type: 'object', properties: { deleted: { type: 'boolean', default: false }, subjectPrefix: { type: 'string' } } } as const,
      response: { 200: { type: 'array', items: { type: 'string' } }, ...confluentErrors(401, 403) },
    },
  }, async (request) => {
    const q = request.query;
    return registry().listSubjects({ includeDeleted: q.deleted, prefix: q.subjectPrefix });
  });

  app.post('/ccompat/subjects/:subject', {
    config: { scope: 'read' },
    schema: {
      tags, summary: 'Is this schema registered under the subject? Returns its version',
      params: subjectParams, body: schemaRequest,
      querystring: { type: 'object', properties: { deleted: { type: 'boolean', default: false }, normalize: { type: 'boolean', default: false } } } as const,
      response: { 200: subjectVersionResponse, ...confluentErrors(400, 401, 403, 404, 415, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const body = request.body;
    const { deleted } = request.query;
    return presentSubjectVersion(await registry().lookup({
      subject, schema: body.schema, format: formatOf(body.schemaType), references: body.references ?? [], includeDeleted: deleted,
    }));
  });

  app.delete('/ccompat/subjects/:subject', {
    config: { permit: permanentNeedsAdmin },
    schema: {
      tags, summary: 'Soft-delete a subject (permanent=true removes a soft-deleted one); returns its versions',
      params: subjectParams, querystring: { type: 'object', properties: { permanent: { type: 'boolean', default: false } } } as const,
      response: { 200: { type: 'array', items: { type: 'integer' } }, ...confluentErrors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const { permanent } = request.query;
    return registry().deleteSubject({ subject, permanent }, request.principal);
  });

  app.get('/ccompat/subjects/:subject/versions', {
    schema: {
      tags, summary: "List a subject's versions", params: subjectParams, querystring: deletedQuery,
      response: { 200: { type: 'array', items: { type: 'integer' } }, ...confluentErrors(401, 403, 404) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const { deleted } = request.query;
    return registry().listVersions({ subject, includeDeleted: deleted });
  });

  app.post('/ccompat/subjects/:subject/versions', {
    config: { scope: 'check' },
    schema: {
      tags, summary: 'Register a schema under a subject; returns its global id',
      params: subjectParams, body: schemaRequest,
      querystring: { type: 'object', properties: { normalize: { type: 'boolean', default: false } } } as const,
      response: { 200: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }, ...confluentErrors(400, 401, 403, 409, 415, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const body = request.body;
    const { normalize } = request.query;
    const { id } = await registry().register({
      subject, schema: body.schema, format: formatOf(body.schemaType), references: body.references ?? [],
      metadata: body.metadata ?? undefined, ruleSet: body.ruleSet ?? undefined, normalize, id: body.id, version: body.version,
    }, request.principal);
    return { id };
  });

  app.get('/ccompat/subjects/:subject/versions/:version', {
    schema: {
      tags, summary: 'Get a version of a subject ("latest" or -1 for the latest)', params: versionParams, querystring: deletedQuery,
      response: { 200: subjectVersionResponse, ...confluentErrors(401, 403, 404, 422) },
    },
  }, (request, reply) => {
    const p = request.params;
    const args = { subject: p.subject, version: parseVersionSelector(p.version), includeDeleted: request.query.deleted };
    // The most read route: a cached version is answered in this tick, without a promise.
    const cached = registry().peekVersion(args);
    if (cached) return serialized(reply, cached, presentSubjectVersion);
    return registry().getVersion(args).then((version) => serialized(reply, version, presentSubjectVersion));
  });

  app.get('/ccompat/subjects/:subject/versions/:version/schema', {
    schema: {
      tags, summary: 'The schema of a version, unescaped', params: versionParams, querystring: deletedQuery,
      response: { 200: rawSchema, ...confluentErrors(401, 403, 404, 422) },
    },
  }, async (request) => {
    const p = request.params;
    const { deleted } = request.query;
    return (await registry().getVersion({ subject: p.subject, version: parseVersionSelector(p.version), includeDeleted: deleted })).schema;
  });

  app.delete('/ccompat/subjects/:subject/versions/:version', {
    config: { permit: permanentNeedsAdmin },
    schema: {
      tags, summary: 'Soft-delete a version (permanent=true removes a soft-deleted one)', params: versionParams,
      querystring: { type: 'object', properties: { permanent: { type: 'boolean', default: false } } } as const,
      response: { 200: { type: 'integer' }, ...confluentErrors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const p = request.params;
    const { permanent } = request.query;
    return registry().deleteVersion({ subject: p.subject, version: parseVersionSelector(p.version), permanent }, request.principal);
  });

  app.get('/ccompat/subjects/:subject/versions/:version/referencedby', {
    schema: {
      tags, summary: 'Ids of the schemas that reference this version', params: versionParams,
      response: { 200: { type: 'array', items: { type: 'integer' } }, ...confluentErrors(401, 403, 404, 422) },
    },
  }, async (request) => {
    const p = request.params;
    return registry().referencedBy({ subject: p.subject, version: parseVersionSelector(p.version) });
  });

  app.get('/ccompat/schemas/ids/:id', {
    schema: {
      tags, summary: 'Get a schema by its global id', params: idParams,
      querystring: { type: 'object', properties: { subject: { type: 'string' }, format: { type: 'string' }, fetchMaxId: { type: 'boolean' } } } as const,
      response: { 200: schemaByIdResponse, ...confluentErrors(401, 403, 404) },
    },
  }, (request, reply) => {
    // A cached schema is answered in this tick, without a promise.
    const cached = registry().peekSchemaById({ id: request.params.id });
    if (cached) return serialized(reply, cached, presentSchemaById);
    return registry().getSchemaById({ id: request.params.id }).then((schema) => serialized(reply, schema, presentSchemaById));
  });

  app.get('/ccompat/schemas/ids/:id/schema', {
    schema: {
      tags, summary: 'The schema with this id, unescaped', params: idParams,
      querystring: { type: 'object', properties: { subject: { type: 'string' }, format: { type: 'string' } } } as const,
      response: { 200: rawSchema, ...confluentErrors(401, 403, 404) },
    },
  }, async (request) => (await registry().getSchemaById({ id: request.params.id })).schema);

  app.get('/ccompat/schemas/ids/:id/subjects', {
    schema: {
      tags, summary: 'Subjects that use a schema id', params: idParams, querystring: deletedQuery,
      response: { 200: { type: 'array', items: { type: 'string' } }, ...confluentErrors(401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params;
    const { deleted } = request.query;
    return registry().subjectsForSchema({ id, includeDeleted: deleted });
  });

  app.get('/ccompat/schemas/ids/:id/versions', {
    schema: {
      tags, summary: 'Subject-version pairs that use a schema id', params: idParams, querystring: deletedQuery,
      response: {
        200: { type: 'array', items: { type: 'object', required: ['subject', 'version'], properties: { subject: { type: 'string' }, version: { type: 'integer' } } } },
        ...confluentErrors(401, 403, 404),
      },
    },
  }, async (request) => {
    const { id } = request.params;
    const { deleted } = request.query;
    return registry().versionsForSchema({ id, includeDeleted: deleted });
  });

  app.get('/ccompat/schemas/types', {
    schema: { tags, summary: 'Schema types the registry accepts', response: { 200: { type: 'array', items: { type: 'string' } } } },
  }, async () => registry().formats());
}

export async function ccompatRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  // An encapsulated scope, so the media type applies to /ccompat responses only.
  await app.register(async (scope) => {
    scope.addHook('onRequest', (_request, reply, done) => { reply.type(CCOMPAT_MEDIA_TYPE); done(); });
    await subjectRoutes(scope, deps);
    await ccompatConfigRoutes(scope, deps);
  });
}
