// Issue 11: nothing a single schema can do may stall a compatibility check. Union resolution is
// near-linear (counted in work units, so the assertions are deterministic), every check has a work
// budget that ends in SCHEMA_TOO_COMPLEX, parse refuses oversized schemas, and user regexes run on RE2.
import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../../src/core/compat/levels.js';
import { DagpactError } from '../../../src/core/errors.js';
import { buildModel } from '../../../src/core/formats/avro/parse.js';
import { resolutionIssues } from '../../../src/core/formats/avro/resolution.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import { makeWorkBudget } from '../../../src/core/formats/work-budget.js';

const formats = makeFormats();
const avro = formats.get('AVRO');
const json = formats.get('JSON');

const record = (i: number, extra = false) => ({
  type: 'record', name: `R${i}`, fields: [{ name: 'a', type: 'int' }, ...(extra ? [{ name: 'b', type: 'string' }] : [])],
});
const union = (n: number, changed = -1) => ['null', ...Array.from({ length: n }, (_, i) => record(i, i === changed))];
const big = { unionBranches: 100_000, recordFields: 100_000, namedTypes: 100_000 };

function model(doc: unknown) {
  const problems: Array<{ path: string; message: string }> = [];
  const root = buildModel(doc, new Map(), problems, '$', big);
  expect(problems).toEqual([]);
  return root!;
}

function caught(fn: () => unknown): DagpactError {
  try { fn(); } catch (e) { if (e instanceof DagpactError) return e; throw e; }
  throw new Error('expected a DagpactError');
}

describe('Avro union resolution', () => {
  it('compares two 10,000-branch unions in work linear in the branches', () => {
    const n = 10_000;
    const budget = makeWorkBudget(10_000_000);
    // The last record gained a field without a default: readable one way, not the other.
    expect(resolutionIssues(model(union(n)), model(union(n, n - 1)), 'schema-compatibility', budget)).toEqual([]);
    const back = resolutionIssues(model(union(n, n - 1)), model(union(n)), 'schema-compatibility', budget);
    expect(back.map((i) => i.message)).toEqual([expect.stringMatching(/writer's union branch 10000 \(record R9999\)/)]);
    // Quadratic behaviour (each writer branch tried against every reader branch) would be ~10^8 units.
    expect(budget.used).toBeLessThan(20 * n);
  });

  it('names the one writer branch no reader branch can read, without listing 10,000 branches', () => {
    const n = 10_000;
    const reader = model(['null', ...Array.from({ length: n }, (_, i) => record(i))]);
    const writer = model(['null', ...Array.from({ length: n }, (_, i) => record(i)), { type: 'record', name: 'Extra', fields: [] }]);
    const issues = resolutionIssues(reader, writer);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/writer's union branch 10001 \(record Extra\)/);
    expect(issues[0]!.message.length).toBeLessThan(1000);
  });

  it('still takes any compatible branch: promotions and aliases', () => {
    const issues = resolutionIssues(model(['null', 'string', 'double']), model(['null', 'int', 'float']));
    expect(issues).toEqual([]);
    const renamed = resolutionIssues(model(['null', { type: 'record', name: 'New', aliases: ['Old'], fields: [] }]),
      model(['null', { type: 'record', name: 'Old', fields: [] }]));
    expect(renamed).toEqual([]);
  });

  it('ends a comparison that outgrows its budget with SCHEMA_TOO_COMPLEX (a 422 naming the cause)', () => {
    const e = caught(() => resolutionIssues(model(union(2000)), model(union(2000)), 'schema-compatibility', makeWorkBudget(1000)));
    expect(e.code).toBe('SCHEMA_TOO_COMPLEX');
    expect(e.status).toBe(422);
    expect(e.message).toMatch(/more than 1000 steps \(Avro types compared\)/);
  });

  it('refuses at parse a union of more branches than the limit, naming its path', () => {
    const e = caught(() => avro.parse(JSON.stringify({ type: 'record', name: 'E', fields: [{ name: 'u', type: union(10_000) }] })));
    expect(e.code).toBe('INVALID_SCHEMA');
    expect(JSON.stringify(e.details)).toMatch(/\$\.fields\[0\]\.type.*union of 10001 branches; dagpact accepts at most 1000/);
  });
});

describe('JSON Schema anyOf/oneOf', () => {
  const anyOf = (m: number, k: number) => JSON.stringify({
    anyOf: Array.from({ length: m }, (_, i) => ({ type: 'object', properties: { [`p${i}`]: { type: 'string', maxLength: i + k } }, required: [`p${i}`] })),
  });

  it('finds an identical reader branch for each writer branch without trying every branch', () => {
    const schema = json.parse(anyOf(300, 0));
    const other = json.parse(anyOf(300, 0).replace('"maxLength":0', '"maxLength":1'));
    const budget = makeWorkBudget(100_000_000);
    const verdict = checkCompatibility({ provider: json, candidate: other, existing: [schema], level: 'BACKWARD', budget });
    expect(verdict.compatible).toBe(true);
    // 300 writer cases x 300 reader branches would be ~10^7 units at least.
    expect(budget.used).toBeLessThan(2_000_000);
  });

  it('answers SCHEMA_TOO_COMPLEX when no shortcut applies and the pairs exceed the budget', () => {
    const e = caught(() => checkCompatibility({ provider: json, candidate: json.parse(anyOf(300, 1)), existing: [json.parse(anyOf(300, 0))], level: 'FULL' }));
    expect(e.code).toBe('SCHEMA_TOO_COMPLEX');
    expect(e.message).toMatch(/JSON Schema subschemas compared/);
  });

  it('refuses at parse a schema of more subschemas than the limit', () => {
    const e = caught(() => json.parse(anyOf(600, 0)));
    expect(e.code).toBe('INVALID_SCHEMA');
    expect(e.message).toMatch(/subschemas; dagpact accepts at most 1000/);
  });
});

describe('user regular expressions', () => {
  const evil = '^(a+)+$';
  const attack = `${'a'.repeat(40_000)}!`;

  it('validates payloads against a catastrophic pattern in linear time (RE2)', () => {
    const schema = json.parse(JSON.stringify({ type: 'object', properties: { s: { type: 'string', pattern: evil } }, patternProperties: { '^(x+x+)+y$': { type: 'string' } } }));
    const check = json.checkPayload(new TextEncoder().encode(JSON.stringify({ s: attack, [`${'x'.repeat(40_000)}`]: 'v' })), schema);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problems.map((p) => p.path)).toContain('$.s');
  });

  it('compares patterns against constant values in linear time', () => {
    const reader = json.parse(JSON.stringify({ type: 'string', pattern: evil }));
    const writer = json.parse(JSON.stringify({ const: attack }));
    expect(json.backwardIssues(reader, writer).map((i) => i.rule)).toContain('PATTERN_CHANGED');
  });

  it('refuses at registration patterns only a backtracking engine can run, naming them', () => {
    const e = caught(() => json.parse(JSON.stringify({ properties: { a: { type: 'string', pattern: '^(?=a)a+$' }, b: { pattern: '(x)\\1' } } })));
    expect(e.code).toBe('INVALID_SCHEMA');
    const problems = (e.details as { problems: Array<{ path: string; message: string }> }).problems;
    expect(problems.map((p) => p.path)).toEqual(['$.properties.a.pattern', '$.properties.b.pattern']);
    expect(problems[0]!.message).toMatch(/cannot run in linear time/);
  });
});
