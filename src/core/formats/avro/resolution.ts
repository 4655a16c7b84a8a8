// Can a reader schema read data written with a writer schema? The Avro specification's resolution
// rules as Apache Avro Java's SchemaCompatibility.checkReaderWriterCompatibility applies them (that is
// what the Pulsar broker runs): same verdicts, same rule names, but every issue is reported, with a
// JSON path into the reader schema and a message for a person. See docs/adr/0003-avro-compatibility.md.
import type { CompatibilityIssue } from '../types.js';
import { makeWorkBudget, type WorkBudget } from '../work-budget.js';
import { namesMatch, PROMOTIONS, typeLabel, writerFieldsFor, type AvroNode, type EnumNode, type FixedNode, type NamedNode, type RecordNode, type UnionNode } from './model.js';

/** Bounds the work and the answer on pathological schemas; a verdict needs only one issue. */
const MAX_ISSUES = 500;
/** Pairs of nested types deeper than this are reported instead of recursed into (no stack overflow). */
const MAX_DEPTH = 1500;

type Issue = CompatibilityIssue;
const IN_PROGRESS: Issue[] = [];

/**
 * A reader union's branches indexed by what can possibly read a writer type: only a branch of the
 * same kind with the same unqualified name (or an alias naming the writer), the same primitive or one
 * it promotes from, or the union's array/map branch can. Looking candidates up instead of trying every
 * branch keeps union-against-union checks linear in the number of branches (docs/adr/0013).
 */
interface UnionIndex {
  primitives: Map<string, AvroNode[]>;
  byKind: Map<string, AvroNode[]>;
  byName: Map<string, AvroNode[]>;
}

const unionIndexes = new WeakMap<UnionNode, UnionIndex>();

function add(map: Map<string, AvroNode[]>, key: string, node: AvroNode): void {
  const list = map.get(key);
  if (list) { if (!list.includes(node)) list.push(node); } else map.set(key, [node]);
}

function indexOf(union: UnionNode): UnionIndex {
  let index = unionIndexes.get(union);
  if (index) return index;
  index = { primitives: new Map(), byKind: new Map(), byName: new Map() };
  for (const b of union.branches) {
    if (b.kind === 'primitive') {
      add(index.primitives, b.type, b);
      for (const from of PROMOTIONS[b.type] ?? []) add(index.primitives, from, b);
    } else if (b.kind === 'array' || b.kind === 'map' || b.kind === 'union') {
      add(index.byKind, b.kind, b);
    } else {
      add(index.byName, `${b.kind}:${b.name}`, b);
      for (const alias of b.aliases) add(index.byName, `${b.kind}:alias:${alias}`, b);
    }
  }
  unionIndexes.set(union, index);
  return index;
}

/** The reader branches that might read `writer`, in union order. */
function candidates(reader: UnionNode, writer: AvroNode): AvroNode[] {
  const index = indexOf(reader);
  let found: AvroNode[];
  switch (writer.kind) {
    case 'primitive': found = index.primitives.get(writer.type) ?? []; break;
    case 'array': case 'map': case 'union': found = index.byKind.get(writer.kind) ?? []; break;
    default: {
      const same = index.byName.get(`${writer.kind}:${writer.name}`) ?? [];
      const aliased = index.byName.get(`${writer.kind}:alias:${writer.fullName}`) ?? [];
      found = aliased.length === 0 ? same : [...new Set([...same, ...aliased])];
    }
  }
  if (found.length < 2) return found;
  const order = new Map(reader.branches.map((b, i) => [b, i]));
  return [...found].sort((a, b) => order.get(a)! - order.get(b)!);
}

/** A union's branches for a message: the first few, then how many more. */
function branchList(branches: AvroNode[]): string {
  const shown = branches.slice(0, 10).map(typeLabel).join(', ');
  return branches.length > 10 ? `${shown}, ... ${branches.length - 10} more` : shown;
}

function push(into: Issue[], from: readonly Issue[], prefix = '', suffix = ''): void {
  for (const i of from) {
    if (into.length >= MAX_ISSUES) return;
    into.push({ path: prefix + i.path, rule: i.rule, message: i.message + suffix });
  }
}

/**
 * Paths in the returned issues are relative to the reader node (`.fields[2].type`); the caller
 * prefixes them. Record pairs are memoized so each pair of named types is walked once per call,
 * which also breaks cycles: a pair met again while it is being checked counts as compatible, as in Java.
 */
class Checker {
  private readonly memo = new Map<RecordNode, Map<RecordNode, Issue[]>>();
  constructor(private readonly dialect: ResolutionDialect, private readonly budget: WorkBudget) {}

