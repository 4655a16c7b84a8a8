// Parsing and validating JSON Schema text: draft detection, meta-schema validation with Ajv,
// `$ref`s resolved against the given references, problems reported with JSON paths.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { makeByteLru, stringBytes } from '../../byte-lru.js';
import { DagpactError, errors, type InputProblem } from '../../errors.js';
import { parseSchemaJson } from '../../registry/content.js';
import type { ResolvedReference } from '../types.js';
import { canonicalJson, fingerprintOf } from './canonical.js';
import { ajvDocument, detectDraft, effectiveDocument, makeAjv, walkSchema, type Draft } from './draft.js';
import { instancePathToJsonPath, jsonPath } from './json-path.js';
import { unsafePatternReason } from './safe-regex.js';

/** One document the diff can resolve `$ref`s into: the schema itself or a named reference. */
export interface SchemaDocument {
  /** `$ref` URI other documents use for it; '' for the schema being parsed. */
  name: string;
  draft: Draft;
  /** The document with draft-04/-06 rewritten into draft-07 form. */
  root: unknown;
}

/** The provider-private form behind ParsedSchema.native. */
export interface JsonSchemaNative {
  main: SchemaDocument;
  references: SchemaDocument[];
  validate: ValidateFunction;
}

/** Bytes the compiled validators may hold (estimated as 20x the schema's canonical text). */
const VALIDATOR_CACHE_BYTES = 32 * 1024 * 1024;
const validatorCache = makeByteLru<string, ValidateFunction>(VALIDATOR_CACHE_BYTES);

function isSchemaValue(v: unknown): boolean {
  return typeof v === 'boolean' || (v !== null && typeof v === 'object' && !Array.isArray(v));
}

/** Meta-schema errors grouped by location, the wrapping anyOf/oneOf noise dropped. */
export function metaSchemaProblems(errs: ErrorObject[] | null | undefined, prefix = ''): InputProblem[] {
  const byPath = new Map<string, string[]>();
  for (const e of errs ?? []) {
    // The drafts only say an enum SHOULD be non-empty; an empty one is legal and accepts nothing.
    if (e.keyword === 'minItems' && /\/enum$/.test(e.instancePath)) continue;
    if ((e.keyword === 'anyOf' || e.keyword === 'oneOf') && (errs ?? []).some((o) => o !== e && o.instancePath === e.instancePath)) continue;
    let message = e.message ?? 'is not valid';
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    if (e.keyword === 'enum' && Array.isArray(allowed)) message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    const path = prefix + instancePathToJsonPath(e.instancePath).slice(prefix ? 1 : 0);
    const list = byPath.get(path) ?? [];
    if (!list.includes(message)) list.push(message);
    byPath.set(path, list);
  }
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join('; or ') }));
}

function patternProblems(doc: unknown): InputProblem[] {
  const problems: InputProblem[] = [];
  const check = (source: unknown, segments: Array<string | number>) => {
    if (typeof source !== 'string') return;
    try {
      new RegExp(source, 'u'); // syntax only: never executed
    } catch (e) {
      problems.push({ path: jsonPath(segments), message: `is not a valid regular expression: ${(e as Error).message}` });
      return;
    }
    const unsafe = unsafePatternReason(source);
    if (unsafe) problems.push({ path: jsonPath(segments), message: `the pattern ${JSON.stringify(source.slice(0, 200))} ${unsafe}` });
  };
  walkSchema(doc, (node, segments) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const s = node as Record<string, unknown>;
    check(s.pattern, [...segments, 'pattern']);
    if (s.patternProperties && typeof s.patternProperties === 'object') {
      for (const key of Object.keys(s.patternProperties)) check(key, [...segments, 'patternProperties', key]);
    }
  });
  return problems;
}

/** Where a `$ref` with this value sits, for the "cannot resolve" problem. */
function refLocation(doc: unknown, ref: string | undefined): string {
  let found: string | undefined;
  walkSchema(doc, (node, segments) => {
    if (found || node === null || typeof node !== 'object') return;
    const value = (node as Record<string, unknown>).$ref;
    if (typeof value === 'string' && ref !== undefined && (value === ref || ref.endsWith(value) || value.endsWith(ref))) {
      found = jsonPath([...segments, '$ref']);
    }
  });
  return found ?? '$';
}

