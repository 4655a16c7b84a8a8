// /v1 schema registry: subjects, versions, schemas by id, registration, dry-run compatibility with
// every finding, a diff of two versions, compatibility levels and modes. Routes validate and call
// services.registry; errors render through the one error handler.
import type { FastifyInstance } from 'fastify';
import type { CompatibilityLevel } from '../../core/compat/levels.js';
import type { SchemaFormat } from '../../core/formats/types.js';
import { parseVersionSelector } from '../../core/registry/content.js';
import type { RegistryMode, SchemaReference, StoredSchema, SubjectVersion } from '../../core/registry/types.js';
import { levelNeedsAdmin, modeNeedsAdmin, permanentNeedsAdmin } from '../permissions.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors, serialId, subjectParam } from '../shared-schemas.js';
import { typed } from '../type-provider.js';

const tags = ['registry'];
const FORMATS = ['AVRO', 'JSON'] as const;

const versionParam = { type: 'string', pattern: '^\\s*(latest|-1|[0-9]{1,10})\\s*$', description: 'A version number, "latest" or -1' } as const;
const subjectParams = { type: 'object', required: ['subject'], properties: { subject: subjectParam } } as const;
const versionParams = { type: 'object', required: ['subject', 'version'], properties: { subject: subjectParam, version: versionParam } } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: serialId } } as const;
const deletedQuery = { type: 'object', properties: { deleted: { type: 'boolean', default: false, description: 'Include soft-deleted versions' } } } as const;
const permanentQuery = { type: 'object', properties: { permanent: { type: 'boolean', default: false } } } as const;

const reference = {
  type: 'object', required: ['name', 'subject', 'version'], additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, description: 'Avro full name or JSON Schema $ref URI used by the referring schema' },
    subject: { type: 'string', minLength: 1 },
    version: { type: 'integer', minimum: -1, maximum: 2147483647, description: 'A version number, or -1 for the latest' },
  },
} as const;
const schemaText = {
  anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }, { type: 'array' }],
  description: 'The schema: its text, or the JSON document itself',
} as const;
const schemaBody = {
  type: 'object', required: ['schema'], additionalProperties: false,
  properties: {
    schema: schemaText,
    format: { type: 'string', enum: FORMATS, default: 'AVRO' },
    references: { type: 'array', items: reference, maxItems: 1000 },
  },
} as const;

const versionView = {
  type: 'object', required: ['subject', 'version', 'id', 'format', 'schema', 'references', 'deleted'],
  properties: {
    subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'integer' },
    format: { type: 'string', enum: FORMATS }, schema: { type: 'string' },
    references: { type: 'array', items: reference }, deleted: { type: 'boolean' },
    metadata: {}, rule_set: {},
  },
} as const;
const schemaView = {
  type: 'object', required: ['id', 'format', 'schema', 'canonical', 'fingerprint', 'references'],
  properties: {
    id: { type: 'integer' }, format: { type: 'string', enum: FORMATS }, schema: { type: 'string' },
    canonical: { type: 'string' }, fingerprint: { type: 'string', description: 'Hex SHA-256 of the canonical form' },
    references: { type: 'array', items: reference },
  },
} as const;
const finding = {
  type: 'object', required: ['direction', 'version', 'path', 'rule', 'message'],
  properties: {
    direction: { type: 'string', enum: ['backward', 'forward'] }, version: { type: 'integer' },
    path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' },
  },
} as const;
const verdict = { type: 'object', required: ['compatible', 'findings'], properties: { compatible: { type: 'boolean' }, findings: { type: 'array', items: finding } } } as const;
const levelSetting = { type: 'object', required: ['compatibility'], properties: { compatibility: { type: 'string' } } } as const;
const modeSetting = { type: 'object', required: ['mode'], properties: { mode: { type: 'string' } } } as const;

/** A schema given as a JSON document is stored as its JSON text. */
function textOf(schema: unknown): string {
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}

function presentVersion(v: SubjectVersion) {
  return {
    subject: v.subject, version: v.version, id: v.id, format: v.format, schema: v.schema, references: v.references,
    deleted: v.deleted, ...(v.metadata !== undefined ? { metadata: v.metadata } : {}), ...(v.ruleSet !== undefined ? { rule_set: v.ruleSet } : {}),
  };
}

function presentSchema(s: StoredSchema) {
  return { id: s.id, format: s.format, schema: s.schema, canonical: s.canonical, fingerprint: s.fingerprint, references: s.references };
}

type SchemaInput = { schema: unknown; format: SchemaFormat; references?: SchemaReference[] };

