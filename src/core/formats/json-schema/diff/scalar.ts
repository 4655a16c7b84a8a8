// Keyword families of scalar values: `type`, `enum`/`const`, string bounds, patterns and formats,
// numeric bounds and `multipleOf`. The reader must allow everything the writer's view allows.
import type { ValidateFunction } from 'ajv';
import type { CompatibilityIssue } from '../../types.js';
import { makeAjv } from '../draft.js';
import { childPath } from '../json-path.js';
import type { SchemaObject, SNode } from './documents.js';
import { issue, list, subject } from './issue.js';
import { collect, kindNames, kindsOfType, numbers, sameValue, valueSet, type WriterView } from './writer-view.js';
import { safeTest } from '../safe-regex.js';

export function typeIssues(r: SNode, w: WriterView): CompatibilityIssue[] {
  const s = r.schema as SchemaObject;
  const allowed = kindsOfType(s.type);
  if (!allowed) return [];
  const missing = [...w.kinds].filter((k) => !allowed.has(k));
  if (missing.length === 0) return [];
  return [issue(childPath(r.path, 'type'), 'TYPE_NARROWED',
    `${subject(r.path)}: the reader accepts only ${JSON.stringify(s.type)} but the writer may produce ${kindNames(missing)}; ` +
    'widen the reader\'s "type" to include it or narrow the writer')];
}

export function enumIssues(r: SNode, w: WriterView): CompatibilityIssue[] {
  const s = r.schema as SchemaObject;
  const allowed = valueSet(s);
  if (!allowed) return [];
  const keyword = 'const' in s && !Array.isArray(s.enum) ? 'const' : 'enum';
  const path = childPath(r.path, keyword);
  let produced = w.values;
  // Booleans and null are finite even without an enum.
  if (!produced && [...w.kinds].every((k) => k === 'boolean' || k === 'null')) {
    produced = [...w.kinds].flatMap((k) => (k === 'null' ? [null] : [true, false]));
  }
  if (!produced) {
    const rule = keyword === 'const' ? 'CONST_ADDED' : 'ENUM_ADDED';
    return [issue(path, rule, `${subject(r.path)}: the reader only accepts ${list(allowed)} but the writer allows any ${kindNames(w.kinds)}; ` +
      `remove the reader's "${keyword}" or restrict the writer to these values`)];
  }
  const extra = produced.filter((v) => !allowed.some((a) => sameValue(a, v)));
  if (extra.length === 0) return [];
  const rule = keyword === 'const' ? 'CONST_CHANGED' : 'ENUM_NARROWED';
  return [issue(path, rule, `${subject(r.path)}: the writer may produce ${list(extra)}, which the reader's "${keyword}" does not allow; ` +
    'add these values to the reader')];
}

const formatCheckers = new Map<string, ValidateFunction | null>();
function formatChecker(format: string): ValidateFunction | null {
  if (!formatCheckers.has(format)) {
    let fn: ValidateFunction | null = null;
    try {
      fn = makeAjv('07').compile({ type: 'string', format });
    } catch {
      fn = null;
    }
    formatCheckers.set(format, fn);
  }
  return formatCheckers.get(format) ?? null;
}

function regexTest(source: string, value: string): boolean | undefined {
  return safeTest(source, value);
}

