// Object keywords under open, closed and partially open content models: properties,
// patternProperties, additionalProperties, unevaluatedProperties, required, property counts,
// propertyNames and dependencies. For each property name the writer may produce, the reader's
// schemas for that name must accept the writer's schemas for it.
import type { CompatibilityIssue } from '../../types.js';
import { childPath } from '../json-path.js';
import type { DiffContext } from './context.js';
import { child, isObject, synthetic, type SchemaObject, type SNode } from './documents.js';
import { issue, subject } from './issue.js';
import { countBounds } from './scalar.js';
import { collect, type WriterView } from './writer-view.js';
import { safeTest } from '../safe-regex.js';

type Origin = 'properties' | 'patternProperties' | 'additionalProperties' | 'unevaluatedProperties';
interface Applied { node: SNode; origin: Origin }

function props(s: SchemaObject): SchemaObject { return isObject(s.properties) ? s.properties : {}; }
function patterns(s: SchemaObject): SchemaObject { return isObject(s.patternProperties) ? s.patternProperties : {}; }

function matches(pattern: string, name: string): boolean | undefined {
  return safeTest(pattern, name);
}

/** The literal prefix of a `^literal...` pattern, if it has one. */
function anchoredPrefix(pattern: string): string | undefined {
  const m = /^\^((?:[A-Za-z0-9_\-:@ ]|\\[.$^*+?()[\]{}|/\\-])*)/.exec(pattern);
  if (!m) return undefined;
  const prefix = m[1]!.replace(/\\(.)/g, '$1');
  // A quantifier after the literal part would make its last character optional.
  const next = pattern.slice(m[0].length, m[0].length + 1);
  return ['*', '?', '{'].includes(next) ? prefix.slice(0, -1) : prefix;
}

/** True only when no name can match both patterns (different anchored literal prefixes). */
export function disjointPatterns(a: string, b: string): boolean {
  const pa = anchoredPrefix(a);
  const pb = anchoredPrefix(b);
  if (pa === undefined || pb === undefined) return false;
  const n = Math.min(pa.length, pb.length);
  return pa.slice(0, n) !== pb.slice(0, n);
}

/** The schemas one object schema applies to property `name`. */
function appliedTo(node: SNode, name: string, overestimate: boolean): Applied[] {
  const s = node.schema as SchemaObject;
  const out: Applied[] = [];
  if (name in props(s)) out.push({ node: child(node, props(s)[name], 'properties', name), origin: 'properties' });
  for (const [p, sub] of Object.entries(patterns(s))) {
    const m = matches(p, name);
    // An unusable pattern: the writer side assumes it does not apply (a larger writer), the reader that it does.
    if (m === true || (m === undefined && !overestimate)) out.push({ node: child(node, sub, 'patternProperties', p), origin: 'patternProperties' });
  }
  if (out.length === 0) {
    if (s.additionalProperties !== undefined) out.push({ node: child(node, s.additionalProperties, 'additionalProperties'), origin: 'additionalProperties' });
    else if (s.unevaluatedProperties !== undefined) out.push({ node: child(node, s.unevaluatedProperties, 'unevaluatedProperties'), origin: 'unevaluatedProperties' });
  }
  return out;
}

function rest(s: SchemaObject): { schema: unknown; origin: Origin } | undefined {
  if (s.additionalProperties !== undefined) return { schema: s.additionalProperties, origin: 'additionalProperties' };
  if (s.unevaluatedProperties !== undefined) return { schema: s.unevaluatedProperties, origin: 'unevaluatedProperties' };
  return undefined;
}

function closedMessage(r: SNode, origin: Origin, what: string): string {
  return `${subject(r.path)}: ${what}, but the reader's ${origin === 'properties' || origin === 'patternProperties' ? `"${origin}" forbids it (schema false)` : `closed content model (${origin}: false) rejects it`}; ` +
    'declare it in the reader\'s properties or open the reader\'s content model';
}

