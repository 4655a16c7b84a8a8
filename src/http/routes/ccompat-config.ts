// /ccompat settings and compatibility checks: /config, /mode and /compatibility in Confluent's
// shapes. Global settings need the `admin` scope, a subject's own `write` (ADR 0006).
import type { FastifyInstance } from 'fastify';
import type { CompatibilityLevel } from '../../core/compat/levels.js';
import { findingLine, parseVersionSelector } from '../../core/registry/content.js';
import type { RegistryMode } from '../../core/registry/types.js';
import { levelNeedsAdmin, modeNeedsAdmin, permanentNeedsAdmin } from '../permissions.js';
import type { AppDeps } from '../deps.js';
import { confluentErrors } from '../shared-schemas.js';
import { formatOf, schemaRequest, subjectParams, tags, versionParams, type SchemaRequest } from './ccompat-shapes.js';
import { typed } from '../type-provider.js';

const levelResponse = { type: 'object', required: ['compatibilityLevel'], properties: { compatibilityLevel: { type: 'string' } } } as const;
const levelUpdate = {
  type: 'object', required: ['compatibility'], additionalProperties: true,
  properties: { compatibility: { type: 'string', description: 'BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE or NONE' } },
} as const;
const levelUpdated = { type: 'object', required: ['compatibility'], properties: { compatibility: { type: 'string' } } } as const;
const modeBody = {
  type: 'object', required: ['mode'], additionalProperties: true,
  properties: { mode: { type: 'string', description: 'READWRITE, READONLY, READONLY_OVERRIDE or IMPORT' } },
} as const;
const modeResponse = { type: 'object', required: ['mode'], properties: { mode: { type: 'string' } } } as const;
const defaultToGlobal = { type: 'object', properties: { defaultToGlobal: { type: 'boolean', default: false } } } as const;
const compatibilityResponse = {
  type: 'object', required: ['is_compatible'],
  properties: { is_compatible: { type: 'boolean' }, messages: { type: 'array', items: { type: 'string' } } },
} as const;

