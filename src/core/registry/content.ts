// Small pure helpers of the registry: version selectors, content keys, compatibility messages.
import { createHash } from 'node:crypto';
import { DagpactError, errors } from '../errors.js';
import type { SchemaFormat } from '../formats/types.js';
import type { CompatibilityFinding, SchemaReference, VersionSelector } from './types.js';

export const MAX_VERSION = 2_147_483_647;
/** Deeper schemas are refused before anything recurses over them. */
export const MAX_SCHEMA_DEPTH = 200;

/** "3", 3, "latest" and -1 (Confluent's alias of latest); anything else is INVALID_VERSION. */
export function parseVersionSelector(raw: string | number): VersionSelector {
  const text = String(raw).trim();
  if (text === 'latest' || text === '-1') return 'latest';
  if (/^[0-9]{1,10}$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= MAX_VERSION) return n;
  }
  throw new DagpactError('INVALID_VERSION',
    `version "${text}" is not valid: use an integer from 1 to ${MAX_VERSION}, "latest" or -1`);
}

export function depthOf(value: unknown, limit: number): number {
  // Iterative: a hostile document must not overflow the stack here.
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Object.values(v as object)) stack.push([child, d + 1]);
  }
  return max;
}

export const MAX_SUBJECT_LENGTH = 1000;
/** C0/C1 controls and the bidirectional overrides/isolates that make a name display as another one. */
// eslint-disable-next-line no-control-regex
const UNSAFE_SUBJECT_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Refuses subject names the registry documents as invalid: empty, over 1,000 characters, controls, bidi overrides. */
export function checkSubjectName(subject: string, path = '$.subject'): void {
  const length = [...subject].length;
  let problem: string | undefined;
  if (length === 0) problem = 'must not be empty';
  else if (length > MAX_SUBJECT_LENGTH) problem = `is ${length} characters long; a subject name may have at most ${MAX_SUBJECT_LENGTH}`;
  else if (UNSAFE_SUBJECT_CHARS.test(subject)) {
    const at = [...subject].findIndex((c) => UNSAFE_SUBJECT_CHARS.test(c));
    problem = `holds a control or bidirectional-override character (U+${[...subject][at]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at position ${at}); use printable characters only`;
  }
  if (problem) throw errors.validation(`the subject name is invalid: ${problem}`, [{ path, message: problem }]);
}

/** Parses the schema text as JSON, refusing documents nested deeper than MAX_SCHEMA_DEPTH. */
export function parseSchemaJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw errors.invalidSchema(`the schema is not valid JSON: ${(e as Error).message}`, [{ path: '$', message: 'is not valid JSON' }]);
  }
  if (depthOf(value, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) {
    throw errors.invalidSchema(`the schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep; flatten it or use references`,
      [{ path: '$', message: `nested more than ${MAX_SCHEMA_DEPTH} levels` }]);
  }
  return value;
}

/** JSON with object keys sorted; arrays (Avro fields, union branches) keep their order. */
export function sortedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * The uniqueness key of a schema: format, the document with sorted keys, and its references. It is
 * lossless on purpose — Avro's Parsing Canonical Form drops defaults, docs and aliases, which matter
 * to compatibility, so two schemas that differ only there must get different ids.
 */
export function contentKey(format: SchemaFormat, document: unknown, references: SchemaReference[]): string {
  const refs = references.map((r) => [r.name, r.subject, r.version]);
  return createHash('sha256').update(`${format}\n${sortedJson(document)}\n${JSON.stringify(refs)}`).digest('hex');
}

/** One line per finding, as the messages of Confluent's verbose compatibility answer. */
export function findingLine(f: CompatibilityFinding): string {
  return `${f.direction} vs version ${f.version}: ${f.path} ${f.rule}: ${f.message}`;
}

export function incompatibleMessage(subject: string, level: string, findings: CompatibilityFinding[]): string {
  const shown = findings.slice(0, 5).map(findingLine).join('; ');
  const more = findings.length > 5 ? ` (and ${findings.length - 5} more)` : '';
  return `the schema is incompatible with subject "${subject}" under ${level}: ${shown}${more}. ` +
    'Make the change compatible (e.g. give new fields defaults) or change the subject\'s compatibility level';
}