  check(reader: AvroNode, writer: AvroNode, where: string, depth: number): Issue[] {
    this.budget.spend(1, 'Avro types compared');
    if (depth > MAX_DEPTH) {
      return [{ path: '', rule: 'TOO_DEEP', message: `${where}: the schemas are nested too deeply to compare; flatten them` }];
    }
    if (writer.kind === 'union') return this.writerUnion(reader, writer.branches, where, depth);
    if (reader.kind === 'union') {
      if (this.dialect === 'pulsar-validator') return this.readerUnionByBestBranch(reader.branches, writer, where, depth);
      // Some reader branch must accept the writer's type (Java takes any compatible branch); only
      // branches of the right kind and name can, so only those are tried.
      for (const branch of candidates(reader, writer)) {
        if (this.check(branch, writer, where, depth + 1).length === 0) return [];
      }
      return [{
        path: '', rule: 'MISSING_UNION_BRANCH',
        message: `${where}: the reader's union [${branchList(reader.branches)}] has no branch that can read the writer's ${typeLabel(writer)}; add a branch of that type (or one it promotes to)`,
      }];
    }
    if (reader.kind === 'primitive' && writer.kind === 'primitive') {
      if (reader.type === writer.type || PROMOTIONS[reader.type]?.includes(writer.type)) return [];
      return [mismatch(reader, writer, where)];
    }
    if (reader.kind !== writer.kind) return [mismatch(reader, writer, where)];
    switch (reader.kind) {
      case 'array': {
        const out: Issue[] = [];
        push(out, this.check(reader.items, (writer as typeof reader).items, `items of ${where}`, depth + 1), '.items');
        return out;
      }
      case 'map': {
        const out: Issue[] = [];
        push(out, this.check(reader.values, (writer as typeof reader).values, `values of ${where}`, depth + 1), '.values');
        return out;
      }
      case 'fixed': return [...this.nameIssues(reader, writer as NamedNode, where), ...fixedIssues(reader, writer as FixedNode, where)];
      case 'enum':
        // The validator leaves unknown enum symbols to fail when such a value is read.
        this.budget.spend(reader.symbols.length + (writer as EnumNode).symbols.length, 'enum symbols compared');
        return [...this.nameIssues(reader, writer as NamedNode, where), ...(this.dialect === 'pulsar-validator' ? [] : enumIssues(reader, writer as EnumNode, where))];
      case 'record': {
        // The validator never compares record names outside union branch selection.
        const out = this.dialect === 'pulsar-validator' ? [] : this.nameIssues(reader, writer as NamedNode, where);
        push(out, this.recordFields(reader, writer as RecordNode, depth));
        return out;
      }
      default: return [mismatch(reader, writer, where)];
    }
  }

  /** Every branch the writer may have written must be readable. */
  private writerUnion(reader: AvroNode, branches: AvroNode[], where: string, depth: number): Issue[] {
    const out: Issue[] = [];
    branches.forEach((branch, i) => {
      if (reader.kind === 'union') {
        if (this.check(reader, branch, where, depth + 1).length > 0) {
          out.push({
            path: '', rule: 'MISSING_UNION_BRANCH',
            message: `${where}: the writer's union branch ${i} (${typeLabel(branch)}) cannot be read by any branch of the reader's union; add a branch of that type or stop writing it`,
          });
        }
      } else {
        push(out, this.check(reader, branch, where, depth + 1), '', ` (for values of the writer's union branch ${i}, ${typeLabel(branch)})`);
      }
    });
    return out.slice(0, MAX_ISSUES);
  }

  /** Avro's Resolver picks one reader branch (name, then record structure, then promotion) and uses only it. */
  private readerUnionByBestBranch(branches: AvroNode[], writer: AvroNode, where: string, depth: number): Issue[] {
    let chosen: AvroNode | undefined;
    let structural: AvroNode | undefined;
    this.budget.spend(branches.length, 'union branches searched');
    for (const b of branches) {
      if (b.kind !== writer.kind) continue;
      if (b.kind === 'primitive') { if (b.type === (writer as typeof b).type) { chosen = b; break; } continue; }
      if (b.kind === 'array' || b.kind === 'map') { chosen = b; break; }
      if (b.kind === 'union') continue;
      const w = writer as NamedNode;
      if (b.fullName === w.fullName || b.aliases.includes(w.fullName)) { chosen = b; break; }
      // Records whose fields resolve are taken by structure, preferring one with the same short name.
      if (b.kind === 'record' && this.recordFields(b, w as RecordNode, depth + 1).length === 0 && (!structural || b.name === w.name)) structural = b;
    }
    chosen ??= structural;
    if (!chosen && writer.kind === 'primitive') {
      chosen = branches.find((b) => b.kind === 'primitive' && PROMOTIONS[b.type]?.includes(writer.type));
    }
    if (!chosen) {
      return [{ path: '', rule: 'MISSING_UNION_BRANCH', message: `${where}: no branch of the reader's union matches the writer's ${typeLabel(writer)}` }];
    }
    return this.check(chosen, writer, where, depth + 1);
  }

