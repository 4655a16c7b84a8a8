// Array keywords: items as a list or a tuple (`items` array + `additionalItems` before 2020-12,
// `prefixItems` + `items` from 2020-12), `unevaluatedItems`, item counts, `uniqueItems` and `contains`.
// Positions are compared one by one up to the longest tuple, then the rest.
import type { CompatibilityIssue } from '../../types.js';
import { childPath } from '../json-path.js';
import type { DiffContext } from './context.js';
import { child, type SchemaObject, type SNode } from './documents.js';
import { issue, subject } from './issue.js';
import { countBounds } from './scalar.js';
import { collect, numbers, type WriterView } from './writer-view.js';

interface Layout { prefix: Array<{ schema: unknown; segs: Array<string | number> }>; rest?: { schema: unknown; segs: string[] } }

function layout(node: SNode): Layout {
  const s = node.schema as SchemaObject;
  const modern = node.doc.draft === '2020-12';
  const tuple = modern ? s.prefixItems : s.items;
  const tupleKw = modern ? 'prefixItems' : 'items';
  if (Array.isArray(tuple)) {
    const restKw = modern ? 'items' : 'additionalItems';
    const restSchema = s[restKw] !== undefined && !Array.isArray(s[restKw]) ? s[restKw] : undefined;
    const restOut = restSchema !== undefined ? { schema: restSchema, segs: [restKw] }
      : s.unevaluatedItems !== undefined ? { schema: s.unevaluatedItems, segs: ['unevaluatedItems'] } : undefined;
    return { prefix: tuple.map((schema, i) => ({ schema, segs: [tupleKw, i] })), rest: restOut };
  }
  if (s.items !== undefined && !Array.isArray(s.items)) return { prefix: [], rest: { schema: s.items, segs: ['items'] } };
  if (s.unevaluatedItems !== undefined) return { prefix: [], rest: { schema: s.unevaluatedItems, segs: ['unevaluatedItems'] } };
  return { prefix: [] };
}

function at(node: SNode, l: Layout, i: number): SNode | undefined {
  const p = l.prefix[i];
  if (p) return child(node, p.schema, ...p.segs);
  return l.rest ? child(node, l.rest.schema, ...l.rest.segs) : undefined;
}

export function arrayIssues(r: SNode, w: WriterView, ctx: DiffContext): CompatibilityIssue[] {
  if (!w.kinds.has('array')) return [];
  const rs = r.schema as SchemaObject;
  const out: CompatibilityIssue[] = [];
  const rl = layout(r);
  const wl = w.conjuncts.map((c) => ({ node: c, l: layout(c) }));
  const writerMaxes = numbers(w, 'maxItems');
  let writerMax = writerMaxes.length ? Math.min(...writerMaxes) : Infinity;
  const longest = Math.max(rl.prefix.length, ...wl.map((x) => x.l.prefix.length));
  for (let i = 0; i <= longest; i++) {
    if (i >= writerMax) break;
    const writerItems = wl.flatMap((x) => { const n = at(x.node, x.l, i); return n ? [n] : []; });
    if (writerItems.some((n) => n.schema === false)) {
      writerMax = Math.min(writerMax, i);
      break;
    }
    const readerItem = at(r, rl, i);
    if (!readerItem) continue;
    const position = i < longest ? `item ${i}` : `items from position ${i} on`;
    if (readerItem.schema === false) {
      out.push(issue(readerItem.path, i < longest ? 'ITEMS_REMOVED_FROM_CLOSED_TUPLE' : 'ADDITIONAL_ITEMS_CLOSED',
        `${subject(r.path)}: the writer may produce arrays with ${position}, but the reader's tuple is closed there; ` +
        'declare those items in the reader or allow additional items'));
      continue;
    }
    out.push(...ctx.compare(readerItem, writerItems));
  }
  out.push(...countBounds(r, w, 'minItems', 'maxItems', 'ITEMS', 'items', writerMax === Infinity ? undefined : writerMax));
  if (rs.uniqueItems === true && !collect(w, 'uniqueItems').some((e) => e.value === true) && writerMax > 1) {
    out.push(issue(childPath(r.path, 'uniqueItems'), 'UNIQUE_ITEMS_ADDED',
      `${subject(r.path)}: the reader requires unique items but the writer allows duplicates; drop uniqueItems from the reader or add it to the writer`));
  }
  if (rs.contains !== undefined && rs.contains !== true) {
    const reader = child(r, rs.contains, 'contains');
    const covered = collect(w, 'contains').some((e) => ctx.compare(reader, [child(e.node, e.value, 'contains')]).length === 0);
    if (!covered) {
      out.push(issue(reader.path, collect(w, 'contains').length ? 'CONTAINS_NARROWED' : 'CONTAINS_ADDED',
        `${subject(r.path)}: the reader requires an item matching its "contains" schema, which the writer does not guarantee; ` +
        'relax the reader\'s contains or add a matching contains to the writer'));
    }
    const minC = typeof rs.minContains === 'number' ? rs.minContains : 1;
    const haveMin = Math.max(1, ...numbers(w, 'minContains'));
    if (minC > haveMin) {
      out.push(issue(childPath(r.path, 'minContains'), 'MIN_CONTAINS_INCREASED',
        `${subject(r.path)}: the reader requires at least ${minC} matching items but the writer guarantees ${haveMin}; lower minContains`));
    }
    if (typeof rs.maxContains === 'number') {
      const haveMax = numbers(w, 'maxContains');
      if (!haveMax.length || Math.min(...haveMax) > rs.maxContains) {
        out.push(issue(childPath(r.path, 'maxContains'), haveMax.length ? 'MAX_CONTAINS_DECREASED' : 'MAX_CONTAINS_ADDED',
          `${subject(r.path)}: the reader allows at most ${rs.maxContains} matching items but the writer allows more; raise maxContains`));
      }
    }
  }
  return out;
}
