// The JSON Schema format provider: parse/validate with Ajv, canonical form and fingerprint,
// the structural compatibility diff, and payload checks. See docs/adr/0004-json-schema-compatibility.md.
import { DagpactError, errors } from '../../errors.js';
import type { CompatibilityIssue, FormatProvider, ParsedSchema, ResolvedReference } from '../types.js';
import { jsonSchemaBackwardIssues } from './diff/index.js';
import { parseJsonSchema, type JsonSchemaNative } from './parse.js';
import { checkJsonPayload } from './payload.js';
import { makeWorkBudget, type WorkBudget } from '../work-budget.js';

function nativeOf(schema: ParsedSchema): JsonSchemaNative {
  if (schema.format !== 'JSON') throw errors.badRequest(`expected a JSON schema, got ${schema.format}`);
  return schema.native as JsonSchemaNative;
}

export function makeJsonSchemaProvider(): FormatProvider {
  return {
    format: 'JSON',
    parse(text: string, references?: ResolvedReference[]): ParsedSchema {
      try {
        return parseJsonSchema(text, references);
      } catch (e) {
        if (e instanceof DagpactError) throw e;
        // Whatever slipped through is still a problem with the input, never a 5xx.
        throw errors.invalidSchema(`the schema cannot be used: ${(e as Error).message}`, [{ path: '$', message: String((e as Error).message) }]);
      }
    },
    backwardIssues(reader: ParsedSchema, writer: ParsedSchema, budget?: WorkBudget): CompatibilityIssue[] {
      try {
        return jsonSchemaBackwardIssues(nativeOf(reader), nativeOf(writer), budget ?? makeWorkBudget());
      } catch (e) {
        if (e instanceof DagpactError) throw e;
        return [{ path: '#', rule: 'UNDECIDABLE_INTERNAL', message: `dagpact could not compare these schemas (${(e as Error).message}); treating them as incompatible` }];
      }
    },
    checkPayload(payload, writer, reader) {
      try {
        return checkJsonPayload(payload, nativeOf(writer).validate, reader ? nativeOf(reader).validate : undefined);
      } catch (e) {
        return { ok: false, problems: [{ path: '$', message: (e as Error).message }] };
      }
    },
    readAs(payload, writer, reader) {
      const check = this.checkPayload(payload, writer, reader);
      return check.ok ? { ok: true, value: check.value, bytes: payload } : check;
    },
  };
}