  /** Both of Avro's checkers compare unqualified names, then the reader's aliases with the writer's full name. */
  private nameIssues(reader: NamedNode, writer: NamedNode, where: string): Issue[] {
    if (namesMatch(reader, writer)) return [];
    return [{
      path: '.name', rule: 'NAME_MISMATCH',
      message: `${where}: the reader's ${reader.kind} is named ${reader.fullName} but the writer's is ${writer.fullName}; keep the name or add "${writer.fullName}" to the reader's aliases`,
    }];
  }

  private recordFields(reader: RecordNode, writer: RecordNode, depth: number): Issue[] {
    let byWriter = this.memo.get(reader);
    if (!byWriter) this.memo.set(reader, (byWriter = new Map()));
    const known = byWriter.get(writer);
    if (known) return known; // finished, or IN_PROGRESS: a cycle, compatible unless shown otherwise
    byWriter.set(writer, IN_PROGRESS);
    const out: Issue[] = [];
    this.budget.spend(reader.fields.length, 'record fields compared');
    reader.fields.forEach((field, i) => {
      const where = `field "${field.name}" of record ${reader.fullName}`;
      // Like Java: the field itself and each of its aliases may name a writer field; exactly one may match.
      const matches = writerFieldsFor(field, writer);
      if (matches.length === 0) {
        if (!field.hasDefault) {
          out.push({
            path: `.fields[${i}]`, rule: 'READER_FIELD_MISSING_DEFAULT_VALUE',
            message: `${where} is not in the writer's schema and has no default: add a "default" to it (or an alias naming the writer's field)`,
          });
        }
      } else if (matches.length > 1) {
        out.push({
          path: `.fields[${i}]`, rule: 'READER_FIELD_AMBIGUOUS',
          message: `${where} matches ${matches.length} writer fields through its name and aliases (${matches.map((m) => writer.fields[m]!.name).join(', ')}); keep only one match`,
        });
      } else {
        const writerField = writer.fields[matches[0]!]!;
        push(out, this.check(field.type, writerField.type, where, depth + 1), `.fields[${i}].type`);
      }
    });
    byWriter.set(writer, out);
    return out;
  }
}

function mismatch(reader: AvroNode, writer: AvroNode, where: string): Issue {
  return {
    path: '', rule: 'TYPE_MISMATCH',
    message: `${where}: the reader expects ${typeLabel(reader)} but the writer wrote ${typeLabel(writer)}, which Avro cannot convert; keep the writer's type or use an allowed promotion (int to long, float or double; long to float or double; float to double; string and bytes)`,
  };
}

function fixedIssues(reader: FixedNode, writer: FixedNode, where: string): Issue[] {
  if (reader.size === writer.size) return [];
  return [{
    path: '.size', rule: 'FIXED_SIZE_MISMATCH',
    message: `${where}: the reader's fixed ${reader.fullName} has size ${reader.size} but the writer's has size ${writer.size}; fixed sizes cannot change`,
  }];
}

function enumIssues(reader: EnumNode, writer: EnumNode, where: string): Issue[] {
  const known = new Set(reader.symbols);
  const missing = writer.symbols.filter((s) => !known.has(s));
  // A reader default stands in for symbols it does not know (Avro 1.9+).
  if (missing.length === 0 || reader.default !== undefined) return [];
  return [{
    path: '.symbols', rule: 'MISSING_ENUM_SYMBOLS',
    message: `${where}: the reader's enum ${reader.fullName} lacks the writer's symbols ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''}; add them or give the reader's enum a "default" symbol`,
  }];
}

/**
 * `schema-compatibility` (default): Apache Avro Java's SchemaCompatibility, as Confluent and Apicurio use.
 * `pulsar-validator`: Avro's SchemaValidator (ResolvingGrammarGenerator), which the Pulsar broker runs;
 * it ignores record names (outside union branch choice) and unknown enum symbols.
 */
export type ResolutionDialect = 'schema-compatibility' | 'pulsar-validator';

/**
 * Everything that stops `reader` from reading data written with `writer`, with `$`-rooted reader paths.
 * Throws DagpactError SCHEMA_TOO_COMPLEX when the comparison outgrows `budget`.
 */
export function resolutionIssues(reader: AvroNode, writer: AvroNode, dialect: ResolutionDialect = 'schema-compatibility',
  budget: WorkBudget = makeWorkBudget()): CompatibilityIssue[] {
  try {
    const found = new Checker(dialect, budget).check(reader, writer, 'the schema root', 0);
    return found.map((i) => ({ ...i, path: `$${i.path}` }));
  } catch (e) {
    // Only a pathological shape can get here (the depth guard should prevent it); never a 5xx.
    if (e instanceof RangeError) {
      return [{ path: '$', rule: 'TOO_DEEP', message: 'the schemas are nested too deeply to compare; flatten them' }];
    }
    throw e;
  }
}
