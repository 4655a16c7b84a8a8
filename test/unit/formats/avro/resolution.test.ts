// Avro schema resolution, rule by rule, in both directions: each case names a writer and a reader
// schema and the exact (path, rule) issues expected when the reader reads the writer's data, and
// when the roles are swapped.
import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../../../src/core/compat/levels.js';
import { makeAvroProvider } from '../../../../src/core/formats/avro/provider.js';
import type { ParsedSchema } from '../../../../src/core/formats/types.js';
import { arrayOf, enumOf, field, fixedOf, holding, mapOf, record, text } from './schemas.js';

const avro = makeAvroProvider();
type Expected = Array<[path: string, rule: string]>;
const OK: Expected = [];
const VALUE = '$.fields[0].type';
const mismatch: Expected = [[VALUE, 'TYPE_MISMATCH']];

// Named schema constants.
const INT = holding('int');
const LONG = holding('long');
const FLOAT = holding('float');
const DOUBLE = holding('double');
const STRING = holding('string');
const BYTES = holding('bytes');
const BOOLEAN = holding('boolean');
const NULL = holding('null');
const NULLABLE_STRING = holding(['null', 'string']);
const STRING_OR_INT = holding(['string', 'int']);
const NULL_STRING_INT = holding(['null', 'string', 'int']);
const NULLABLE_LONG = holding(['null', 'long']);
const NULLABLE_INT = holding(['null', 'int']);
const RGB = holding(enumOf(['RED', 'GREEN', 'BLUE']));
const RG = holding(enumOf(['RED', 'GREEN']));
const RG_WITH_DEFAULT = holding(enumOf(['RED', 'GREEN'], { default: 'RED' }));
const RGB_RENAMED = holding(enumOf(['RED', 'GREEN', 'BLUE'], { name: 'Colour' }));
const RGB_RENAMED_ALIASED = holding(enumOf(['RED', 'GREEN', 'BLUE'], { name: 'Colour', aliases: ['test.ns.Color'] }));
const FIXED16 = holding(fixedOf(16));
const FIXED32 = holding(fixedOf(32));
const FIXED16_DIGEST = holding(fixedOf(16, 'Digest'));
const FIXED16_DIGEST_ALIASED = holding(fixedOf(16, 'Digest', { aliases: ['Hash'] }));
const ARRAY_INT = holding(arrayOf('int'));
const ARRAY_LONG = holding(arrayOf('long'));
const MAP_FLOAT = holding(mapOf('float'));
const MAP_DOUBLE = holding(mapOf('double'));
const MAP_STRING = holding(mapOf('string'));
const ARRAY_STRING = holding(arrayOf('string'));
const ONE_FIELD = record('Event', [field('a', 'string')]);
const ADDED_NO_DEFAULT = record('Event', [field('a', 'string'), field('b', 'int')]);
const ADDED_WITH_DEFAULT = record('Event', [field('a', 'string'), field('b', 'int', { default: 7 })]);
const ADDED_NULL_DEFAULT = record('Event', [field('a', 'string'), field('b', ['null', 'int'], { default: null })]);
const RENAMED_FIELD = record('Event', [field('c', 'string')]);
const RENAMED_FIELD_ALIASED = record('Event', [field('c', 'string', { aliases: ['a'] })]);
const TWO_FIELDS_AB = record('Event', [field('a', 'string'), field('b', 'string')]);
const ALIAS_MATCHES_TWO = record('Event', [field('a', 'string', { aliases: ['b'] })]);
const ENUM_FIELD_WITH_ENUM_DEFAULT = record('Event', [field('a', 'string'), field('c', enumOf(['X', 'Y'], { default: 'X' }))]);
const RECORD_RENAMED = record('Happening', [field('a', 'string')]);
const RECORD_RENAMED_ALIASED = record('Happening', [field('a', 'string')], { aliases: ['test.ns.Event'] });
const RECORD_RENAMED_SHORT_ALIAS = record('Happening', [field('a', 'string')], { aliases: ['Event'] });
const RECORD_OTHER_NAMESPACE = { ...ONE_FIELD, namespace: 'elsewhere' };
const address = (fields: unknown[], name = 'Address') => ({ type: 'record', name, fields });
const NESTED = holding(address([field('street', 'string')]));
const NESTED_ADDED_NO_DEFAULT = holding(address([field('street', 'string'), field('zip', 'string')]));
const NESTED_ADDED_DEFAULT = holding(address([field('street', 'string'), field('zip', 'string', { default: '' })]));
const NESTED_RENAMED = holding(address([field('street', 'string')], 'Location'));
const NULLABLE_NESTED = holding(['null', address([field('street', 'string')])]);
const list = (valueType: string) => ({ type: 'record', name: 'Node', namespace: 'test.ns', fields: [field('value', valueType), field('next', ['null', 'Node'], { default: null })] });
const LIST_INT = list('int');
const LIST_LONG = list('long');
const LIST_STRING = list('string');
const tree = (leaf: string) => ({
  type: 'record', name: 'Tree', namespace: 'test.ns', fields: [
    field('leaf', leaf),
    field('forest', { type: 'record', name: 'Forest', fields: [field('trees', arrayOf('Tree'))] }),
  ],
});
const TREE_INT = tree('int');
const TREE_DOUBLE = tree('double');
const TIMESTAMP = holding({ type: 'long', logicalType: 'timestamp-millis' });
const DECIMAL_10 = holding({ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 });
const DECIMAL_12 = holding({ type: 'bytes', logicalType: 'decimal', precision: 12, scale: 4 });
const MANY_CHANGES_OLD = record('Event', [field('a', 'long'), field('b', 'string'), field('c', enumOf(['A', 'B']))]);
const MANY_CHANGES_NEW = record('Event', [field('a', 'int'), field('b', 'boolean'), field('c', enumOf(['A'])), field('d', 'int')]);