/** The reader keywords a concrete writer value breaks, as issues. */
function valueIssues(r: SNode, values: unknown[]): CompatibilityIssue[] {
  const s = r.schema as SchemaObject;
  const out: CompatibilityIssue[] = [];
  const bad = (keyword: string, rule: string, v: unknown, why: string) =>
    out.push(issue(childPath(r.path, keyword), rule, `${subject(r.path)}: the writer may produce ${JSON.stringify(v)}, ${why}; relax the reader's "${keyword}"`));
  for (const v of values) {
    if (typeof v === 'string') {
      const len = [...v].length;
      if (typeof s.minLength === 'number' && len < s.minLength) bad('minLength', 'MIN_LENGTH_INCREASED', v, `shorter than the reader's minLength ${s.minLength}`);
      if (typeof s.maxLength === 'number' && len > s.maxLength) bad('maxLength', 'MAX_LENGTH_DECREASED', v, `longer than the reader's maxLength ${s.maxLength}`);
      if (typeof s.pattern === 'string' && regexTest(s.pattern, v) !== true) bad('pattern', 'PATTERN_CHANGED', v, `which does not match the reader's pattern`);
      if (typeof s.format === 'string') {
        const check = formatChecker(s.format);
        if (!check || !check(v)) bad('format', 'FORMAT_CHANGED', v, `which is not a valid "${s.format}"`);
      }
    } else if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) bad('minimum', 'MINIMUM_INCREASED', v, `below the reader's minimum ${s.minimum}`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) bad('exclusiveMinimum', 'MINIMUM_INCREASED', v, `not above the reader's exclusiveMinimum ${s.exclusiveMinimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) bad('maximum', 'MAXIMUM_DECREASED', v, `above the reader's maximum ${s.maximum}`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) bad('exclusiveMaximum', 'MAXIMUM_DECREASED', v, `not below the reader's exclusiveMaximum ${s.exclusiveMaximum}`);
      if (typeof s.multipleOf === 'number' && !isMultiple(v, s.multipleOf)) bad('multipleOf', 'MULTIPLE_OF_CHANGED', v, `not a multiple of ${s.multipleOf}`);
    }
  }
  return out;
}

export function isMultiple(value: number, divisor: number): boolean {
  if (divisor <= 0) return false;
  const q = value / divisor;
  return Number.isFinite(q) && Math.abs(q - Math.round(q)) < 1e-9;
}

/** Same keyword must appear with the same value in the writer (patterns, formats, content*). */
function exactKeyword(r: SNode, w: WriterView, keyword: string, rulePrefix: string, what: string): CompatibilityIssue[] {
  const want = (r.schema as SchemaObject)[keyword];
  if (want === undefined) return [];
  const have = collect(w, keyword).map((e) => e.value);
  if (have.some((h) => sameValue(h, want))) return [];
  const path = childPath(r.path, keyword);
  if (have.length === 0) {
    return [issue(path, `${rulePrefix}_ADDED`, `${subject(r.path)}: the reader requires ${what} ${JSON.stringify(want)} which the writer does not; ` +
      `remove it from the reader or add the same ${keyword} to the writer`)];
  }
  return [issue(path, `${rulePrefix}_CHANGED`, `${subject(r.path)}: the reader requires ${what} ${JSON.stringify(want)} but the writer uses ${list(have)}; ` +
    `dagpact cannot prove one implies the other, so keep the ${keyword} identical`)];
}

function lowerBoundIssue(r: SNode, w: WriterView, minKw: string, exclusiveKw: string, rule: string, label: string): CompatibilityIssue[] {
  const s = r.schema as SchemaObject;
  const tight = (incl: number[], excl: number[]) => {
    let best: { v: number; ex: boolean } | undefined;
    for (const v of incl) if (!best || v > best.v) best = { v, ex: false };
    for (const v of excl) if (!best || v > best.v || (v === best.v && !best.ex)) best = { v, ex: true };
    return best;
  };
  const want = tight(typeof s[minKw] === 'number' ? [s[minKw] as number] : [], typeof s[exclusiveKw] === 'number' ? [s[exclusiveKw] as number] : []);
  if (!want) return [];
  const have = tight(numbers(w, minKw), numbers(w, exclusiveKw));
  if (have && (have.v > want.v || (have.v === want.v && (have.ex || !want.ex)))) return [];
  const keyword = want.ex ? exclusiveKw : minKw;
  return [issue(childPath(r.path, keyword), have ? `${rule}_INCREASED` : `${rule}_ADDED`,
    `${subject(r.path)}: the reader requires values ${want.ex ? '>' : '>='} ${want.v} but the writer allows ` +
    `${have ? `values ${have.ex ? '>' : '>='} ${have.v}` : `any ${label}`}; lower the reader's ${keyword} or raise the writer's`)];
}

function upperBoundIssue(r: SNode, w: WriterView, maxKw: string, exclusiveKw: string, rule: string, label: string): CompatibilityIssue[] {
  const s = r.schema as SchemaObject;
  const tight = (incl: number[], excl: number[]) => {
    let best: { v: number; ex: boolean } | undefined;
    for (const v of incl) if (!best || v < best.v) best = { v, ex: false };
    for (const v of excl) if (!best || v < best.v || (v === best.v && !best.ex)) best = { v, ex: true };
    return best;
  };
  const want = tight(typeof s[maxKw] === 'number' ? [s[maxKw] as number] : [], typeof s[exclusiveKw] === 'number' ? [s[exclusiveKw] as number] : []);
  if (!want) return [];
  const have = tight(numbers(w, maxKw), numbers(w, exclusiveKw));
  if (have && (have.v < want.v || (have.v === want.v && (have.ex || !want.ex)))) return [];
  const keyword = want.ex ? exclusiveKw : maxKw;
  return [issue(childPath(r.path, keyword), have ? `${rule}_DECREASED` : `${rule}_ADDED`,
    `${subject(r.path)}: the reader requires values ${want.ex ? '<' : '<='} ${want.v} but the writer allows ` +
    `${have ? `values ${have.ex ? '<' : '<='} ${have.v}` : `any ${label}`}; raise the reader's ${keyword} or lower the writer's`)];
}

/** Lower and upper bounds on a count (string length, item count, property count). */
export function countBounds(r: SNode, w: WriterView, minKw: string, maxKw: string, rule: string, unit: string,
  writerMax?: number): CompatibilityIssue[] {
  const s = r.schema as SchemaObject;
  const out: CompatibilityIssue[] = [];
  if (typeof s[minKw] === 'number' && (s[minKw] as number) > 0) {
    const want = s[minKw] as number;
    const have = numbers(w, minKw);
    const best = have.length ? Math.max(...have) : 0;
    if (best < want) {
      out.push(issue(childPath(r.path, minKw), have.length ? `MIN_${rule}_INCREASED` : `MIN_${rule}_ADDED`,
        `${subject(r.path)}: the reader requires at least ${want} ${unit} but the writer allows ${best}; lower the reader's ${minKw}`));
    }
  }
  if (typeof s[maxKw] === 'number') {
    const want = s[maxKw] as number;
    const have = numbers(w, maxKw);
    if (writerMax !== undefined) have.push(writerMax);
    const best = have.length ? Math.min(...have) : Infinity;
    if (best > want) {
      out.push(issue(childPath(r.path, maxKw), have.length ? `MAX_${rule}_DECREASED` : `MAX_${rule}_ADDED`,
        `${subject(r.path)}: the reader allows at most ${want} ${unit} but the writer allows ${best === Infinity ? 'any number' : best}; raise the reader's ${maxKw}`));
    }
  }
  return out;
}

