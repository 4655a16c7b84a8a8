// Checking a JSON payload against the writer schema and, when given, the reader schema.
// Every failure becomes a problem with a JSON path; nothing here throws.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { InputProblem } from '../../errors.js';
import { depthOf } from '../../registry/content.js';
import type { PayloadCheck } from '../types.js';
import { instancePathToJsonPath } from './json-path.js';

export const MAX_PAYLOAD_DEPTH = 256;
const MAX_PROBLEMS = 100;

function problemOf(e: ErrorObject, role: string): InputProblem {
  const p = e.params as { missingProperty?: string; additionalProperty?: string; unevaluatedProperty?: string };
  if (e.keyword === 'required' && p.missingProperty !== undefined) {
    return { path: instancePathToJsonPath(e.instancePath, p.missingProperty), message: `is required by the ${role} schema but missing` };
  }
  const extra = p.additionalProperty ?? p.unevaluatedProperty;
  if ((e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') && extra !== undefined) {
    return { path: instancePathToJsonPath(e.instancePath, extra), message: `is not allowed by the ${role} schema (${e.keyword})` };
  }
  if (e.keyword === 'false schema') {
    return { path: instancePathToJsonPath(e.instancePath), message: `is not allowed here by the ${role} schema (schema false)` };
  }
  return { path: instancePathToJsonPath(e.instancePath), message: `${e.message ?? 'is not valid'} (${role} schema, ${e.keyword})` };
}

function validateWith(validate: ValidateFunction, value: unknown, role: string): InputProblem[] {
  try {
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, MAX_PROBLEMS).map((e) => problemOf(e, role));
  } catch (e) {
    return [{ path: '$', message: `could not be validated against the ${role} schema: ${(e as Error).message}` }];
  }
}

export function checkJsonPayload(payload: Uint8Array, writer: ValidateFunction, reader?: ValidateFunction): PayloadCheck {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return { ok: false, problems: [{ path: '$', message: 'is not valid UTF-8; JSON payloads must be UTF-8 text' }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [{ path: '$', message: `is not valid JSON: ${(e as Error).message}` }] };
  }
  if (depthOf(value, MAX_PAYLOAD_DEPTH) > MAX_PAYLOAD_DEPTH) {
    return { ok: false, problems: [{ path: '$', message: `is nested more than ${MAX_PAYLOAD_DEPTH} levels deep` }] };
  }
  const problems = validateWith(writer, value, 'writer');
  if (reader && problems.length === 0) problems.push(...validateWith(reader, value, 'reader'));
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}