interface Case {
  name: string;
  writer: unknown;
  reader: unknown;
  /** Issues when `reader` reads data written with `writer`. */
  forward: Expected;
  /** Issues when the roles are swapped. */
  reverse: Expected;
}

const CASES: Case[] = [
  // Primitive promotions (specification: int → long, float, double; long → float, double; float → double).
  { name: 'int promotes to long', writer: INT, reader: LONG, forward: OK, reverse: mismatch },
  { name: 'int promotes to float', writer: INT, reader: FLOAT, forward: OK, reverse: mismatch },
  { name: 'int promotes to double', writer: INT, reader: DOUBLE, forward: OK, reverse: mismatch },
  { name: 'long promotes to float', writer: LONG, reader: FLOAT, forward: OK, reverse: mismatch },
  { name: 'long promotes to double', writer: LONG, reader: DOUBLE, forward: OK, reverse: mismatch },
  { name: 'float promotes to double', writer: FLOAT, reader: DOUBLE, forward: OK, reverse: mismatch },
  { name: 'string and bytes read each other', writer: STRING, reader: BYTES, forward: OK, reverse: OK },
  { name: 'boolean and int do not mix', writer: BOOLEAN, reader: INT, forward: mismatch, reverse: mismatch },
  { name: 'null and string do not mix', writer: NULL, reader: STRING, forward: mismatch, reverse: mismatch },
  { name: 'string is not a number', writer: STRING, reader: DOUBLE, forward: mismatch, reverse: mismatch },
  { name: 'identical records', writer: ONE_FIELD, reader: ONE_FIELD, forward: OK, reverse: OK },
  // Fields.
  { name: 'reader field without default is missing in the writer', writer: ONE_FIELD, reader: ADDED_NO_DEFAULT,
    forward: [['$.fields[1]', 'READER_FIELD_MISSING_DEFAULT_VALUE']], reverse: OK },
  { name: 'reader field with default', writer: ONE_FIELD, reader: ADDED_WITH_DEFAULT, forward: OK, reverse: OK },
  { name: 'reader nullable field with null default', writer: ONE_FIELD, reader: ADDED_NULL_DEFAULT, forward: OK, reverse: OK },
  { name: 'renamed field without alias', writer: ONE_FIELD, reader: RENAMED_FIELD,
    forward: [['$.fields[0]', 'READER_FIELD_MISSING_DEFAULT_VALUE']], reverse: [['$.fields[0]', 'READER_FIELD_MISSING_DEFAULT_VALUE']] },
  { name: 'renamed field with reader alias', writer: ONE_FIELD, reader: RENAMED_FIELD_ALIASED,
    forward: OK, reverse: [['$.fields[0]', 'READER_FIELD_MISSING_DEFAULT_VALUE']] },
  { name: 'reader field matching two writer fields by name and alias', writer: TWO_FIELDS_AB, reader: ALIAS_MATCHES_TWO,
    forward: [['$.fields[0]', 'READER_FIELD_AMBIGUOUS']], reverse: [['$.fields[1]', 'READER_FIELD_MISSING_DEFAULT_VALUE']] },
  { name: 'enum default does not stand in for a missing field default', writer: ONE_FIELD, reader: ENUM_FIELD_WITH_ENUM_DEFAULT,
    forward: [['$.fields[1]', 'READER_FIELD_MISSING_DEFAULT_VALUE']], reverse: OK },
  { name: 'every issue is reported, not only the first', writer: MANY_CHANGES_OLD, reader: MANY_CHANGES_NEW,
    forward: [['$.fields[0].type', 'TYPE_MISMATCH'], ['$.fields[1].type', 'TYPE_MISMATCH'], ['$.fields[2].type.symbols', 'MISSING_ENUM_SYMBOLS'], ['$.fields[3]', 'READER_FIELD_MISSING_DEFAULT_VALUE']],
    reverse: [['$.fields[1].type', 'TYPE_MISMATCH']] },
  // Unions.
  { name: 'writer union with a branch the reader lacks', writer: NULLABLE_STRING, reader: STRING,
    forward: [[VALUE, 'TYPE_MISMATCH']], reverse: OK },
  { name: 'reader union gains a branch', writer: NULLABLE_STRING, reader: NULL_STRING_INT,
    forward: OK, reverse: [[VALUE, 'MISSING_UNION_BRANCH']] },
  { name: 'union branch order does not matter', writer: holding(['string', 'null']), reader: NULLABLE_STRING, forward: OK, reverse: OK },
  { name: 'reader union branch reached by promotion', writer: INT, reader: NULLABLE_LONG, forward: OK, reverse: [[VALUE, 'TYPE_MISMATCH'], [VALUE, 'TYPE_MISMATCH']] },
  { name: 'union to union with promotion', writer: NULLABLE_INT, reader: NULLABLE_LONG, forward: OK, reverse: [[VALUE, 'MISSING_UNION_BRANCH']] },
  { name: 'reader union without the writer type', writer: LONG, reader: STRING_OR_INT,
    forward: [[VALUE, 'MISSING_UNION_BRANCH']], reverse: [[VALUE, 'TYPE_MISMATCH']] },
  { name: 'optional nested record', writer: NESTED, reader: NULLABLE_NESTED, forward: OK, reverse: [[VALUE, 'TYPE_MISMATCH']] },
  // Enums.
  { name: 'enum gains a symbol', writer: RG, reader: RGB, forward: OK, reverse: [[`${VALUE}.symbols`, 'MISSING_ENUM_SYMBOLS']] },
  { name: 'enum loses a symbol but has a default', writer: RGB, reader: RG_WITH_DEFAULT, forward: OK, reverse: OK },
  { name: 'enum renamed', writer: RGB, reader: RGB_RENAMED, forward: [[`${VALUE}.name`, 'NAME_MISMATCH']], reverse: [[`${VALUE}.name`, 'NAME_MISMATCH']] },
  { name: 'enum renamed with alias', writer: RGB, reader: RGB_RENAMED_ALIASED, forward: OK, reverse: [[`${VALUE}.name`, 'NAME_MISMATCH']] },
  { name: 'enum vs string', writer: RGB, reader: STRING, forward: mismatch, reverse: mismatch },
  // Fixed.
  { name: 'fixed size changed', writer: FIXED16, reader: FIXED32, forward: [[`${VALUE}.size`, 'FIXED_SIZE_MISMATCH']], reverse: [[`${VALUE}.size`, 'FIXED_SIZE_MISMATCH']] },
  { name: 'fixed renamed', writer: FIXED16, reader: FIXED16_DIGEST, forward: [[`${VALUE}.name`, 'NAME_MISMATCH']], reverse: [[`${VALUE}.name`, 'NAME_MISMATCH']] },
  { name: 'fixed renamed with alias', writer: FIXED16, reader: FIXED16_DIGEST_ALIASED, forward: OK, reverse: [[`${VALUE}.name`, 'NAME_MISMATCH']] },
  { name: 'fixed vs bytes', writer: FIXED16, reader: BYTES, forward: mismatch, reverse: mismatch },
  // Arrays and maps.
  { name: 'array items promoted', writer: ARRAY_INT, reader: ARRAY_LONG, forward: OK, reverse: [[`${VALUE}.items`, 'TYPE_MISMATCH']] },
  { name: 'map values promoted', writer: MAP_FLOAT, reader: MAP_DOUBLE, forward: OK, reverse: [[`${VALUE}.values`, 'TYPE_MISMATCH']] },
  { name: 'array vs map', writer: ARRAY_STRING, reader: MAP_STRING, forward: mismatch, reverse: mismatch },
  // Record names (Java compares unqualified names, then the reader's aliases with the writer's full name).
  { name: 'record renamed', writer: ONE_FIELD, reader: RECORD_RENAMED, forward: [['$.name', 'NAME_MISMATCH']], reverse: [['$.name', 'NAME_MISMATCH']] },
  { name: 'record renamed with full-name alias', writer: ONE_FIELD, reader: RECORD_RENAMED_ALIASED, forward: OK, reverse: [['$.name', 'NAME_MISMATCH']] },
  { name: 'record renamed with alias qualified by its namespace', writer: ONE_FIELD, reader: RECORD_RENAMED_SHORT_ALIAS, forward: OK, reverse: [['$.name', 'NAME_MISMATCH']] },
  { name: 'record namespace changed', writer: ONE_FIELD, reader: RECORD_OTHER_NAMESPACE, forward: OK, reverse: OK },
  // Nested and recursive records.
  { name: 'nested record gains a field without default', writer: NESTED, reader: NESTED_ADDED_NO_DEFAULT,
    forward: [[`${VALUE}.fields[1]`, 'READER_FIELD_MISSING_DEFAULT_VALUE']], reverse: OK },
  { name: 'nested record gains a field with default', writer: NESTED, reader: NESTED_ADDED_DEFAULT, forward: OK, reverse: OK },
  { name: 'nested record renamed', writer: NESTED, reader: NESTED_RENAMED, forward: [[`${VALUE}.name`, 'NAME_MISMATCH']], reverse: [[`${VALUE}.name`, 'NAME_MISMATCH']] },
  { name: 'recursive list promoted', writer: LIST_INT, reader: LIST_LONG, forward: OK, reverse: [['$.fields[0].type', 'TYPE_MISMATCH']] },
  { name: 'recursive list mismatched', writer: LIST_INT, reader: LIST_STRING, forward: [['$.fields[0].type', 'TYPE_MISMATCH']], reverse: [['$.fields[0].type', 'TYPE_MISMATCH']] },
  { name: 'mutually recursive records', writer: TREE_INT, reader: TREE_DOUBLE, forward: OK, reverse: [['$.fields[0].type', 'TYPE_MISMATCH']] },
  // Logical types are ignored, as by Apache Avro's checker: the underlying types decide.
  { name: 'timestamp-millis vs long', writer: TIMESTAMP, reader: LONG, forward: OK, reverse: OK },
  { name: 'timestamp-millis vs int', writer: TIMESTAMP, reader: INT, forward: mismatch, reverse: OK },
  { name: 'decimal precision and scale changed', writer: DECIMAL_10, reader: DECIMAL_12, forward: OK, reverse: OK },
  // Top-level non-record schemas.
  { name: 'top-level primitives', writer: 'int', reader: 'long', forward: OK, reverse: [['$', 'TYPE_MISMATCH']] },
  { name: 'top-level unions', writer: ['null', 'int'], reader: ['null', 'int', 'string'], forward: OK, reverse: [['$', 'MISSING_UNION_BRANCH']] },
];