function loadDocument(text: string, name: string, where: string): { raw: unknown; doc: SchemaDocument } {
  let raw: unknown;
  try {
    raw = parseSchemaJson(text);
  } catch (e) {
    if (e instanceof DagpactError && where) throw errors.invalidSchema(`reference "${name}": ${e.message}`, [{ path: where, message: e.message }]);
    throw e;
  }
  if (!isSchemaValue(raw)) {
    throw errors.invalidSchema('a JSON Schema must be a JSON object or a boolean', [{ path: where || '$', message: 'must be an object or a boolean' }]);
  }
  const draft = detectDraft(raw);
  if (!draft) {
    const path = where ? `${where}.$schema` : '$.$schema';
    throw errors.invalidSchema('the "$schema" is not a supported JSON Schema draft; use draft-04, -06, -07, 2019-09 or 2020-12',
      [{ path, message: 'must name draft-04, draft-06, draft-07, 2019-09 or 2020-12' }]);
  }
  return { raw, doc: { name, draft, root: effectiveDocument(raw, draft) } };
}

/**
 * Subschemas a schema and its references may hold together. Ajv compiles code for each (about a
 * millisecond apiece on a small machine), so this bounds how long one registration holds the event loop.
 */
export const MAX_SUBSCHEMAS = 1000;

function subschemaCount(doc: SchemaDocument): number {
  let n = 0;
  walkSchema(doc.root, () => { n++; });
  return n;
}

export function parseJsonSchema(text: string, references: ResolvedReference[] = []) {
  const { raw, doc: main } = loadDocument(text, '', '');
  const refs = references.map((r, i) => loadDocument(r.schema, r.name, `$.references[${i}]`).doc);
  const size = [main, ...refs].reduce((sum, d) => sum + subschemaCount(d), 0);
  if (size > MAX_SUBSCHEMAS) {
    throw errors.invalidSchema(`the schema and its references hold ${size} subschemas; dagpact accepts at most ${MAX_SUBSCHEMAS}: split it into referenced schemas or simplify large anyOf/oneOf lists`,
      [{ path: '$', message: `holds ${size} subschemas (at most ${MAX_SUBSCHEMAS})` }]);
  }
  const problems = [main, ...refs].flatMap((d, i) =>
    patternProblems(d.root).map((p) => (i === 0 ? p : { ...p, path: `$.references[${i - 1}]${p.path.slice(1)}` })));
  if (problems.length > 0) throw errors.invalidSchema('the schema has invalid regular expressions', problems);

  const canonical = canonicalJson(raw);
  const fingerprint = fingerprintOf(canonical);
  const cacheKey = fingerprintOf(`${fingerprint}\n${canonicalJson(references.map((r) => [r.name, r.schema]))}`);
  let validate = validatorCache.get(cacheKey);
  if (!validate) {
    validate = compile(main, refs);
    validatorCache.set(cacheKey, validate, 10 * stringBytes(canonical));
  }
  const native: JsonSchemaNative = { main, references: refs, validate };
  return { format: 'JSON' as const, canonical, fingerprint, native, source: { format: 'JSON' as const, text, references } };
}

function compile(main: SchemaDocument, refs: SchemaDocument[]): ValidateFunction {
  const ajv = makeAjv(main.draft);
  const metaProblems = ajv.validateSchema(main.root as object) ? [] : metaSchemaProblems(ajv.errors);
  if (metaProblems.length > 0) {
    const problems = metaProblems;
    throw errors.invalidSchema(`the schema is not valid JSON Schema: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
  }
  refs.forEach((r, i) => {
    try {
      const problems = ajv.validateSchema(r.root as object) ? [] : metaSchemaProblems(ajv.errors, `$.references[${i}]`);
      if (problems.length > 0) {
        throw errors.invalidSchema(`reference "${r.name}" is not valid JSON Schema`, problems);
      }
      ajv.addSchema(ajvDocument(r.root) as object, r.name);
    } catch (e) {
      if (e instanceof DagpactError) throw e;
      throw errors.invalidSchema(`reference "${r.name}" cannot be used: ${(e as Error).message}`,
        [{ path: `$.references[${i}]`, message: (e as Error).message }]);
    }
  });
  try {
    return ajv.compile(ajvDocument(main.root) as object);
  } catch (e) {
    const err = e as Error & { missingRef?: string };
    if (err.missingRef !== undefined || /can't resolve reference/.test(err.message)) {
      const ref = err.missingRef ?? /reference (\S+)/.exec(err.message)?.[1];
      const path = refLocation(main.root, ref);
      throw errors.invalidSchema(`the schema refers to "${ref}", which cannot be resolved; define it locally or pass it as a reference`,
        [{ path, message: `cannot resolve $ref "${ref}"` }]);
    }
    throw errors.invalidSchema(`the schema cannot be compiled: ${err.message}`, [{ path: '$', message: err.message }]);
  }
}
