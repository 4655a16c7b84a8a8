// Shared helpers of the JSON Schema provider tests.
import { makeJsonSchemaProvider } from '../../../../src/core/formats/json-schema/provider.js';
import type { ParsedSchema } from '../../../../src/core/formats/types.js';

export const provider = makeJsonSchemaProvider();

export function parse(schema: unknown, references?: Array<{ name: string; schema: unknown }>): ParsedSchema {
  return provider.parse(JSON.stringify(schema), references?.map((r) => ({ name: r.name, schema: JSON.stringify(r.schema) })));
}

/** Sorted distinct rule names of backwardIssues(reader, writer). */
export function rules(reader: unknown, writer: unknown): string[] {
  return [...new Set(provider.backwardIssues(parse(reader), parse(writer)).map((i) => i.rule))].sort();
}

export const bytes = (text: string) => new TextEncoder().encode(text);
