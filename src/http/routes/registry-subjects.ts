// /v1/subjects: list subjects and versions, register, look up, delete (soft, then permanently), the
// versions referring to one, a dry-run compatibility check with every finding, and a diff of two
// versions. Routes validate and call services.registry.
import type { FastifyInstance } from 'fastify';
import { parseVersionSelector } from '../../core/registry/content.js';
import { permanentNeedsAdmin } from '../permissions.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';
import { typed } from '../type-provider.js';
import { deletedQuery, finding, permanentQuery, presentVersion, reference, schemaBody, subjectParams, tags, textOf, verdict, versionParam, versionParams, versionView } from './registry-shapes.js';

export async function registrySubjectRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const registry = () => deps.services.registry;

  app.get('/v1/subjects', {
    schema: {
      tags, summary: 'List subjects',
      querystring: { type: 'object', properties: { deleted: { type: 'boolean', default: false }, prefix: { type: 'string' } } } as const,
      response: { 200: { type: 'object', required: ['subjects'], properties: { subjects: { type: 'array', items: { type: 'string' } } } }, ...nativeErrors(400, 401, 403) },
    },
  }, async (request) => {
    const q = request.query;
    return { subjects: await registry().listSubjects({ includeDeleted: q.deleted, prefix: q.prefix }) };
  });

  app.get('/v1/subjects/:subject/versions', {
    schema: {
      tags, summary: "List a subject's version numbers", params: subjectParams, querystring: deletedQuery,
      response: { 200: { type: 'object', required: ['subject', 'versions'], properties: { subject: { type: 'string' }, versions: { type: 'array', items: { type: 'integer' } } } }, ...nativeErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const { deleted } = request.query;
    return { subject, versions: await registry().listVersions({ subject, includeDeleted: deleted }) };
  });

  app.post('/v1/subjects/:subject/versions', {
    config: { scope: 'check' },
    schema: {
      tags, summary: 'Register a schema under a subject (idempotent: an identical schema returns its version)',
      description: 'Checked against the subject\'s compatibility level; 409 INCOMPATIBLE_SCHEMA lists every finding in details.findings.',
      params: subjectParams,
      body: { ...schemaBody, properties: { ...schemaBody.properties, metadata: {}, rule_set: {} } } as const,
      response: {
        200: { type: 'object', required: ['subject', 'version', 'id', 'created'], properties: { subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'integer' }, created: { type: 'boolean' } } },
        201: { type: 'object', required: ['subject', 'version', 'id', 'created'], properties: { subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'integer' }, created: { type: 'boolean' } } },
        ...nativeErrors(400, 401, 403, 409, 415, 422),
      },
    },
  }, async (request, reply) => {
    const { subject } = request.params;
    const body = request.body;
    const result = await registry().register({
      subject, schema: textOf(body.schema), format: body.format, references: body.references,
      metadata: body.metadata, ruleSet: body.rule_set,
    }, request.principal);
    reply.status(result.created ? 201 : 200);
    return result;
  });

  app.post('/v1/subjects/:subject/lookup', {
    schema: {
      tags, summary: 'Find the version of a subject that holds this schema',
      params: subjectParams, querystring: deletedQuery, body: schemaBody,
      response: { 200: versionView, ...nativeErrors(400, 401, 403, 404, 415, 422) },
    },
    config: { scope: 'read' },
  }, async (request) => {
    const { subject } = request.params;
    const body = request.body;
    const { deleted } = request.query;
    return presentVersion(await registry().lookup({ subject, schema: textOf(body.schema), format: body.format, references: body.references, includeDeleted: deleted }));
  });

  app.get('/v1/subjects/:subject/versions/:version', {
    schema: {
      tags, summary: 'Get one version of a subject', params: versionParams, querystring: deletedQuery,
      response: { 200: versionView, ...nativeErrors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const p = request.params;
    const { deleted } = request.query;
    return presentVersion(await registry().getVersion({ subject: p.subject, version: parseVersionSelector(p.version), includeDeleted: deleted }));
  });

  app.delete('/v1/subjects/:subject/versions/:version', {
    config: { permit: permanentNeedsAdmin },
    schema: {
      tags, summary: 'Soft-delete a version, or remove a soft-deleted one with permanent=true', params: versionParams, querystring: permanentQuery,
      response: { 200: { type: 'object', required: ['subject', 'version'], properties: { subject: { type: 'string' }, version: { type: 'integer' } } }, ...nativeErrors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const p = request.params;
    const { permanent } = request.query;
    const version = await registry().deleteVersion({ subject: p.subject, version: parseVersionSelector(p.version), permanent }, request.principal);
    return { subject: p.subject, version };
  });

  app.delete('/v1/subjects/:subject', {
    config: { permit: permanentNeedsAdmin },
    schema: {
      tags, summary: 'Soft-delete a subject, or remove a soft-deleted one with permanent=true', params: subjectParams, querystring: permanentQuery,
      response: { 200: { type: 'object', required: ['subject', 'versions'], properties: { subject: { type: 'string' }, versions: { type: 'array', items: { type: 'integer' } } } }, ...nativeErrors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const { permanent } = request.query;
    return { subject, versions: await registry().deleteSubject({ subject, permanent }, request.principal) };
  });

  app.get('/v1/subjects/:subject/versions/:version/referenced-by', {
    schema: {
      tags, summary: 'Ids of the schemas that reference this version', params: versionParams,
      response: { 200: { type: 'object', required: ['ids'], properties: { ids: { type: 'array', items: { type: 'integer' } } } }, ...nativeErrors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const p = request.params;
    return { ids: await registry().referencedBy({ subject: p.subject, version: parseVersionSelector(p.version) }) };
  });

  app.post('/v1/subjects/:subject/compatibility', {
    schema: {
      tags, summary: 'Dry run: would this schema be accepted? Returns every finding',
      description: 'Without "version", checks as a registration would (the subject\'s level against its live versions); with it, against that version only.',
      params: subjectParams,
      body: { ...schemaBody, properties: { ...schemaBody.properties, version: { anyOf: [{ type: 'integer' }, { type: 'string' }] } } } as const,
      response: {
        200: { type: 'object', required: ['compatible', 'level', 'findings'], properties: { compatible: { type: 'boolean' }, level: { type: 'string' }, findings: { type: 'array', items: finding } } },
        ...nativeErrors(400, 401, 403, 404, 415, 422),
      },
    },
    config: { scope: 'read' },
  }, async (request) => {
    const { subject } = request.params;
    const body = request.body;
    return registry().checkCompatibility({
      subject, schema: textOf(body.schema), format: body.format, references: body.references,
      version: body.version === undefined ? undefined : parseVersionSelector(body.version),
    });
  });

  app.get('/v1/subjects/:subject/diff', {
    schema: {
      tags, summary: 'Compare two versions: findings in both directions and the fields added, removed or changed',
      params: subjectParams,
      querystring: { type: 'object', properties: { from: versionParam, to: versionParam } } as const,
      response: {
        200: {
          type: 'object', required: ['subject', 'format', 'from', 'to', 'backward', 'forward', 'changes'],
          properties: {
            subject: { type: 'string' }, format: { type: 'string' },
            from: { type: 'object', properties: { version: { type: 'integer' }, id: { type: 'integer' } } },
            to: { type: 'object', properties: { version: { type: 'integer' }, id: { type: 'integer' } } },
            backward: verdict, forward: verdict,
            changes: {
              type: 'array',
              items: { type: 'object', required: ['path', 'change'], properties: { path: { type: 'string' }, change: { type: 'string', enum: ['added', 'removed', 'changed'] }, before: { type: 'string' }, after: { type: 'string' } } },
            },
          },
        },
        ...nativeErrors(400, 401, 403, 404, 422),
      },
    },
  }, async (request) => {
    const { subject } = request.params;
    const q = request.query;
    return registry().diff({
      subject, from: q.from === undefined ? undefined : parseVersionSelector(q.from), to: q.to === undefined ? undefined : parseVersionSelector(q.to),
    });
  });
}
