// Can a reader schema read data written with a writer schema? The Avro specification's resolution
// rules as Apache Avro Java's SchemaCompatibility.checkReaderWriterCompatibility applies them (that is
// what the Pulsar broker runs): same verdicts, same rule names, but every issue is reported, with a
// JSON path into the reader schema and a message for a person. See docs/adr/0003-avro-compatibility.md.
import type { CompatibilityIssue } from '../types.js';
import { typeLabel, type AvroNode, type EnumNode, type FixedNode, type NamedNode, type RecordNode } from './model.js';

/** Bounds the work and the answer on pathological schemas; a verdict needs only one issue. */
const MAX_ISSUES = 500;
/** Pairs of nested types deeper than this are reported instead of recursed into (no stack overflow). */
const MAX_DEPTH = 1500;

/** Writer types each reader primitive accepts besides itself (the specification's promotions). */
const PROMOTIONS: Record<string, readonly string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

type Issue = CompatibilityIssue;
const IN_PROGRESS: Issue[] = [];

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
  constructor(private readonly dialect: ResolutionDialect) {}

  check(reader: AvroNode, writer: AvroNode, where: string, depth: number): Issue[] {
    if (depth > MAX_DEPTH) {
      return [{ path: '', rule: 'TOO_DEEP', message: `${where}: the schemas are nested too deeply to compare; flatten them` }];
    }
    if (writer.kind === 'union') return this.writerUnion(reader, writer.branches, where, depth);
    if (reader.kind === 'union') {
      if (this.dialect === 'pulsar-validator') return this.readerUnionByBestBranch(reader.branches, writer, where, depth);
      // Some reader branch must accept the writer's type (Java takes any compatible branch).
      for (const branch of reader.branches) {
        if (this.check(branch, writer, where, depth + 1).length === 0) return [];
      }
      return [{
        path: '', rule: 'MISSING_UNION_BRANCH',
        message: `${where}: the reader's union [${reader.branches.map(typeLabel).join(', ')}] has no branch that can read the writer's ${typeLabel(writer)}; add a branch of that type (or one it promotes to)`,
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
    if (reader.name === writer.name || reader.aliases.includes(writer.fullName)) return [];
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
    reader.fields.forEach((field, i) => {
      const where = `field "${field.name}" of record ${reader.fullName}`;
      // Like Java: the field itself and each of its aliases may name a writer field; exactly one may match.
      const matches: number[] = [];
      for (const name of [field.name, ...field.aliases]) {
        const at = writer.fieldIndex.get(name);
        if (at !== undefined) matches.push(at);
      }
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
  const missing = writer.symbols.filter((s) => !reader.symbols.includes(s));
  // A reader default stands in for symbols it does not know (Avro 1.9+).
  if (missing.length === 0 || reader.default !== undefined) return [];
  return [{
    path: '.symbols', rule: 'MISSING_ENUM_SYMBOLS',
    message: `${where}: the reader's enum ${reader.fullName} lacks the writer's symbols ${missing.join(', ')}; add them or give the reader's enum a "default" symbol`,
  }];
}

/**
 * `schema-compatibility` (default): Apache Avro Java's SchemaCompatibility, as Confluent and Apicurio use.
 * `pulsar-validator`: Avro's SchemaValidator (ResolvingGrammarGenerator), which the Pulsar broker runs;
 * it ignores record names (outside union branch choice) and unknown enum symbols.
 */
export type ResolutionDialect = 'schema-compatibility' | 'pulsar-validator';

/** Everything that stops `reader` from reading data written with `writer`, with `$`-rooted reader paths. */
export function resolutionIssues(reader: AvroNode, writer: AvroNode, dialect: ResolutionDialect = 'schema-compatibility'): CompatibilityIssue[] {
  try {
    const found = new Checker(dialect).check(reader, writer, 'the schema root', 0);
    return found.map((i) => ({ ...i, path: `$${i.path}` }));
  } catch (e) {
    // Only a pathological shape can get here (the depth guard should prevent it); never a 5xx.
    if (e instanceof RangeError) {
      return [{ path: '$', rule: 'TOO_DEEP', message: 'the schemas are nested too deeply to compare; flatten them' }];
    }
    throw e;
  }
}
