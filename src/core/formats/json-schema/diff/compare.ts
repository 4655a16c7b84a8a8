// The comparison driver: "does the reader accept every value the writer accepts?", decided
// structurally. It resolves `$ref`s (cycles are assumed compatible, the usual co-inductive reading
// of recursive schemas), splits writer disjunctions into cases, handles the reader's combinators and
// conditionals, and hands plain keywords to the families in scalar/object/array.
import type { CompatibilityIssue } from '../../types.js';
import type { WorkBudget } from '../../work-budget.js';
import { canonicalJson } from '../canonical.js';
import { childPath } from '../json-path.js';
import { arrayIssues } from './array.js';
import type { DiffContext } from './context.js';
import { child, containsRef, isObject, resolveRef, without, type SchemaObject, type SNode } from './documents.js';
import { dedupe, issue, subject } from './issue.js';
import { objectIssues } from './object.js';
import { enumIssues, numberIssues, stringIssues, typeIssues } from './scalar.js';
import { kindOfValue, kindsOfType, sameValue, valueSet, viewWriter, type WriterView } from './writer-view.js';

const MAX_DEPTH = 96;
const MAX_CASES = 512;

interface State { active: Set<string>; depth: number; cases: number }

function sameMeaning(r: SNode, w: SNode): boolean {
  if (canonicalJson(r.schema) !== canonicalJson(w.schema)) return false;
  // Identical text with `$ref`s means the same only when the documents behind them are identical.
  return !containsRef(r.schema) || (r.path === w.path && r.docs.fingerprint === w.docs.fingerprint);
}

/** Work units of one subschema comparison: far dearer than an Avro node pair (canonical text, views). */
const COMPARE_COST = 500;

const branchKeyCache = new WeakMap<unknown[], string[]>();
const branchIndexCache = new WeakMap<unknown[], Map<string, number>>();

function branchKeys(list: unknown[]): string[] {
  let keys = branchKeyCache.get(list);
  if (!keys) branchKeyCache.set(list, (keys = list.map((b) => canonicalJson(b)).sort()));
  return keys;
}

/** A combinator's branches by canonical text, so an identical writer branch is found without trying each. */
function branchIndex(list: unknown[]): Map<string, number> {
  let index = branchIndexCache.get(list);
  if (!index) {
    index = new Map();
    list.forEach((b, i) => { const k = canonicalJson(b); if (!index!.has(k)) index!.set(k, i); });
    branchIndexCache.set(list, index);
  }
  return index;
}

/** Whether no value can satisfy both `reader` and the writer view (used for oneOf and not). */
function disjoint(reader: SNode, w: WriterView): boolean {
  if (reader.schema === false) return true;
  if (!isObject(reader.schema)) return false;
  const kinds = kindsOfType(reader.schema.type);
  if (kinds && ![...w.kinds].some((k) => kinds.has(k))) return true;
  const values = valueSet(reader.schema);
  if (values && w.values && !values.some((v) => w.values!.some((x) => sameValue(v, x)))) return true;
  if (values && !values.some((v) => w.kinds.has(kindOfValue(v)))) return true;
  return false;
}