const issuesOf = (reader: unknown, writer: unknown) => avro.backwardIssues(avro.parse(text(reader)), avro.parse(text(writer)));
const shape = (issues: Array<{ path: string; rule: string }>) => issues.map((i) => [i.path, i.rule]);

describe('Avro resolution rules', () => {
  it.each(CASES)('$name: reader reads writer', ({ writer, reader, forward }) => {
    expect(shape(issuesOf(reader, writer))).toEqual(forward);
  });
  it.each(CASES)('$name: roles swapped', ({ writer, reader, reverse }) => {
    expect(shape(issuesOf(writer, reader))).toEqual(reverse);
  });

  it('messages name the field and say what to do', () => {
    const [missing] = issuesOf(ADDED_NO_DEFAULT, ONE_FIELD);
    expect(missing!.message).toMatch(/field "b" of record test\.ns\.Event/);
    expect(missing!.message).toMatch(/add a "default"/);
    const [enumIssue] = issuesOf(RG, RGB);
    expect(enumIssue!.message).toMatch(/BLUE/);
  });

  // The time it takes is measured by bench/registry.ts (BENCHMARKS.md); here, the work: one
  // resolution per existing version and direction, never more.
  it('checks a 200-field record against 100 versions transitively, both ways, one comparison per pair', () => {
    const wide = (version: number) => {
      const fields: unknown[] = Array.from({ length: 200 }, (_, i) => field(`f${i}`, i % 3 === 0 ? 'long' : i % 3 === 1 ? 'string' : ['null', 'double'], i % 3 === 2 ? { default: null } : {}));
      for (let v = 0; v < version; v++) fields.push(field(`added_${v}`, ['null', 'string'], { default: null }));
      return avro.parse(text(record('Wide', fields)));
    };
    const existing = Array.from({ length: 100 }, (_, v) => wide(v));
    const candidate = wide(100);
    let comparisons = 0;
    const counting = { backwardIssues: (reader: ParsedSchema, writer: ParsedSchema) => { comparisons++; return avro.backwardIssues(reader, writer); } };
    const verdict = checkCompatibility({ provider: counting, candidate, existing, level: 'FULL_TRANSITIVE' });
    expect(verdict.compatible).toBe(true);
    expect(comparisons).toBe(2 * existing.length);
    comparisons = 0;
    expect(checkCompatibility({ provider: counting, candidate, existing, level: 'FULL' }).compatible).toBe(true);
    expect(comparisons).toBe(2);
    // The same check notices one incompatible version.
    const broken = avro.parse(text(record('Wide', [field('f0', 'string')])));
    expect(checkCompatibility({ provider: avro, candidate, existing: [...existing, broken], level: 'FULL_TRANSITIVE' }).compatible).toBe(false);
  });
});