export async function registryNativeRoutes(fastify: FastifyInstance, deps: AppDeps) {
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

  // Settings: global ones need `admin`, a subject's own need `write` (ADR 0006).
  app.get('/v1/config', {
    schema: { tags, summary: 'The global compatibility level', response: { 200: levelSetting, ...nativeErrors(401, 403) } },
  }, async () => ({ compatibility: await registry().getGlobalCompatibility() }));

  app.put('/v1/config', {
    config: { scope: 'admin' },
    schema: {
      tags, summary: 'Set the global compatibility level', body: { type: 'object', required: ['compatibility'], additionalProperties: false, properties: { compatibility: { type: 'string' } } } as const,
      response: { 200: levelSetting, ...nativeErrors(400, 401, 403, 415, 422) },
    },
  }, async (request) => {
    const { compatibility } = request.body;
    await registry().setGlobalCompatibility(compatibility as CompatibilityLevel, request.principal);
    return { compatibility: await registry().getGlobalCompatibility() };
  });

  app.get('/v1/config/:subject', {
    schema: {
      tags, summary: "A subject's own compatibility level (null when it has none) and the level in force", params: subjectParams,
      response: { 200: { type: 'object', required: ['subject', 'compatibility', 'effective'], properties: { subject: { type: 'string' }, compatibility: { type: 'string', nullable: true }, effective: { type: 'string' } } }, ...nativeErrors(400, 401, 403) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const own = await registry().getSubjectCompatibility({ subject });
    return { subject, compatibility: own ?? null, effective: await registry().effectiveCompatibility({ subject }) };
  });

  app.put('/v1/config/:subject', {
    config: { permit: (r) => levelNeedsAdmin((r.body as { compatibility?: string }).compatibility) },
    schema: {
      tags, summary: "Set a subject's compatibility level", params: subjectParams,
      body: { type: 'object', required: ['compatibility'], additionalProperties: false, properties: { compatibility: { type: 'string' } } } as const,
      response: { 200: { type: 'object', required: ['subject', 'compatibility'], properties: { subject: { type: 'string' }, compatibility: { type: 'string' } } }, ...nativeErrors(400, 401, 403, 415, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const { compatibility } = request.body;
    await registry().setSubjectCompatibility({ subject, level: compatibility as CompatibilityLevel }, request.principal);
    return { subject, compatibility: (await registry().getSubjectCompatibility({ subject }))! };
  });

  app.delete('/v1/config/:subject', {
    schema: {
      tags, summary: "Remove a subject's own level (the global one applies again); returns the removed level", params: subjectParams,
      response: { 200: { type: 'object', required: ['subject', 'compatibility'], properties: { subject: { type: 'string' }, compatibility: { type: 'string' } } }, ...nativeErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { subject } = request.params;
    return { subject, compatibility: (await registry().deleteSubjectCompatibility({ subject }, request.principal))! };
  });

  app.get('/v1/mode', {
    schema: { tags, summary: 'The global mode', response: { 200: modeSetting, ...nativeErrors(401, 403) } },
  }, async () => ({ mode: await registry().getGlobalMode() }));

  app.put('/v1/mode', {
    config: { scope: 'admin' },
    schema: {
      tags, summary: 'Set the global mode (READWRITE, READONLY, READONLY_OVERRIDE, IMPORT)',
      body: { type: 'object', required: ['mode'], additionalProperties: false, properties: { mode: { type: 'string' } } } as const,
      response: { 200: modeSetting, ...nativeErrors(400, 401, 403, 415, 422) },
    },
  }, async (request) => {
    await registry().setGlobalMode(request.body.mode as RegistryMode, request.principal);
    return { mode: await registry().getGlobalMode() };
  });

  app.get('/v1/mode/:subject', {
    schema: {
      tags, summary: "A subject's own mode (null when it has none) and the mode in force", params: subjectParams,
      response: { 200: { type: 'object', required: ['subject', 'mode', 'effective'], properties: { subject: { type: 'string' }, mode: { type: 'string', nullable: true }, effective: { type: 'string' } } }, ...nativeErrors(400, 401, 403) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const own = await registry().getSubjectMode({ subject });
    return { subject, mode: own ?? null, effective: await registry().subjectModeOrGlobal({ subject, defaultToGlobal: true }) };
  });

  app.put('/v1/mode/:subject', {
    config: { permit: (r) => modeNeedsAdmin((r.body as { mode?: string }).mode) },
    schema: {
      tags, summary: "Set a subject's mode", params: subjectParams,
      body: { type: 'object', required: ['mode'], additionalProperties: false, properties: { mode: { type: 'string' } } } as const,
      response: { 200: { type: 'object', required: ['subject', 'mode'], properties: { subject: { type: 'string' }, mode: { type: 'string' } } }, ...nativeErrors(400, 401, 403, 415, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    await registry().setSubjectMode({ subject, mode: request.body.mode as RegistryMode }, request.principal);
    return { subject, mode: (await registry().getSubjectMode({ subject }))! };
  });

  app.delete('/v1/mode/:subject', {
    schema: {
      tags, summary: "Remove a subject's own mode; returns the removed mode", params: subjectParams,
      response: { 200: { type: 'object', required: ['subject', 'mode'], properties: { subject: { type: 'string' }, mode: { type: 'string' } } }, ...nativeErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { subject } = request.params;
    return { subject, mode: (await registry().deleteSubjectMode({ subject }, request.principal))! };
  });
}
