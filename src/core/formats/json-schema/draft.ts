// Which JSON Schema draft a document uses, the Ajv instance for that draft, and the rewriting
// that lets draft-04 documents (boolean exclusiveMinimum/Maximum, `id`) run on the draft-07 engine.
import AjvModule from 'ajv';
import Ajv2019Module from 'ajv/dist/2019.js';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Ajv as AjvInstance } from 'ajv';
import { ajvRegExpEngine } from './safe-regex.js';

export type Draft = '04' | '06' | '07' | '2019-09' | '2020-12';

// ajv and ajv-formats are CommonJS; under NodeNext their default export may arrive wrapped.
type Ctor = new (opts: object) => AjvInstance;
const unwrap = <T>(m: unknown): T => ((m as { default?: T }).default ?? m) as T;
const AjvDraft7 = unwrap<Ctor>(AjvModule);
const Ajv2019 = unwrap<Ctor>(Ajv2019Module);
const Ajv2020 = unwrap<Ctor>(Ajv2020Module);
const addFormats = unwrap<(ajv: AjvInstance) => AjvInstance>(addFormatsModule);

const DRAFT_07_URI = 'http://json-schema.org/draft-07/schema#';

/** The draft named by `$schema`; draft-07 when absent; undefined when it names something unknown. */
export function detectDraft(schema: unknown): Draft | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return '07';
  const uri = (schema as Record<string, unknown>).$schema;
  if (uri === undefined) return '07';
  if (typeof uri !== 'string') return undefined;
  if (/draft-04\/schema/.test(uri)) return '04';
  if (/draft-06\/schema/.test(uri)) return '06';
  if (/draft-07\/schema/.test(uri)) return '07';
  if (/draft\/2019-09\/schema/.test(uri)) return '2019-09';
  if (/draft\/2020-12\/schema/.test(uri)) return '2020-12';
  return undefined;
}

export function makeAjv(draft: Draft): AjvInstance {
  // The meta-schema check runs separately (parse.ts) so its findings can be filtered and located.
  // User patterns run on RE2 (linear time), never on V8's backtracking RegExp (docs/adr/0013).
  const options = { strict: false, allErrors: true, logger: false, validateFormats: true, validateSchema: false, code: { regExp: ajvRegExpEngine } };
  const ajv = draft === '2019-09' ? new Ajv2019(options) : draft === '2020-12' ? new Ajv2020(options) : new AjvDraft7(options);
  addFormats(ajv);
  // Ajv refuses the draft-04 `id` keyword outright; in later drafts it is merely unknown, so ignore it.
  ajv.removeKeyword('id');
  return ajv;
}

const SINGLE = ['additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else',
  'unevaluatedProperties', 'unevaluatedItems', 'contentSchema', 'items'] as const;
const LIST = ['allOf', 'anyOf', 'oneOf', 'items', 'prefixItems'] as const;
const MAP = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies', 'dependentSchemas'] as const;

/** Calls `visit` for every subschema position (the root first), with its path segments. */
export function walkSchema(schema: unknown, visit: (node: unknown, segments: Array<string | number>) => void,
  segments: Array<string | number> = []): void {
  visit(schema, segments);
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const s = schema as Record<string, unknown>;
  for (const k of SINGLE) {
    const v = s[k];
    if (v !== undefined && (typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v)))) walkSchema(v, visit, [...segments, k]);
  }
  for (const k of LIST) {
    const v = s[k];
    if (Array.isArray(v)) v.forEach((item, i) => walkSchema(item, visit, [...segments, k, i]));
  }
  for (const k of MAP) {
    const v = s[k];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    for (const [name, child] of Object.entries(v as Record<string, unknown>)) {
      // `dependencies` mixes schemas with arrays of property names; only the schemas are subschemas.
      if (Array.isArray(child)) continue;
      walkSchema(child, visit, [...segments, k, name]);
    }
  }
}

/**
 * A draft-04 document rewritten into its draft-07 meaning: boolean exclusive bounds become numeric
 * ones and `id` becomes `$id`. Returns a new value; the input is not changed.
 */
export function upgradeDraft04(schema: unknown): unknown {
  const copy = structuredClone(schema);
  walkSchema(copy, (node) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const s = node as Record<string, unknown>;
    for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      if (s[flag] === true && typeof s[bound] === 'number') {
        s[flag] = s[bound];
        delete s[bound];
      } else if (typeof s[flag] === 'boolean') {
        delete s[flag];
      }
    }
    if (typeof s.id === 'string' && s.$id === undefined) {
      s.$id = s.id;
      delete s.id;
    }
  });
  if (copy !== null && typeof copy === 'object' && !Array.isArray(copy)) (copy as Record<string, unknown>).$schema = DRAFT_07_URI;
  return copy;
}

/** The document as the validator and the diff see it (draft-04 and -06 run as draft-07). */
export function effectiveDocument(schema: unknown, draft: Draft): unknown {
  if (draft === '04') return upgradeDraft04(schema);
  if (draft === '06' && schema !== null && typeof schema === 'object' && !Array.isArray(schema)) {
    return { ...(schema as object), $schema: DRAFT_07_URI };
  }
  return schema;
}

/** The document as handed to Ajv, which refuses `enum: []`: an empty enum becomes "accept nothing". */
export function ajvDocument(doc: unknown): unknown {
  let hasEmptyEnum = false;
  walkSchema(doc, (n) => { if (n !== null && typeof n === 'object' && Array.isArray((n as Record<string, unknown>).enum) && ((n as Record<string, unknown>).enum as unknown[]).length === 0) hasEmptyEnum = true; });
  if (!hasEmptyEnum) return doc;
  const copy = structuredClone(doc);
  walkSchema(copy, (n) => {
    if (n === null || typeof n !== 'object') return;
    const s = n as Record<string, unknown>;
    if (!Array.isArray(s.enum) || s.enum.length > 0) return;
    delete s.enum;
    s.allOf = [...(Array.isArray(s.allOf) ? s.allOf : []), false];
  });
  return copy;
}
