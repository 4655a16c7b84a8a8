// Table of named schema pairs, each judged in both directions: `aReadsB` lists the rules of
// backwardIssues(reader=a, writer=b), `bReadsA` those of backwardIssues(reader=b, writer=a).
import { describe, expect, it } from 'vitest';
import { parse, provider, rules } from './helpers.js';

interface Case { name: string; a: unknown; b: unknown; aReadsB: string[]; bReadsA: string[] }

const S = (extra: object = {}) => ({ type: 'string', ...extra });
const N = (extra: object = {}) => ({ type: 'number', ...extra });
const O = (extra: object = {}) => ({ type: 'object', ...extra });
const A = (extra: object = {}) => ({ type: 'array', ...extra });
const D04 = 'http://json-schema.org/draft-04/schema#';
const D2019 = 'https://json-schema.org/draft/2019-09/schema';
const D2020 = 'https://json-schema.org/draft/2020-12/schema';

const cases: Case[] = [
  // type
  { name: 'type widened to any', a: {}, b: S(), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'integer is a number', a: N(), b: { type: 'integer' }, aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'type arrays', a: { type: ['string', 'null'] }, b: S(), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'disjoint types', a: S(), b: N(), aReadsB: ['TYPE_NARROWED'], bReadsA: ['TYPE_NARROWED'] },
  { name: 'boolean schemas', a: true, b: false, aReadsB: [], bReadsA: ['READER_REJECTS_ALL'] },
  { name: 'true vs string', a: true, b: S(), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  // enum / const
  { name: 'enum widened', a: S({ enum: ['a', 'b', 'c'] }), b: S({ enum: ['a', 'b'] }), aReadsB: [], bReadsA: ['ENUM_NARROWED'] },
  { name: 'enum added', a: S(), b: S({ enum: ['a'] }), aReadsB: [], bReadsA: ['ENUM_ADDED'] },
  { name: 'const equals one-value enum', a: { const: 'x' }, b: { enum: ['x'] }, aReadsB: [], bReadsA: [] },
  { name: 'const changed', a: { const: 1 }, b: { const: 2 }, aReadsB: ['CONST_CHANGED'], bReadsA: ['CONST_CHANGED'] },
  { name: 'boolean enum covers type boolean', a: { enum: [true, false] }, b: { type: 'boolean' }, aReadsB: [], bReadsA: [] },
  { name: 'enum values checked against string bounds', a: S({ maxLength: 3 }), b: S({ enum: ['abc', 'de'] }), aReadsB: [], bReadsA: ['ENUM_ADDED'] },
  { name: 'enum value too long', a: S({ maxLength: 2 }), b: S({ enum: ['abc'] }), aReadsB: ['MAX_LENGTH_DECREASED'], bReadsA: ['ENUM_ADDED'] },
  // strings
  { name: 'minLength', a: S({ minLength: 2 }), b: S({ minLength: 5 }), aReadsB: [], bReadsA: ['MIN_LENGTH_INCREASED'] },
  { name: 'maxLength', a: S({ maxLength: 10 }), b: S({ maxLength: 5 }), aReadsB: [], bReadsA: ['MAX_LENGTH_DECREASED'] },
  { name: 'maxLength added', a: S(), b: S({ maxLength: 5 }), aReadsB: [], bReadsA: ['MAX_LENGTH_ADDED'] },
  { name: 'pattern changed', a: S({ pattern: '^a' }), b: S({ pattern: '^b' }), aReadsB: ['PATTERN_CHANGED'], bReadsA: ['PATTERN_CHANGED'] },
  { name: 'pattern removed', a: S(), b: S({ pattern: '^a' }), aReadsB: [], bReadsA: ['PATTERN_ADDED'] },
  { name: 'format changed', a: S({ format: 'date' }), b: S({ format: 'date-time' }), aReadsB: ['FORMAT_CHANGED'], bReadsA: ['FORMAT_CHANGED'] },
  { name: 'contentMediaType removed', a: S(), b: S({ contentMediaType: 'image/png' }), aReadsB: [], bReadsA: ['CONTENT_MEDIA_TYPE_ADDED'] },
  { name: 'string keywords ignore non-strings', a: { maxLength: 3 }, b: N(), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  // numbers
  { name: 'minimum', a: N({ minimum: 0 }), b: N({ minimum: 5 }), aReadsB: [], bReadsA: ['MINIMUM_INCREASED'] },
  { name: 'maximum', a: N({ maximum: 10 }), b: N({ maximum: 5 }), aReadsB: [], bReadsA: ['MAXIMUM_DECREASED'] },
  { name: 'exclusiveMinimum vs minimum', a: N({ minimum: 10 }), b: N({ exclusiveMinimum: 10 }), aReadsB: [], bReadsA: ['MINIMUM_INCREASED'] },
  { name: 'draft-04 exclusiveMaximum true', a: N({ maximum: 10 }), b: { $schema: D04, ...N({ maximum: 10, exclusiveMaximum: true }) }, aReadsB: [], bReadsA: ['MAXIMUM_DECREASED'] },
  { name: 'draft-04 equals draft-07 exclusive', a: N({ exclusiveMinimum: 3 }), b: { $schema: D04, ...N({ minimum: 3, exclusiveMinimum: true }) }, aReadsB: [], bReadsA: [] },
  { name: 'multipleOf divisor', a: N({ multipleOf: 5 }), b: N({ multipleOf: 10 }), aReadsB: [], bReadsA: ['MULTIPLE_OF_CHANGED'] },
  { name: 'multipleOf 1 and integers', a: N({ multipleOf: 1 }), b: { type: 'integer' }, aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'minimum added', a: N(), b: N({ minimum: 1 }), aReadsB: [], bReadsA: ['MINIMUM_ADDED'] },
  // objects: required and content models
  { name: 'required added', a: O({ required: ['x'] }), b: O({ required: ['x', 'y'] }), aReadsB: [], bReadsA: ['REQUIRED_ADDED'] },
  { name: 'closed reader, open writer', a: O({ properties: { x: S() } }), b: O({ properties: { x: S() }, additionalProperties: false }), aReadsB: [], bReadsA: ['CONTENT_MODEL_CLOSED'] },
  { name: 'property removed from closed reader', a: O({ properties: { x: S(), y: S() }, additionalProperties: false }), b: O({ properties: { x: S() }, additionalProperties: false }), aReadsB: [], bReadsA: ['PROPERTY_REMOVED_FROM_CLOSED_MODEL'] },
  { name: 'property added under open writer with a type', a: O({ properties: { x: S() } }), b: O({ properties: { x: S(), y: N() } }), aReadsB: [], bReadsA: ['PROPERTY_ADDED_CONFLICTS_WITH_OPEN_MODEL', 'TYPE_NARROWED'] },
  { name: 'property added in reader, writer closed', a: O({ properties: { x: S() }, additionalProperties: false }), b: O({ properties: { x: S(), y: N() }, additionalProperties: false }), aReadsB: ['PROPERTY_REMOVED_FROM_CLOSED_MODEL'], bReadsA: [] },
  { name: 'additionalProperties schema vs closed', a: O({ additionalProperties: S() }), b: O({ additionalProperties: false }), aReadsB: [], bReadsA: ['CONTENT_MODEL_CLOSED'] },
  { name: 'additionalProperties schemas', a: O({ additionalProperties: S() }), b: O({ additionalProperties: S({ maxLength: 2 }) }), aReadsB: [], bReadsA: ['MAX_LENGTH_ADDED'] },
  { name: 'extra property must fit reader additionalProperties', a: O({ additionalProperties: N() }), b: O({ properties: { s: S() }, additionalProperties: false }), aReadsB: ['TYPE_NARROWED'], bReadsA: ['CONTENT_MODEL_CLOSED', 'PROPERTY_ADDED_CONFLICTS_WITH_OPEN_MODEL', 'TYPE_NARROWED'] },
  { name: 'property schema false', a: O({ properties: { x: S() } }), b: O({ properties: { x: false } }), aReadsB: [], bReadsA: ['PROPERTY_FORBIDDEN'] },
  { name: 'patternProperties partially open', a: O({ patternProperties: { '^s_': S() } }), b: O({ patternProperties: { '^s_': S(), '^n_': N() } }), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'patternProperties closed by additionalProperties', a: O({ patternProperties: { '^s_': S() }, additionalProperties: false }), b: O({ patternProperties: { '^s_': S() }, additionalProperties: false }), aReadsB: [], bReadsA: [] },
  { name: 'pattern names checked against declared properties', a: O({ properties: { s_a: N() } }), b: O({ patternProperties: { '^s_': S() }, additionalProperties: false }), aReadsB: ['PROPERTY_ADDED_CONFLICTS_WITH_OPEN_MODEL', 'TYPE_NARROWED'], bReadsA: ['CONTENT_MODEL_CLOSED', 'TYPE_NARROWED'] },
  { name: 'unevaluatedProperties false', a: { $schema: D2019, ...O({ properties: { x: S() } }) }, b: { $schema: D2019, ...O({ properties: { x: S() }, unevaluatedProperties: false }) }, aReadsB: [], bReadsA: ['CONTENT_MODEL_CLOSED'] },
  { name: 'min/maxProperties', a: O({ minProperties: 1, maxProperties: 9 }), b: O({ minProperties: 2, maxProperties: 5 }), aReadsB: [], bReadsA: ['MAX_PROPERTIES_DECREASED', 'MIN_PROPERTIES_INCREASED'] },
  { name: 'propertyNames', a: O({ propertyNames: { maxLength: 10 } }), b: O({ propertyNames: { maxLength: 5 } }), aReadsB: [], bReadsA: ['MAX_LENGTH_DECREASED'] },
  { name: 'dependencies (array form)', a: O({ dependencies: { a: ['b'] } }), b: O({ dependencies: { a: ['b', 'c'] } }), aReadsB: [], bReadsA: ['DEPENDENT_REQUIRED_ADDED'] },
  { name: 'dependentRequired (2019-09)', a: { $schema: D2019, ...O() }, b: { $schema: D2019, ...O({ dependentRequired: { a: ['b'] } }) }, aReadsB: [], bReadsA: ['DEPENDENT_REQUIRED_ADDED'] },
  { name: 'dependencies (schema form)', a: O(), b: O({ dependencies: { a: { required: ['b'] } } }), aReadsB: [], bReadsA: ['REQUIRED_ADDED'] },
  { name: 'nested property type', a: O({ properties: { age: N() } }), b: O({ properties: { age: { type: 'integer' } } }), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  // arrays
  { name: 'items', a: A({ items: N() }), b: A({ items: { type: 'integer' } }), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'tuple closed vs open', a: A({ items: [S()] }), b: A({ items: [S()], additionalItems: false }), aReadsB: [], bReadsA: ['ADDITIONAL_ITEMS_CLOSED'] },
  { name: 'tuple grown, writer closed', a: A({ items: [S(), N()], additionalItems: false }), b: A({ items: [S()], additionalItems: false }), aReadsB: [], bReadsA: ['ITEMS_REMOVED_FROM_CLOSED_TUPLE'] },
  { name: 'prefixItems (2020-12)', a: { $schema: D2020, ...A({ prefixItems: [S()], items: N() }) }, b: { $schema: D2020, ...A({ prefixItems: [S()], items: false }) }, aReadsB: [], bReadsA: ['ADDITIONAL_ITEMS_CLOSED'] },
  { name: 'prefixItems item type (2020-12)', a: { $schema: D2020, ...A({ prefixItems: [N()] }) }, b: { $schema: D2020, ...A({ prefixItems: [{ type: 'integer' }] }) }, aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'minItems/maxItems', a: A({ minItems: 1, maxItems: 10 }), b: A({ minItems: 2, maxItems: 3 }), aReadsB: [], bReadsA: ['MAX_ITEMS_DECREASED', 'MIN_ITEMS_INCREASED'] },
  { name: 'closed tuple bounds maxItems', a: A({ maxItems: 2 }), b: A({ items: [S(), S()], additionalItems: false }), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'uniqueItems', a: A(), b: A({ uniqueItems: true }), aReadsB: [], bReadsA: ['UNIQUE_ITEMS_ADDED'] },
  { name: 'contains', a: A({ contains: N() }), b: A({ contains: { type: 'integer' } }), aReadsB: [], bReadsA: ['CONTAINS_NARROWED'] },
  // combinators
  { name: 'allOf in reader', a: { allOf: [S(), { maxLength: 10 }] }, b: S({ maxLength: 5 }), aReadsB: [], bReadsA: ['MAX_LENGTH_DECREASED'] },
  { name: 'allOf in writer is merged', a: S({ maxLength: 5 }), b: { allOf: [S(), { maxLength: 3 }] }, aReadsB: [], bReadsA: ['MAX_LENGTH_DECREASED'] },
  { name: 'anyOf branch added', a: { anyOf: [S(), N()] }, b: { anyOf: [S()] }, aReadsB: [], bReadsA: ['ANY_OF_NOT_SATISFIED'] },
  { name: 'anyOf vs plain type', a: { anyOf: [S(), { type: 'null' }] }, b: S(), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'oneOf with exclusive branches', a: { oneOf: [S(), N()] }, b: S(), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'oneOf with overlapping branches is undecidable', a: { oneOf: [S(), { maxLength: 3 }] }, b: S({ maxLength: 2 }), aReadsB: ['UNDECIDABLE_ONE_OF'], bReadsA: ['MAX_LENGTH_ADDED', 'MAX_LENGTH_DECREASED', 'TYPE_NARROWED'] },
  { name: 'oneOf reordered', a: { oneOf: [S(), { maxLength: 3 }] }, b: { oneOf: [{ maxLength: 3 }, S()] }, aReadsB: [], bReadsA: [] },
  { name: 'oneOf with no fitting branch', a: { oneOf: [S(), N()] }, b: { type: 'boolean' }, aReadsB: ['ONE_OF_NOT_SATISFIED'], bReadsA: ['TYPE_NARROWED'] },
  { name: 'anyOf with no fitting branch', a: { anyOf: [S(), N()] }, b: { type: 'null' }, aReadsB: ['ANY_OF_NOT_SATISFIED'], bReadsA: ['TYPE_NARROWED'] },
  { name: 'not widened', a: { not: S({ maxLength: 5 }) }, b: { not: S({ maxLength: 10 }) }, aReadsB: [], bReadsA: ['UNDECIDABLE_NOT'] },
  { name: 'not of a disjoint type', a: { not: S() }, b: N(), aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: 'conditional with equal if', a: O({ if: { required: ['a'] }, then: { required: ['b'] } }), b: O({ if: { required: ['a'] }, then: { required: ['b', 'c'] } }), aReadsB: [], bReadsA: ['REQUIRED_ADDED'] },
  { name: 'conditional with different if', a: O({ if: { required: ['a'] }, then: { required: ['b'] } }), b: O({ if: { required: ['x'] }, then: { required: ['b'] } }), aReadsB: ['UNDECIDABLE_CONDITIONAL'], bReadsA: ['UNDECIDABLE_CONDITIONAL'] },
  // references
  { name: '$ref to definitions vs inline', a: O({ properties: { p: { $ref: '#/definitions/P' } }, definitions: { P: S({ maxLength: 9 }) } }), b: O({ properties: { p: S({ maxLength: 5 }) } }), aReadsB: [], bReadsA: ['MAX_LENGTH_DECREASED'] },
  { name: '$ref to $defs (2020-12)', a: { $schema: D2020, $ref: '#/$defs/X', $defs: { X: N() } }, b: { $schema: D2020, type: 'integer' }, aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: '$anchor (2019-09)', a: { $schema: D2019, $ref: '#num', $defs: { X: { $anchor: 'num', type: 'number' } } }, b: { type: 'integer' }, aReadsB: [], bReadsA: ['TYPE_NARROWED'] },
  { name: '$dynamicRef is undecidable unless identical', a: { $schema: D2020, $dynamicAnchor: 'n', items: { $dynamicRef: '#n' } }, b: { $schema: D2020, type: 'array', items: N() }, aReadsB: ['UNDECIDABLE_DYNAMIC_REF'], bReadsA: ['TYPE_NARROWED'] },
  {
    name: 'recursive $ref terminates',
    a: { $ref: '#/definitions/T', definitions: { T: O({ properties: { kids: A({ items: { $ref: '#/definitions/T' } }), n: N() } }) } },
    b: { $ref: '#/definitions/T', definitions: { T: O({ properties: { kids: A({ items: { $ref: '#/definitions/T' } }), n: { type: 'integer' } } }) } },
    aReadsB: [], bReadsA: ['TYPE_NARROWED'],
  },
];

describe('JSON Schema backwardIssues', () => {
  for (const c of cases) {
    it(`${c.name}: a reads b`, () => expect(rules(c.a, c.b)).toEqual([...c.aReadsB].sort()));
    it(`${c.name}: b reads a`, () => expect(rules(c.b, c.a)).toEqual([...c.bReadsA].sort()));
  }

  it('an identical schema is always compatible with itself', () => {
    for (const c of cases) for (const s of [c.a, c.b]) expect(rules(s, s), c.name).toEqual([]);
  });

  it('locates issues in the reader and names the property', () => {
    const issues = provider.backwardIssues(parse(O({ properties: { age: { type: 'integer' } } })), parse(O({ properties: { age: N() } })));
    expect(issues).toEqual([expect.objectContaining({ path: '#/properties/age/type', rule: 'TYPE_NARROWED' })]);
    expect(issues[0]!.message).toMatch(/property "age"/);
    expect(issues[0]!.message).toMatch(/widen/);
  });

  it('reports every issue, not only the first', () => {
    const reader = O({ required: ['a', 'b'], properties: { s: S({ maxLength: 2 }) }, additionalProperties: false });
    const writer = O({ properties: { s: S(), t: S() } });
    const found = provider.backwardIssues(parse(reader), parse(writer));
    expect(found.map((i) => i.path)).toEqual(expect.arrayContaining(['#/required', '#/properties/s/maxLength', '#/additionalProperties']));
    expect(found.filter((i) => i.rule === 'REQUIRED_ADDED')).toHaveLength(2);
  });

  it('follows $ref into a named reference', () => {
    const refs = (max: number) => [{ name: 'https://example.com/addr.json', schema: S({ maxLength: max }) }];
    const reader = parse({ properties: { a: { $ref: 'https://example.com/addr.json' } } }, refs(5));
    const writer = parse({ properties: { a: { $ref: 'https://example.com/addr.json' } } }, refs(10));
    expect(provider.backwardIssues(writer, reader)).toEqual([]);
    expect(provider.backwardIssues(reader, writer)).toEqual([
      expect.objectContaining({ rule: 'MAX_LENGTH_DECREASED', path: 'https://example.com/addr.json#/maxLength' }),
    ]);
  });
});