// The broker's validator (Avro's SchemaValidator) differs from SchemaCompatibility on exactly these
// points; the live oracle test checks the same model against the real broker.
describe('Avro resolution, pulsar-validator dialect', () => {
  const pulsar = makeAvroProvider({ dialect: 'pulsar-validator' });
  const LOCATION_OR_NULL = holding(['null', { type: 'record', name: 'Location', fields: [field('street', 'string')] }]);
  const ZIP_OR_NULL = holding(['null', { type: 'record', name: 'Location', fields: [field('zip', 'int')] }]);
  const DIALECT: Array<{ name: string; writer: unknown; reader: unknown; strict: Expected; validator: Expected }> = [
    { name: 'record renamed', writer: ONE_FIELD, reader: RECORD_RENAMED, strict: [['$.name', 'NAME_MISMATCH']], validator: OK },
    { name: 'nested record renamed', writer: NESTED, reader: NESTED_RENAMED, strict: [[`${VALUE}.name`, 'NAME_MISMATCH']], validator: OK },
    { name: 'enum symbol removed', writer: RGB, reader: RG, strict: [[`${VALUE}.symbols`, 'MISSING_ENUM_SYMBOLS']], validator: OK },
    { name: 'record renamed into a union, same structure', writer: NESTED, reader: LOCATION_OR_NULL, strict: [[VALUE, 'MISSING_UNION_BRANCH']], validator: OK },
    { name: 'record renamed into a union, other structure', writer: NESTED, reader: ZIP_OR_NULL, strict: [[VALUE, 'MISSING_UNION_BRANCH']], validator: [[VALUE, 'MISSING_UNION_BRANCH']] },
    { name: 'enum renamed (names still matter for enums)', writer: RGB, reader: RGB_RENAMED, strict: [[`${VALUE}.name`, 'NAME_MISMATCH']], validator: [[`${VALUE}.name`, 'NAME_MISMATCH']] },
    { name: 'fixed size changed', writer: FIXED16, reader: FIXED32, strict: [[`${VALUE}.size`, 'FIXED_SIZE_MISMATCH']], validator: [[`${VALUE}.size`, 'FIXED_SIZE_MISMATCH']] },
    { name: 'missing field default', writer: ONE_FIELD, reader: ADDED_NO_DEFAULT, strict: [['$.fields[1]', 'READER_FIELD_MISSING_DEFAULT_VALUE']], validator: [['$.fields[1]', 'READER_FIELD_MISSING_DEFAULT_VALUE']] },
    { name: 'promotion into a union picks the first promotable branch', writer: INT, reader: holding(['null', 'float', 'long']), strict: OK, validator: OK },
  ];
  it.each(DIALECT)('$name', ({ writer, reader, strict, validator }) => {
    const r = text(reader);
    const w = text(writer);
    expect(shape(avro.backwardIssues(avro.parse(r), avro.parse(w)))).toEqual(strict);
    expect(shape(pulsar.backwardIssues(pulsar.parse(r), pulsar.parse(w)))).toEqual(validator);
  });
});
