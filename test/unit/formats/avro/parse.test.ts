// Parsing: invalid schemas are refused with one problem per mistake, each at a JSON path; valid ones
// (recursion, references, named-type references in object form, logical types) are accepted.
import { describe, expect, it } from 'vitest';
import { DagpactError } from '../../../../src/core/errors.js';
import { makeAvroProvider } from '../../../../src/core/formats/avro/provider.js';
import { arrayOf, enumOf, field, fixedOf, holding, mapOf, record, text } from './schemas.js';

const avro = makeAvroProvider();

function problemsOf(schemaText: string, references?: Array<{ name: string; schema: string }>) {
  try {
    avro.parse(schemaText, references);
  } catch (e) {
    expect(e).toBeInstanceOf(DagpactError);
    expect((e as DagpactError).code).toBe('INVALID_SCHEMA');
    return ((e as DagpactError).details as { problems: Array<{ path: string; message: string }> }).problems;
  }
  return [];
}

let deep: unknown = 'int';
for (let i = 0; i < 300; i++) deep = arrayOf(deep);

const INVALID: Array<{ name: string; schema: string; path: string; message: RegExp }> = [
  { name: 'not JSON', schema: '{"type": "record",', path: '$', message: /not valid JSON/ },
  { name: 'unknown type', schema: text(record('R', [field('a', 'int'), field('b', 'long'), field('c', 'strin')])), path: '$.fields[2].type', message: /unknown type "strin"/ },
  { name: 'record without a name', schema: text({ type: 'record', fields: [] }), path: '$.name', message: /must have a name/ },
  { name: 'record without fields', schema: text({ type: 'record', name: 'R' }), path: '$.fields', message: /a record needs "fields"/ },
  { name: 'duplicate field names', schema: text(record('R', [field('a', 'int'), field('a', 'long')])), path: '$.fields[1].name', message: /must be unique/ },
  { name: 'invalid field name', schema: text(record('R', [field('a-b', 'int')])), path: '$.fields[0].name', message: /not a valid field name/ },
  { name: 'field without type', schema: text(record('R', [{ name: 'a' }])), path: '$.fields[0].type', message: /needs a type/ },
  { name: 'invalid record name', schema: text(record('9lives', [])), path: '$.name', message: /not a valid Avro name/ },
  { name: 'invalid namespace', schema: text({ ...record('R', []), namespace: 'a..b' }), path: '$.namespace', message: /namespace "a\.\.b" is not valid/ },
  { name: 'named after a primitive', schema: text({ type: 'record', name: 'string', fields: [] }), path: '$.name', message: /primitive type name/ },
  { name: 'int default is a string', schema: text(record('R', [field('a', 'int', { default: 'x' })])), path: '$.fields[0].default', message: /not a 32-bit integer/ },
  { name: 'int default out of range', schema: text(record('R', [field('a', 'int', { default: 2 ** 31 })])), path: '$.fields[0].default', message: /32-bit/ },
  { name: 'union default matches a later branch', schema: text(record('R', [field('a', ['null', 'string'], { default: 'x' })])), path: '$.fields[0].default', message: /first branch/ },
  { name: 'record default lacks a field', schema: text(holding(record('Inner', [field('x', 'int')]), [])).replace('"type":{"type":"record"', '"default":{},"type":{"type":"record"'), path: '$.fields[0].default', message: /lacks field "x"/ },
  { name: 'bytes default with wide characters', schema: text(record('R', [field('a', 'bytes', { default: '\u20ac' })])), path: '$.fields[0].default', message: /byte characters/ },
  { name: 'enum with duplicate symbols', schema: text(holding(enumOf(['A', 'A']))), path: '$.fields[0].type.symbols[1]', message: /listed twice/ },
  { name: 'enum with an invalid symbol', schema: text(holding(enumOf(['A', 'not ok']))), path: '$.fields[0].type.symbols[1]', message: /not a valid enum symbol/ },
  { name: 'enum without symbols', schema: text(holding({ type: 'enum', name: 'E' })), path: '$.fields[0].type.symbols', message: /an enum needs "symbols"/ },
  { name: 'enum default not a symbol', schema: text(holding(enumOf(['A'], { default: 'B' }))), path: '$.fields[0].type.default', message: /not one of the enum's symbols/ },
  { name: 'enum field default not a symbol', schema: text(record('R', [field('a', enumOf(['A']), { default: 'B' })])), path: '$.fields[0].default', message: /one of the symbols/ },
  { name: 'fixed without size', schema: text({ type: 'fixed', name: 'F' }), path: '$.size', message: /needs "size"/ },
  { name: 'fixed with a negative size', schema: text(fixedOf(-1)), path: '$.size', message: /non-negative integer/ },
  { name: 'fixed default of the wrong length', schema: text(record('R', [field('a', fixedOf(2), { default: 'abc' })])), path: '$.fields[0].default', message: /2 byte characters/ },
  { name: 'array without items', schema: text(holding({ type: 'array' })), path: '$.fields[0].type.items', message: /needs "items"/ },
  { name: 'map without values', schema: text(holding({ type: 'map' })), path: '$.fields[0].type.values', message: /needs "values"/ },
  { name: 'array default not an array', schema: text(record('R', [field('a', arrayOf('int'), { default: 1 })])), path: '$.fields[0].default', message: /not an array/ },
  { name: 'map default with a bad value', schema: text(record('R', [field('a', mapOf('int'), { default: { k: 'v' } })])), path: '$.fields[0].default', message: /32-bit integer/ },
  { name: 'empty union', schema: text(holding([])), path: '$.fields[0].type', message: /empty union/ },
  { name: 'union inside a union', schema: text(holding(['null', ['int', 'string']])), path: '$.fields[0].type[1]', message: /may not directly contain another union/ },
  { name: 'duplicate union branch', schema: text(holding(['string', 'int', 'string'])), path: '$.fields[0].type[2]', message: /only once/ },
  { name: 'two arrays in a union', schema: text(holding([arrayOf('int'), arrayOf('string')])), path: '$.fields[0].type[1]', message: /only once/ },
  { name: 'named type defined twice', schema: text(record('R', [field('a', fixedOf(1)), field('b', fixedOf(2))])), path: '$.fields[1].type.name', message: /already defined/ },
  { name: 'type attribute holding an object', schema: text(holding({ type: { type: 'string' } })), path: '$.fields[0].type.type', message: /must be a string/ },
  { name: 'complex type named as a string', schema: text(holding('array')), path: '$.fields[0].type', message: /write it as an object/ },
  { name: 'type attribute missing', schema: text(holding({ items: 'int' })), path: '$.fields[0].type', message: /no "type" attribute/ },
  { name: 'a number as a schema', schema: '42', path: '$', message: /a type must be/ },
  { name: 'nested too deeply', schema: text(deep), path: '$', message: /nested more than/ },
  { name: 'invalid field order', schema: text(record('R', [field('a', 'int', { order: 'up' })])), path: '$.fields[0].order', message: /ascending/ },
  { name: 'named type used before it is defined', schema: text(record('R', [field('a', 'Later'), field('b', fixedOf(1, 'Later'))])), path: '$.fields[0].type', message: /define the named type before its first use/ },
];

describe('Avro parse: invalid schemas', () => {
  it.each(INVALID)('$name', ({ schema, path, message }) => {
    const problems = problemsOf(schema);
    const match = problems.find((p) => p.path === path);
    expect(match, JSON.stringify(problems)).toBeDefined();
    expect(match!.message).toMatch(message);
  });

  it('reports every mistake, not only the first', () => {
    const problems = problemsOf(text(record('R', [field('a', 'strin'), field('b', 'int', { default: 'x' }), field('c', enumOf(['A', 'A']))])));
    expect(problems.map((p) => p.path)).toEqual(['$.fields[0].type', '$.fields[1].default', '$.fields[2].type.symbols[1]']);
  });

  it('never lets anything but INVALID_SCHEMA escape on odd input', () => {
    const odd = ['null', 'true', '[]', '{}', '""', '"Nope"', '{"type":null}', '{"type":"record","name":"R","fields":[null]}',
      '{"type":"record","name":"R","fields":{"a":1}}', '{"type":"enum","name":"E","symbols":"A"}', '[[[]]]',
      '{"type":"record","name":"R","fields":[{"name":"a","type":"R","default":{}}]}', '{"type":"fixed","name":"F","size":1e400}'];
    for (const schema of odd) {
      const problems = problemsOf(schema);
      expect(problems.length, schema).toBeGreaterThan(0);
    }
  });
});

describe('Avro parse: valid schemas', () => {
  const VALID: Array<{ name: string; schema: unknown }> = [
    { name: 'every primitive', schema: record('R', ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'].map((t) => field(`f_${t}`, t))) },
    { name: 'a bare primitive', schema: 'string' },
    { name: 'a top-level union', schema: ['null', 'string', record('R', [])] },
    { name: 'recursive list', schema: record('Node', [field('next', ['null', 'Node'], { default: null })]) },
    { name: 'named type referred to in object form', schema: record('R', [field('a', fixedOf(4)), field('b', { type: 'Hash' })]) },
    { name: 'named type referred to by full name', schema: record('R', [field('a', fixedOf(4)), field('b', 'test.ns.Hash')]) },
    { name: 'error type', schema: { type: 'error', name: 'Oops', fields: [field('why', 'string')] } },
    { name: 'logical types', schema: record('R', [field('t', { type: 'long', logicalType: 'timestamp-millis' }), field('d', { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }), field('u', { type: 'string', logicalType: 'uuid' })]) },
    { name: 'defaults of every kind', schema: record('R', [
      field('a', arrayOf('int'), { default: [1, 2] }), field('m', mapOf('string'), { default: { k: 'v' } }),
      field('e', enumOf(['A', 'B']), { default: 'B' }), field('f', fixedOf(2), { default: '\u00ff\u0000' }),
      field('r', record('Inner', [field('x', 'int', { default: 1 }), field('y', 'string')]), { default: { y: 'z' } }),
      field('u', ['int', 'null'], { default: 3 }), field('n', ['null', 'int'], { default: null }),
    ]) },
    { name: 'dotted name sets the namespace', schema: { type: 'record', name: 'a.b.R', fields: [field('x', fixedOf(1)), field('y', 'a.b.Hash')] } },
  ];
  it.each(VALID)('$name', ({ schema }) => {
    const parsed = avro.parse(text(schema));
    expect(parsed.format).toBe('AVRO');
    expect(parsed.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resolves named types from references by full name', () => {
    const money = text({ type: 'record', name: 'Money', namespace: 'shop', fields: [field('cents', 'long'), field('currency', fixedOf(3, 'Currency'))] });
    const order = text(record('Order', [field('total', 'shop.Money'), field('code', 'shop.Currency')]));
    expect(problemsOf(order)[0]?.path).toBe('$.fields[0].type');
    const parsed = avro.parse(order, [{ name: 'shop.Money', schema: money }]);
    // The referenced definition is part of the canonical form, so its content changes the fingerprint.
    expect(parsed.canonical).toContain('"name":"shop.Money"');
    const other = avro.parse(order, [{ name: 'shop.Money', schema: money.replace('"long"', '"int"') }]);
    expect(other.fingerprint).not.toBe(parsed.fingerprint);
  });

  it('reports problems inside a reference at the reference', () => {
    const problems = problemsOf(text(record('Order', [field('t', 'shop.Money')])), [{ name: 'shop.Money', schema: '{"type":"record","name":"shop.Money"}' }]);
    expect(problems[0]?.path).toBe('$.references[0].fields');
  });
});
