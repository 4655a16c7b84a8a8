// The /v1 registry's shapes: path and query parameters, the schema body, the views of a version,
// a schema and a compatibility verdict, and their presenters. The routes are registry-subjects.ts,
// registry-schemas.ts and registry-settings.ts.
import type { StoredSchema, SubjectVersion } from '../../core/registry/types.js';
import { serialId, subjectParam } from '../shared-schemas.js';

export const tags = ['registry'];
export const FORMATS = ['AVRO', 'JSON'] as const;

export const versionParam = { type: 'string', pattern: '^\\s*(latest|-1|[0-9]{1,10})\\s*$', description: 'A version number, "latest" or -1' } as const;
export const subjectParams = { type: 'object', required: ['subject'], properties: { subject: subjectParam } } as const;
export const versionParams = { type: 'object', required: ['subject', 'version'], properties: { subject: subjectParam, version: versionParam } } as const;
export const idParams = { type: 'object', required: ['id'], properties: { id: serialId } } as const;
export const deletedQuery = { type: 'object', properties: { deleted: { type: 'boolean', default: false, description: 'Include soft-deleted versions' } } } as const;
export const permanentQuery = { type: 'object', properties: { permanent: { type: 'boolean', default: false } } } as const;

export const reference = {
  type: 'object', required: ['name', 'subject', 'version'], additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, description: 'Avro full name or JSON Schema $ref URI used by the referring schema' },
    subject: { type: 'string', minLength: 1 },
    version: { type: 'integer', minimum: -1, maximum: 2147483647, description: 'A version number, or -1 for the latest' },
  },
} as const;
export const schemaText = {
  anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }, { type: 'array' }],
  description: 'The schema: its text, or the JSON document itself',
} as const;
export const schemaBody = {
  type: 'object', required: ['schema'], additionalProperties: false,
  properties: {
    schema: schemaText,
    format: { type: 'string', enum: FORMATS, default: 'AVRO' },
    references: { type: 'array', items: reference, maxItems: 1000 },
  },
} as const;

export const versionView = {
  type: 'object', required: ['subject', 'version', 'id', 'format', 'schema', 'references', 'deleted'],
  properties: {
    subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'integer' },
    format: { type: 'string', enum: FORMATS }, schema: { type: 'string' },
    references: { type: 'array', items: reference }, deleted: { type: 'boolean' },
    metadata: {}, rule_set: {},
  },
} as const;
export const schemaView = {
  type: 'object', required: ['id', 'format', 'schema', 'canonical', 'fingerprint', 'references'],
  properties: {
    id: { type: 'integer' }, format: { type: 'string', enum: FORMATS }, schema: { type: 'string' },
    canonical: { type: 'string' }, fingerprint: { type: 'string', description: 'Hex SHA-256 of the canonical form' },
    references: { type: 'array', items: reference },
  },
} as const;
export const finding = {
  type: 'object', required: ['direction', 'version', 'path', 'rule', 'message'],
  properties: {
    direction: { type: 'string', enum: ['backward', 'forward'] }, version: { type: 'integer' },
    path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' },
  },
} as const;
export const verdict = { type: 'object', required: ['compatible', 'findings'], properties: { compatible: { type: 'boolean' }, findings: { type: 'array', items: finding } } } as const;
export const levelSetting = { type: 'object', required: ['compatibility'], properties: { compatibility: { type: 'string' } } } as const;
export const modeSetting = { type: 'object', required: ['mode'], properties: { mode: { type: 'string' } } } as const;

/** A schema given as a JSON document is stored as its JSON text. */
export function textOf(schema: unknown): string {
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}

export function presentVersion(v: SubjectVersion) {
  return {
    subject: v.subject, version: v.version, id: v.id, format: v.format, schema: v.schema, references: v.references,
    deleted: v.deleted, ...(v.metadata !== undefined ? { metadata: v.metadata } : {}), ...(v.ruleSet !== undefined ? { rule_set: v.ruleSet } : {}),
  };
}

export function presentSchema(s: StoredSchema) {
  return { id: s.id, format: s.format, schema: s.schema, canonical: s.canonical, fingerprint: s.fingerprint, references: s.references };
}