function propertyIssues(r: SNode, w: WriterView, ctx: DiffContext): CompatibilityIssue[] {
  const rs = r.schema as SchemaObject;
  const out: CompatibilityIssue[] = [];
  const names = new Set<string>(Object.keys(props(rs)));
  for (const c of w.conjuncts) for (const k of Object.keys(props(c.schema as SchemaObject))) names.add(k);

  for (const name of names) {
    const writerSide = w.conjuncts.flatMap((c) => appliedTo(c, name, true));
    if (writerSide.some((a) => a.node.schema === false)) continue;
    const declaredByWriter = writerSide.some((a) => a.origin === 'properties');
    for (const a of appliedTo(r, name, false)) {
      if (a.node.schema === false) {
        const rule = a.origin === 'properties' ? 'PROPERTY_FORBIDDEN' : 'PROPERTY_REMOVED_FROM_CLOSED_MODEL';
        out.push(issue(a.node.path, rule, closedMessage(r, a.origin, `the writer may produce property "${name}"${declaredByWriter ? '' : ' through its open content model'}`)));
        continue;
      }
      const sub = ctx.compare(a.node, writerSide.map((x) => x.node));
      if (sub.length > 0 && !declaredByWriter && a.origin === 'properties') {
        out.push(issue(a.node.path, 'PROPERTY_ADDED_CONFLICTS_WITH_OPEN_MODEL',
          `property "${name}" is declared by the reader but not by the writer, whose open content model may produce it with any value; ` +
          'declare the property with a compatible schema in the writer, close the writer\'s model, or loosen the reader'));
      }
      out.push(...sub);
    }
  }

  // Names declared nowhere: classes of names by writer pattern, and the writer's remaining names.
  const writerPatterns = new Map<string, SNode[]>();
  for (const c of w.conjuncts) {
    for (const [p, sub] of Object.entries(patterns(c.schema as SchemaObject))) {
      writerPatterns.set(p, [...(writerPatterns.get(p) ?? []), child(c, sub, 'patternProperties', p)]);
    }
  }
  const readerRest = rest(rs);
  const readerPatterns = Object.entries(patterns(rs));
  const checkClass = (label: string, writerNodes: SNode[], applies: Array<{ node: SNode; origin: Origin }>) => {
    if (writerNodes.some((n) => n.schema === false)) return;
    for (const a of applies) {
      if (a.node.schema === false) {
        out.push(issue(a.node.path, 'CONTENT_MODEL_CLOSED', closedMessage(r, a.origin, `the writer allows ${label}`)));
        continue;
      }
      out.push(...ctx.compare(a.node, writerNodes));
    }
  };
  for (const [p, nodes] of writerPatterns) {
    const applies: Array<{ node: SNode; origin: Origin }> = readerPatterns
      .filter(([q]) => q === p || !disjointPatterns(p, q))
      .map(([q, sub]) => ({ node: child(r, sub, 'patternProperties', q), origin: 'patternProperties' as const }));
    if (readerRest && !readerPatterns.some(([q]) => q === p)) {
      applies.push({ node: child(r, readerRest.schema, readerRest.origin), origin: readerRest.origin });
    }
    checkClass(`properties matching "${p}"`, nodes, applies);
  }
  const writerRest = w.conjuncts.flatMap((c) => {
    const x = rest(c.schema as SchemaObject);
    return x ? [child(c, x.schema, x.origin)] : [];
  });
  const applies: Array<{ node: SNode; origin: Origin }> = readerPatterns
    .filter(([q]) => !writerPatterns.has(q))
    .map(([q, sub]) => ({ node: child(r, sub, 'patternProperties', q), origin: 'patternProperties' as const }));
  if (readerRest) applies.push({ node: child(r, readerRest.schema, readerRest.origin), origin: readerRest.origin });
  checkClass('additional properties (its content model is open)', writerRest, applies);
  return out;
}

/** Whether the writer can never produce property `name`. */
function writerOmits(w: WriterView, name: string): boolean {
  return w.conjuncts.some((c) => appliedTo(c, name, true).some((a) => a.node.schema === false));
}

function dependencyIssues(r: SNode, w: WriterView, ctx: DiffContext): CompatibilityIssue[] {
  const rs = r.schema as SchemaObject;
  const out: CompatibilityIssue[] = [];
  const required = new Set(collect<unknown>(w, 'required').flatMap((e) => (Array.isArray(e.value) ? e.value : [])));
  const writerDeps = (name: string) => [...collect<SchemaObject>(w, 'dependencies'), ...collect<SchemaObject>(w, 'dependentRequired'), ...collect<SchemaObject>(w, 'dependentSchemas')]
    .filter((e) => isObject(e.value) && e.value[name] !== undefined)
    .map((e) => ({ value: e.value[name], node: e.node }));
  for (const keyword of ['dependencies', 'dependentRequired', 'dependentSchemas']) {
    const deps = rs[keyword];
    if (!isObject(deps)) continue;
    for (const [name, dep] of Object.entries(deps)) {
      if (writerOmits(w, name)) continue;
      const path = childPath(r.path, keyword, name);
      const theirs = writerDeps(name);
      if (Array.isArray(dep)) {
        const guaranteed = new Set([...required, ...theirs.flatMap((t) => (Array.isArray(t.value) ? t.value : []))]);
        const missing = dep.filter((d) => !guaranteed.has(d));
        if (missing.length > 0) {
          out.push(issue(path, 'DEPENDENT_REQUIRED_ADDED', `${subject(r.path)}: when "${name}" is present the reader requires ${missing.map((m) => `"${m}"`).join(', ')}, ` +
            'which the writer does not guarantee; drop the dependency from the reader or add it to the writer'));
        }
      } else {
        const writerNodes = [...w.conjuncts, ...theirs.filter((t) => !Array.isArray(t.value)).map((t) => {
          const kw = isObject(t.node.schema) && isObject((t.node.schema as SchemaObject).dependentSchemas) ? 'dependentSchemas' : 'dependencies';
          return child(t.node, t.value, kw, name);
        })];
        out.push(...ctx.compare(child(r, dep, keyword, name), writerNodes));
      }
    }
  }
  return out;
}

export function objectIssues(r: SNode, w: WriterView, ctx: DiffContext): CompatibilityIssue[] {
  if (!w.kinds.has('object')) return [];
  const rs = r.schema as SchemaObject;
  const out: CompatibilityIssue[] = [];
  if (Array.isArray(rs.required)) {
    const have = new Set(collect<unknown>(w, 'required').flatMap((e) => (Array.isArray(e.value) ? e.value : [])));
    for (const name of rs.required) {
      if (typeof name !== 'string' || have.has(name)) continue;
      out.push(issue(childPath(r.path, 'required'), 'REQUIRED_ADDED',
        `${subject(r.path)}: property "${name}" is required by the reader but the writer does not always produce it; ` +
        'make it optional in the reader or required in the writer'));
    }
  }
  out.push(...countBounds(r, w, 'minProperties', 'maxProperties', 'PROPERTIES', 'properties'));
  if (rs.propertyNames !== undefined && rs.propertyNames !== true) {
    const writerNames = collect(w, 'propertyNames').map((e) => child(e.node, e.value, 'propertyNames'));
    out.push(...ctx.compare(child(r, rs.propertyNames, 'propertyNames'), [...writerNames, synthetic(r, { type: 'string' }, 'names')]));
  }
  out.push(...propertyIssues(r, w, ctx));
  out.push(...dependencyIssues(r, w, ctx));
  return out;
}