export async function ccompatConfigRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const registry = () => deps.services.registry;

  app.get('/ccompat/config', {
    schema: { tags, summary: 'The global compatibility level', response: { 200: levelResponse, ...confluentErrors(401, 403) } },
  }, async () => ({ compatibilityLevel: await registry().getGlobalCompatibility() }));

  app.put('/ccompat/config', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'Set the global compatibility level', body: levelUpdate, response: { 200: levelUpdated, ...confluentErrors(400, 401, 403, 415, 422) } },
  }, async (request) => {
    await registry().setGlobalCompatibility(request.body.compatibility as CompatibilityLevel, request.principal);
    return { compatibility: await registry().getGlobalCompatibility() };
  });

  app.delete('/ccompat/config', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'Reset the global level to the default (BACKWARD); returns the level it had', response: { 200: levelResponse, ...confluentErrors(401, 403) } },
  }, async (request) => ({ compatibilityLevel: await registry().deleteGlobalCompatibility(request.principal) }));

  app.get('/ccompat/config/:subject', {
    schema: {
      tags, summary: "A subject's compatibility level (40408 when it has none, unless defaultToGlobal=true)",
      params: subjectParams, querystring: defaultToGlobal, response: { 200: levelResponse, ...confluentErrors(401, 403, 404) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const q = request.query;
    return { compatibilityLevel: await registry().subjectCompatibilityOrGlobal({ subject, defaultToGlobal: q.defaultToGlobal }) };
  });

  app.put('/ccompat/config/:subject', {
    config: { permit: (r) => levelNeedsAdmin((r.body as { compatibility?: string }).compatibility) },
    schema: { tags, summary: "Set a subject's compatibility level", params: subjectParams, body: levelUpdate, response: { 200: levelUpdated, ...confluentErrors(400, 401, 403, 415, 422) } },
  }, async (request) => {
    const { subject } = request.params;
    await registry().setSubjectCompatibility({ subject, level: request.body.compatibility as CompatibilityLevel }, request.principal);
    return { compatibility: (await registry().getSubjectCompatibility({ subject }))! };
  });

  app.delete('/ccompat/config/:subject', {
    schema: { tags, summary: "Remove a subject's own level; returns it", params: subjectParams, response: { 200: levelResponse, ...confluentErrors(401, 403, 404) } },
  }, async (request) => {
    const { subject } = request.params;
    return { compatibilityLevel: (await registry().deleteSubjectCompatibility({ subject }, request.principal))! };
  });

  app.get('/ccompat/mode', {
    schema: { tags, summary: 'The global mode', response: { 200: modeResponse, ...confluentErrors(401, 403) } },
  }, async () => ({ mode: await registry().getGlobalMode() }));

  app.put('/ccompat/mode', {
    config: { scope: 'admin' },
    schema: {
      tags, summary: 'Set the global mode', body: modeBody,
      querystring: { type: 'object', properties: { force: { type: 'boolean', default: false } } } as const,
      response: { 200: modeResponse, ...confluentErrors(400, 401, 403, 415, 422) },
    },
  }, async (request) => {
    await registry().setGlobalMode(request.body.mode as RegistryMode, request.principal);
    return { mode: await registry().getGlobalMode() };
  });

  app.get('/ccompat/mode/:subject', {
    schema: {
      tags, summary: "A subject's mode (40409 when it has none, unless defaultToGlobal=true)",
      params: subjectParams, querystring: defaultToGlobal, response: { 200: modeResponse, ...confluentErrors(401, 403, 404) },
    },
  }, async (request) => {
    const { subject } = request.params;
    const q = request.query;
    return { mode: await registry().subjectModeOrGlobal({ subject, defaultToGlobal: q.defaultToGlobal }) };
  });

  app.put('/ccompat/mode/:subject', {
    config: { permit: (r) => modeNeedsAdmin((r.body as { mode?: string }).mode) },
    schema: {
      tags, summary: "Set a subject's mode", params: subjectParams, body: modeBody,
      querystring: { type: 'object', properties: { force: { type: 'boolean', default: false } } } as const,
      response: { 200: modeResponse, ...confluentErrors(400, 401, 403, 415, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    await registry().setSubjectMode({ subject, mode: request.body.mode as RegistryMode }, request.principal);
    return { mode: (await registry().getSubjectMode({ subject }))! };
  });

  app.delete('/ccompat/mode/:subject', {
    schema: { tags, summary: "Remove a subject's own mode; returns it", params: subjectParams, response: { 200: modeResponse, ...confluentErrors(401, 403, 404) } },
  }, async (request) => {
    const { subject } = request.params;
    return { mode: (await registry().deleteSubjectMode({ subject }, request.principal))! };
  });

  const verboseQuery = { type: 'object', properties: { verbose: { type: 'boolean', default: false }, normalize: { type: 'boolean', default: false } } } as const;
  const check = async (subject: string, body: SchemaRequest, verbose: boolean, version?: string) => {
    const result = await registry().checkCompatibility({
      subject, schema: body.schema, format: formatOf(body.schemaType), references: body.references ?? [],
      version: version === undefined ? undefined : parseVersionSelector(version),
    });
    return verbose ? { is_compatible: result.compatible, messages: result.findings.map(findingLine) } : { is_compatible: result.compatible };
  };

  app.post('/ccompat/compatibility/subjects/:subject/versions/:version', {
    config: { scope: 'read' },
    schema: {
      tags, summary: 'Can this schema be read with / read data of the given version, under the subject\'s level? (verbose=true adds messages)',
      params: versionParams, querystring: verboseQuery, body: schemaRequest,
      response: { 200: compatibilityResponse, ...confluentErrors(400, 401, 403, 404, 415, 422) },
    },
  }, async (request) => {
    const p = request.params;
    return check(p.subject, request.body, request.query.verbose, p.version);
  });

  app.post('/ccompat/compatibility/subjects/:subject/versions', {
    config: { scope: 'read' },
    schema: {
      tags, summary: 'Would this schema be accepted under the subject\'s level, against its versions? (verbose=true adds messages)',
      params: subjectParams, querystring: verboseQuery, body: schemaRequest,
      response: { 200: compatibilityResponse, ...confluentErrors(400, 401, 403, 404, 415, 422) },
    },
  }, async (request) => {
    const { subject } = request.params;
    return check(subject, request.body, request.query.verbose);
  });
}
