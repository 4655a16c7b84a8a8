// JSON shapes of Confluent Schema Registry's REST API, shared by the /ccompat route files.
import type { SchemaFormat } from '../../core/formats/types.js';
import type { SchemaReference, StoredSchema, SubjectVersion } from '../../core/registry/types.js';
import { subjectParam } from '../shared-schemas.js';

export const CCOMPAT_MEDIA_TYPE = 'application/vnd.schemaregistry.v1+json';
export const tags = ['ccompat'];

export { subjectParam };
/** Versions stay strings here: "abc" must be Confluent's 42202, not a validation 400. */
export const versionParam = { type: 'string', description: 'A version number, "latest" or -1' } as const;
export const subjectParams = { type: 'object', required: ['subject'], properties: { subject: subjectParam } } as const;
export const versionParams = { type: 'object', required: ['subject', 'version'], properties: { subject: subjectParam, version: versionParam } } as const;

export const reference = {
  type: 'object', required: ['name', 'subject', 'version'],
  properties: { name: { type: 'string', minLength: 1 }, subject: { type: 'string', minLength: 1 }, version: { type: 'integer', minimum: -1, maximum: 2147483647 } },
} as const;

/** Confluent's RegisterSchemaRequest; unknown fields are accepted and ignored, as Confluent does. */
export const schemaRequest = {
  type: 'object', required: ['schema'], additionalProperties: true,
  properties: {
    schema: { type: 'string', minLength: 1 },
    schemaType: { type: 'string', description: 'AVRO (default) or JSON' },
    references: { type: 'array', items: reference, maxItems: 1000, nullable: true },
    metadata: {}, ruleSet: {},
    id: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'IMPORT mode only' },
    version: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'IMPORT mode only' },
  },
} as const;

export interface SchemaRequest {
  schema: string;
  schemaType?: string;
  references?: SchemaReference[] | null;
  metadata?: unknown;
  ruleSet?: unknown;
  id?: number;
  version?: number;
}

export const subjectVersionResponse = {
  type: 'object', required: ['subject', 'id', 'version', 'schema'],
  properties: {
    subject: { type: 'string' }, id: { type: 'integer' }, version: { type: 'integer' },
    schemaType: { type: 'string' }, references: { type: 'array', items: reference }, schema: { type: 'string' },
    metadata: {}, ruleSet: {}, deleted: { type: 'boolean' },
  },
} as const;

export const schemaByIdResponse = {
  type: 'object', required: ['schema'],
  properties: { schemaType: { type: 'string' }, references: { type: 'array', items: reference }, schema: { type: 'string' } },
} as const;

/** Confluent's schema type from a request: AVRO when omitted. */
export function formatOf(schemaType: string | undefined): SchemaFormat {
  return (schemaType ? schemaType.toUpperCase() : 'AVRO') as SchemaFormat;
}

/** Confluent leaves schemaType out for AVRO and references out when there are none. */
function typeAndRefs(format: SchemaFormat, references: SchemaReference[]) {
  return {
    ...(format === 'AVRO' ? {} : { schemaType: format }),
    ...(references.length > 0 ? { references } : {}),
  };
}

export function presentSubjectVersion(v: SubjectVersion) {
  return {
    subject: v.subject, version: v.version, id: v.id, ...typeAndRefs(v.format, v.references), schema: v.schema,
    ...(v.metadata !== undefined ? { metadata: v.metadata } : {}), ...(v.ruleSet !== undefined ? { ruleSet: v.ruleSet } : {}),
    ...(v.deleted ? { deleted: true } : {}),
  };
}

export function presentSchemaById(s: StoredSchema) {
  return { ...typeAndRefs(s.format, s.references), schema: s.schema };
}
