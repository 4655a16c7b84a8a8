// What a writer schema can produce, summarised from its conjuncts: `$ref`s and `allOf` flattened,
// the JSON types it allows (integer split from other numbers) and its finite value set, if any.
import { canonicalJson } from '../canonical.js';
import { child, isObject, resolveRef, without, type SNode } from './documents.js';

/** JSON value kinds; "number" is integer ∪ nonint so that integer ⊂ number is set inclusion. */
export type Kind = 'null' | 'boolean' | 'object' | 'array' | 'string' | 'integer' | 'nonint';
export const ALL_KINDS: readonly Kind[] = ['null', 'boolean', 'object', 'array', 'string', 'integer', 'nonint'];

export function kindsOfTypeName(name: unknown): Kind[] {
  switch (name) {
    case 'number': return ['integer', 'nonint'];
    case 'integer': return ['integer'];
    case 'null': case 'boolean': case 'object': case 'array': case 'string': return [name];
    default: return [];
  }
}

/** Kinds allowed by a `type` keyword value, or undefined when there is no usable `type`. */
export function kindsOfType(type: unknown): Set<Kind> | undefined {
  if (typeof type === 'string') return new Set(kindsOfTypeName(type));
  if (Array.isArray(type)) return new Set(type.flatMap(kindsOfTypeName));
  return undefined;
}

export function kindOfValue(v: unknown): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'nonint';
  return typeof v as Kind;
}

export function kindNames(kinds: Iterable<Kind>): string {
  const set = new Set(kinds);
  const names: string[] = [];
  if (set.has('integer') && set.has('nonint')) names.push('number');
  else if (set.has('integer')) names.push('integer');
  else if (set.has('nonint')) names.push('non-integer number');
  for (const k of ['null', 'boolean', 'object', 'array', 'string'] as const) if (set.has(k)) names.push(k);
  return names.join(', ');
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Values named by `enum` and `const` together (their intersection), or undefined. */
export function valueSet(schema: Record<string, unknown>): unknown[] | undefined {
  let values: unknown[] | undefined = Array.isArray(schema.enum) ? [...schema.enum] : undefined;
  if ('const' in schema) values = values ? values.filter((v) => sameValue(v, schema.const)) : [schema.const];
  return values;
}

export interface WriterView {
  /** Object schemas whose constraints all hold for every written value. */
  conjuncts: SNode[];
  /** True when the writer can produce no value at all. */
  empty: boolean;
  kinds: Set<Kind>;
  /** The finite set of values the writer can produce, when it has one. */
  values?: unknown[];
}

const MAX_CONJUNCTS = 256;

/**
 * Flattens `$ref` and `allOf` in the writer. Dropping a constraint only makes the writer larger,
 * so wherever this gives up (unresolvable reference, too many conjuncts) the verdict stays safe.
 */
export function viewWriter(nodes: SNode[]): WriterView {
  const conjuncts: SNode[] = [];
  const seen = new Set<string>();
  const queue = [...nodes];
  let empty = false;
  while (queue.length > 0 && conjuncts.length < MAX_CONJUNCTS) {
    const n = queue.shift()!;
    if (n.schema === false) { empty = true; break; }
    if (!isObject(n.schema)) continue;
    if (seen.has(n.key)) continue;
    seen.add(n.key);
    const s = n.schema;
    let self = n;
    if (typeof s.$ref === 'string') {
      const target = resolveRef(n, s.$ref);
      if (target) queue.push(target);
      // Before 2019-09 a `$ref` replaces its siblings; later drafts apply both.
      if (n.doc.draft !== '2019-09' && n.doc.draft !== '2020-12') continue;
      self = without(n, '$ref');
    }
    if (Array.isArray(s.allOf)) s.allOf.forEach((b, i) => queue.push(child(n, b, 'allOf', i)));
    conjuncts.push(self);
  }
  if (empty) return { conjuncts: [], empty: true, kinds: new Set() };
  let kinds = new Set<Kind>(ALL_KINDS);
  let values: unknown[] | undefined;
  for (const c of conjuncts) {
    const s = c.schema as Record<string, unknown>;
    const k = kindsOfType(s.type);
    if (k) kinds = new Set([...kinds].filter((x) => k.has(x)));
    const v = valueSet(s);
    if (v) values = values ? values.filter((a) => v.some((b) => sameValue(a, b))) : v;
  }
  if (values) {
    values = values.filter((v) => kinds.has(kindOfValue(v)));
    kinds = new Set(values.map(kindOfValue));
  }
  return { conjuncts, empty: kinds.size === 0, kinds, values };
}

/** Every value a keyword takes across the writer's conjuncts, with the node it came from. */
export function collect<T = unknown>(view: WriterView, keyword: string): Array<{ value: T; node: SNode }> {
  const out: Array<{ value: T; node: SNode }> = [];
  for (const c of view.conjuncts) {
    const s = c.schema as Record<string, unknown>;
    if (s[keyword] !== undefined) out.push({ value: s[keyword] as T, node: c });
  }
  return out;
}

export function numbers(view: WriterView, keyword: string): number[] {
  return collect(view, keyword).map((e) => e.value).filter((v): v is number => typeof v === 'number');
}
