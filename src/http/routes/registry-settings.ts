// /v1/config and /v1/mode: compatibility levels and modes, global and per subject. Global settings
// need `admin`, a subject's own need `write` (ADR 0006); NONE and IMPORT need `admin` everywhere.
import type { FastifyInstance } from 'fastify';
import type { CompatibilityLevel } from '../../core/compat/levels.js';
import type { RegistryMode } from '../../core/registry/types.js';
import { levelNeedsAdmin, modeNeedsAdmin } from '../permissions.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';
import { typed } from '../type-provider.js';
import { levelSetting, modeSetting, subjectParams, tags } from './registry-shapes.js';

export async function registrySettingRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const registry = () => deps.services.registry;

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