export function makeComparer(budget: WorkBudget): DiffContext {
  const state: State = { active: new Set(), depth: 0, cases: 0 };
  const ctx: DiffContext = { compare: (r, ws) => dedupe(guarded(r, ws)) };

  function guarded(r: SNode, ws: SNode[]): CompatibilityIssue[] {
    if (r.schema === true || (isObject(r.schema) && Object.keys(r.schema).length === 0)) return [];
    budget.spend(COMPARE_COST * (1 + ws.length), 'JSON Schema subschemas compared');
    const key = `${r.key}|${ws.map((w) => w.key).sort().join(',')}`;
    if (state.active.has(key)) return [];
    if (state.depth >= MAX_DEPTH || state.cases >= MAX_CASES) {
      return [issue(r.path, 'UNDECIDABLE_TOO_COMPLEX', `${subject(r.path)}: the schemas nest or branch too deeply to compare ` +
        `(more than ${MAX_DEPTH} levels or ${MAX_CASES} cases); dagpact treats this as incompatible, simplify the schemas`)];
    }
    state.active.add(key);
    state.depth++;
    try {
      return compareNodes(r, ws);
    } finally {
      state.depth--;
      state.active.delete(key);
    }
  }

  function compareNodes(r: SNode, ws: SNode[]): CompatibilityIssue[] {
    if (ws.length === 1 && sameMeaning(r, ws[0]!)) return [];
    const view = viewWriter(ws);
    if (view.empty) return [];
    if (r.schema === false) {
      return [issue(r.path, 'READER_REJECTS_ALL', `${subject(r.path)}: the reader accepts nothing here (schema false) but the writer may produce a value; ` +
        'allow the value in the reader or forbid it in the writer')];
    }
    if (!isObject(r.schema)) return [];
    const rs = r.schema;

    if (typeof rs.$ref === 'string') {
      const target = resolveRef(r, rs.$ref);
      if (!target) {
        return [issue(childPath(r.path, '$ref'), 'UNRESOLVED_REF', `${subject(r.path)}: the reader's $ref "${rs.$ref}" cannot be resolved, ` +
          'so nothing can be proven about it; pass the referenced schema as a reference')];
      }
      const out = guarded(target, view.conjuncts);
      if (r.doc.draft !== '2019-09' && r.doc.draft !== '2020-12') return out;
      return [...out, ...guarded(without(r, '$ref'), view.conjuncts)];
    }

    const dynamic = typeof rs.$recursiveRef === 'string' ? '$recursiveRef' : typeof rs.$dynamicRef === 'string' ? '$dynamicRef' : undefined;
    if (dynamic) {
      // Dynamic references resolve by evaluation path; structure alone does not say what they mean.
      return [issue(childPath(r.path, dynamic), 'UNDECIDABLE_DYNAMIC_REF', `${subject(r.path)}: the reader uses ${dynamic}, whose target depends ` +
        'on the evaluation path; dagpact cannot compare it structurally, so use a plain $ref or keep this part identical')];
    }

    // Equal oneOf lists on both sides mean the same thing whatever the branches are.
    let reader = r;
    let conjuncts = view.conjuncts;
    if (Array.isArray(rs.oneOf)) {
      const want = branchKeys(rs.oneOf).join('\n');
      const twin = conjuncts.find((c) => Array.isArray((c.schema as SchemaObject).oneOf) &&
        branchKeys((c.schema as SchemaObject).oneOf as unknown[]).join('\n') === want &&
        (!containsRef(rs.oneOf) || c.docs.fingerprint === r.docs.fingerprint));
      if (twin) {
        reader = without(r, 'oneOf');
        conjuncts = conjuncts.map((c) => (c === twin ? without(c, 'oneOf') : c));
      }
    }

    // A writer disjunction is handled case by case (oneOf is read as anyOf: a superset, so safe).
    for (const c of conjuncts) {
      const cs = c.schema as SchemaObject;
      const keyword = Array.isArray(cs.anyOf) ? 'anyOf' : Array.isArray(cs.oneOf) ? 'oneOf' : undefined;
      if (!keyword) continue;
      const rest = conjuncts.map((x) => (x === c ? without(c, keyword) : x));
      const out: CompatibilityIssue[] = [];
      (cs[keyword] as unknown[]).forEach((branch, i) => {
        state.cases++;
        out.push(...guarded(reader, [...rest, child(c, branch, keyword, i)]));
      });
      return out;
    }
    return keywordIssues(reader, viewWriter(conjuncts));
  }

  function keywordIssues(r: SNode, w: WriterView): CompatibilityIssue[] {
    const rs = r.schema as SchemaObject;
    const out: CompatibilityIssue[] = [
      ...typeIssues(r, w),
      ...enumIssues(r, w),
      ...stringIssues(r, w),
      ...numberIssues(r, w),
      ...objectIssues(r, w, ctx),
      ...arrayIssues(r, w, ctx),
    ];
    if (Array.isArray(rs.allOf)) rs.allOf.forEach((b, i) => out.push(...guarded(child(r, b, 'allOf', i), w.conjuncts)));
    if (Array.isArray(rs.anyOf)) out.push(...anyOfIssues(r, rs.anyOf, w));
    if (Array.isArray(rs.oneOf)) out.push(...oneOfIssues(r, rs.oneOf, w));
    if (rs.not !== undefined) out.push(...notIssues(r, w));
    if (rs.if !== undefined && (rs.then !== undefined || rs.else !== undefined)) out.push(...conditionalIssues(r, w));
    return out;
  }

  /** An identical branch accepts the writer's values whatever else the reader offers. */
  function identicalBranch(r: SNode, branches: unknown[], keyword: string, w: WriterView): boolean {
    const real = w.conjuncts.filter((c) => !(c.schema === true || (isObject(c.schema) && Object.keys(c.schema).length === 0)));
    if (real.length !== 1) return false;
    const only = real[0]!;
    const at = branchIndex(branches).get(canonicalJson(only.schema));
    return at !== undefined && sameMeaning(child(r, branches[at], keyword, at), only);
  }

  function anyOfIssues(r: SNode, branches: unknown[], w: WriterView): CompatibilityIssue[] {
    if (identicalBranch(r, branches, 'anyOf', w)) return [];
    const results: CompatibilityIssue[][] = [];
    for (let i = 0; i < branches.length; i++) {
      const found = guarded(child(r, branches[i], 'anyOf', i), w.conjuncts);
      if (found.length === 0) return [];
      results.push(found);
    }
    const reasons = results.map((x, i) => `branch ${i}: ${x[0]?.message ?? 'incompatible'}`).join(' | ');
    return [issue(childPath(r.path, 'anyOf'), 'ANY_OF_NOT_SATISFIED',
      `${subject(r.path)}: no branch of the reader's anyOf accepts every value the writer may produce (${reasons}); ` +
      'add or widen a branch in the reader')];
  }

  function oneOfIssues(r: SNode, branches: unknown[], w: WriterView): CompatibilityIssue[] {
    const nodes = branches.map((b, i) => child(r, b, 'oneOf', i));
    const fits = nodes.map((n) => guarded(n, w.conjuncts).length === 0);
    for (let i = 0; i < nodes.length; i++) {
      if (fits[i] && nodes.every((n, k) => k === i || disjoint(n, w))) return [];
    }
    if (fits.some(Boolean)) {
      return [issue(childPath(r.path, 'oneOf'), 'UNDECIDABLE_ONE_OF',
        `${subject(r.path)}: a branch of the reader's oneOf accepts the writer's values, but dagpact cannot prove that no other branch ` +
        'also matches them (oneOf rejects values matching two branches); make the branches exclusive (e.g. by type or const) or use anyOf')];
    }
    return [issue(childPath(r.path, 'oneOf'), 'ONE_OF_NOT_SATISFIED',
      `${subject(r.path)}: no branch of the reader's oneOf accepts every value the writer may produce; add or widen a branch in the reader`)];
  }

  function notIssues(r: SNode, w: WriterView): CompatibilityIssue[] {
    const rs = r.schema as SchemaObject;
    const banned = child(r, rs.not, 'not');
    if (disjoint(banned, w)) return [];
    // writer ⊆ not(B) when the writer itself excludes a superset of B.
    for (const c of w.conjuncts) {
      const cs = c.schema as SchemaObject;
      if (cs.not !== undefined && guarded(child(c, cs.not, 'not'), [banned]).length === 0) return [];
    }
    return [issue(childPath(r.path, 'not'), 'UNDECIDABLE_NOT',
      `${subject(r.path)}: the reader excludes values matching its "not" schema and dagpact cannot prove the writer never produces them ` +
      '(the writer would need an equal or wider "not"); align the "not" schemas')];
  }

  function conditionalIssues(r: SNode, w: WriterView): CompatibilityIssue[] {
    const rs = r.schema as SchemaObject;
    const ifNode = child(r, rs.if, 'if');
    const twin = w.conjuncts.find((c) => (c.schema as SchemaObject).if !== undefined && sameMeaning(ifNode, child(c, (c.schema as SchemaObject).if, 'if')));
    const out: CompatibilityIssue[] = [];
    for (const branch of ['then', 'else'] as const) {
      if (rs[branch] === undefined) continue;
      const extra = twin && (twin.schema as SchemaObject)[branch] !== undefined ? [child(twin, (twin.schema as SchemaObject)[branch], branch)] : [];
      const found = guarded(child(r, rs[branch], branch), [...w.conjuncts, ...extra]);
      if (found.length === 0) continue;
      if (twin) {
        out.push(...found);
      } else {
        out.push(issue(childPath(r.path, branch), 'UNDECIDABLE_CONDITIONAL',
          `${subject(r.path)}: the reader's if/${branch} may apply to values the writer produces, and the writer has no identical "if" to pair it with; ` +
          `dagpact cannot decide which values take the ${branch} branch, so keep the "if" schemas identical (first difference: ${found[0]!.message})`));
      }
    }
    return out;
  }

  return ctx;
}