export function stringIssues(r: SNode, w: WriterView): CompatibilityIssue[] {
  if (!w.kinds.has('string')) return [];
  if (w.values) return valueIssues(r, w.values.filter((v) => typeof v === 'string'));
  return [
    ...countBounds(r, w, 'minLength', 'maxLength', 'LENGTH', 'characters'),
    ...exactKeyword(r, w, 'pattern', 'PATTERN', 'the pattern'),
    ...exactKeyword(r, w, 'format', 'FORMAT', 'the format'),
    ...exactKeyword(r, w, 'contentEncoding', 'CONTENT_ENCODING', 'the content encoding'),
    ...exactKeyword(r, w, 'contentMediaType', 'CONTENT_MEDIA_TYPE', 'the content media type'),
  ];
}

export function numberIssues(r: SNode, w: WriterView): CompatibilityIssue[] {
  if (!w.kinds.has('integer') && !w.kinds.has('nonint')) return [];
  if (w.values) return valueIssues(r, w.values.filter((v) => typeof v === 'number'));
  const label = kindNames([...w.kinds].filter((k) => k === 'integer' || k === 'nonint'));
  const out = [
    ...lowerBoundIssue(r, w, 'minimum', 'exclusiveMinimum', 'MINIMUM', label),
    ...upperBoundIssue(r, w, 'maximum', 'exclusiveMaximum', 'MAXIMUM', label),
  ];
  const m = (r.schema as SchemaObject).multipleOf;
  if (typeof m === 'number') {
    const have = numbers(w, 'multipleOf');
    const onlyIntegers = !w.kinds.has('nonint');
    if (!have.some((h) => isMultiple(h, m)) && !(onlyIntegers && isMultiple(1, m))) {
      out.push(issue(childPath(r.path, 'multipleOf'), have.length ? 'MULTIPLE_OF_CHANGED' : 'MULTIPLE_OF_ADDED',
        `${subject(r.path)}: the reader requires multiples of ${m} but the writer allows ${have.length ? `multiples of ${list(have)}` : `any ${label}`}; ` +
        `make the reader's multipleOf a divisor of the writer's`));
    }
  }
  return out;
}
