// The order of a multi-DAG deploy (ADR 0021). A state of an environment is valid when, on every topic,
// every active consumer's reader schema can read what every active producer writes. Deploying a set
// of DAG versions one at a time passes through states where some are new and others still old; the
// validity of a state is a property of pairs (one reader, one writer), so each pair of the set gives at
// most one constraint: when X new beside Y old is invalid, Y must go first. Old beside old is the
// current state, new beside new is the end state (checked here too). A topological order of these
// constraints keeps every intermediate state valid; a cycle means no order does. Schemas come in
// parsed; comparisons go through `compare` (the registry's compute port: off the event loop in the API server).
import type { CompatibilityIssue, ParsedSchema, SchemaFormat } from '../formats/types.js';
import type { DagVersionRecord } from './types.js';

/** One DAG version with its schemas parsed: readers by consumed topic, writers by produced topic. */
export interface DagSchemas {
  dagVersion: DagVersionRecord;
  reads: Map<string, { format: SchemaFormat; parsed: ParsedSchema }>;
  writes: Map<string, { format: SchemaFormat; parsed: ParsedSchema }>;
}

/** A DAG of the change: its new version, and the version active now in the environment (if any). */
export interface ChangeMember { next: DagSchemas; current?: DagSchemas }

/** Why one pair of versions cannot be active together. */
export interface PairProblem { reader: string; writer: string; topic: string; issue: string }

export interface OrderConstraint {
  /** Deployed first. */
  before: string;
  after: string;
  /** The state that must not happen: `after` new while `before` is still at its old version. */
  because: PairProblem;
}

export type DeployOrder =
  | { ok: true; order: string[]; constraints: OrderConstraint[] }
  | { ok: false; kind: 'cycle'; cycle: OrderConstraint[]; message: string }
  | { ok: false; kind: 'end-state'; problems: PairProblem[]; message: string };

export const labelOf = (v: DagVersionRecord) => `${v.dagId}@${v.version}`;

/** backwardIssues(reader, writer), wherever it runs. */
export type Compare = (reader: ParsedSchema, writer: ParsedSchema) => Promise<CompatibilityIssue[]>;

/** Topics where `reader` cannot read what `writer` writes. */
export async function pairProblems(compare: Compare, reader: DagSchemas, writer: DagSchemas): Promise<PairProblem[]> {
  const problems: PairProblem[] = [];
  for (const [topic, w] of writer.writes) {
    const r = reader.reads.get(topic);
    if (!r || r.format !== w.format) continue;
    const issues: CompatibilityIssue[] = r.parsed.fingerprint === w.parsed.fingerprint ? [] : await compare(r.parsed, w.parsed);
    if (issues.length) {
      const first = issues[0]!;
      problems.push({ reader: labelOf(reader.dagVersion), writer: labelOf(writer.dagVersion), topic, issue: `${first.path}: ${first.message}` });
    }
  }
  return problems;
}

const describe = (p: PairProblem) => `${p.reader} cannot read what ${p.writer} writes on ${p.topic} (${p.issue})`;

/**
 * The order to deploy `members` in, keeping `given` order where no constraint decides; or why none
 * exists: a cycle of constraints, or an end state with a pair that cannot work together.
 */
export async function planDeployOrder(compare: Compare, members: ChangeMember[]): Promise<DeployOrder> {
  const names = members.map((m) => labelOf(m.next.dagVersion));
  const endProblems: PairProblem[] = [];
  const constraints: OrderConstraint[] = [];
  for (const [i, x] of members.entries()) {
    for (const [j, y] of members.entries()) {
      if (i === j) continue;
      if (i < j) endProblems.push(...await pairProblems(compare, x.next, y.next), ...await pairProblems(compare, y.next, x.next));
      // X new while Y is still at its current version: if that pair fails, Y goes first.
      if (!y.current || y.current.dagVersion.id === y.next.dagVersion.id) continue;
      const problems = [...await pairProblems(compare, x.next, y.current), ...await pairProblems(compare, y.current, x.next)];
      if (problems.length) constraints.push({ before: names[j]!, after: names[i]!, because: problems[0]! });
    }
  }
  if (endProblems.length) {
    return {
      ok: false, kind: 'end-state', problems: endProblems,
      message: `these versions cannot be active together, in any order: ${endProblems.map(describe).join('; ')}`,
    };
  }
  // Kahn's algorithm, taking the first ready member in the given order each time.
  const order: string[] = [];
  const left = new Set(names);
  while (left.size) {
    const next = names.find((n) => left.has(n) && !constraints.some((c) => c.after === n && left.has(c.before)));
    if (!next) {
      const cycle = findCycle([...left], constraints);
      return {
        ok: false, kind: 'cycle', cycle,
        message: `no order keeps every intermediate state valid: ${cycle.map((c) => `${c.before} must come before ${c.after} (${describe(c.because)} otherwise)`).join(', and ')}. ` +
          'Split the change: first a version that reads both the old and the new schema, then the rest',
      };
    }
    order.push(next);
    left.delete(next);
  }
  return { ok: true, order, constraints };
}

/** A cycle of constraints among `nodes` (each of which waits for another). */
function findCycle(nodes: string[], constraints: OrderConstraint[]): OrderConstraint[] {
  const inCycle = new Set(nodes);
  const path: OrderConstraint[] = [];
  const seen = new Map<string, number>();
  let at = nodes[0]!;
  for (;;) {
    const edge = constraints.find((c) => c.after === at && inCycle.has(c.before))!;
    seen.set(at, path.length);
    path.push(edge);
    at = edge.before;
    const start = seen.get(at);
    if (start !== undefined) return path.slice(start).reverse();
  }
}
