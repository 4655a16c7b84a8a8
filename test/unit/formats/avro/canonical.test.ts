// Parsing Canonical Form, per the Avro specification's transformation rules, and the fingerprint.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAvroProvider } from '../../../../src/core/formats/avro/provider.js';

const avro = makeAvroProvider();

const CASES: Array<{ name: string; schema: string; canonical: string }> = [
  { name: 'PRIMITIVES: bare name', schema: '"int"', canonical: '"int"' },
  { name: 'PRIMITIVES: object form collapses', schema: '{"type": "int"}', canonical: '"int"' },
  { name: 'STRIP: logical type dropped', schema: '{"type": "long", "logicalType": "timestamp-millis"}', canonical: '"long"' },
  { name: 'FULLNAMES + ORDER: record', schema: '{"fields": [{"type": "int", "name": "a", "doc": "x", "default": 1}], "namespace": "x.y", "type": "record", "name": "Foo"}',
    canonical: '{"name":"x.y.Foo","type":"record","fields":[{"name":"a","type":"int"}]}' },
  { name: 'FULLNAMES: dotted name wins over namespace', schema: '{"type":"record","name":"a.b.R","namespace":"ignored","fields":[]}', canonical: '{"name":"a.b.R","type":"record","fields":[]}' },
  { name: 'FULLNAMES: references inherit the namespace; later uses are names', schema: '{"type":"record","name":"Node","namespace":"ll","fields":[{"name":"next","type":["null","Node"]}]}',
    canonical: '{"name":"ll.Node","type":"record","fields":[{"name":"next","type":["null","ll.Node"]}]}' },
  { name: 'PRIMITIVES: an error is written as a record', schema: '{"type":"error","name":"Oops","fields":[{"name":"why","type":"string"}]}', canonical: '{"name":"Oops","type":"record","fields":[{"name":"why","type":"string"}]}' },
  { name: 'STRIP: enum doc, aliases and default', schema: '{"type":"enum","name":"E","doc":"d","aliases":["F"],"symbols":["A","B"],"default":"A"}', canonical: '{"name":"E","type":"enum","symbols":["A","B"]}' },
  { name: 'ORDER: fixed', schema: '{"size":16,"type":"fixed","namespace":"h","name":"MD5","aliases":["x"]}', canonical: '{"name":"h.MD5","type":"fixed","size":16}' },
  { name: 'ORDER: array and map', schema: '{"items":{"values":"long","type":"map"},"type":"array"}', canonical: '{"type":"array","items":{"type":"map","values":"long"}}' },
  { name: 'WHITESPACE: union', schema: '[ "null" , { "type" : "string" } ]', canonical: '["null","string"]' },
  { name: 'STRINGS: escaped', schema: '{"type":"enum","name":"E","symbols":["A_\\u0042"]}', canonical: '{"name":"E","type":"enum","symbols":["A_B"]}' },
];

describe('Avro Parsing Canonical Form', () => {
  it.each(CASES)('$name', ({ schema, canonical }) => {
    const parsed = avro.parse(schema);
    expect(parsed.canonical).toBe(canonical);
    expect(parsed.fingerprint).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('gives schemas that differ only in docs, defaults and aliases the same fingerprint', () => {
    const a = avro.parse('{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}');
    const b = avro.parse('{"type":"record","name":"R","doc":"d","aliases":["Q"],"fields":[{"name":"a","type":"int","default":5,"aliases":["z"]}]}');
    const c = avro.parse('{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}');
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('keeps the original document (logical types, defaults) for the compatibility checker', () => {
    const parsed = avro.parse('{"type":"long","logicalType":"timestamp-millis"}');
    expect((parsed.native as { document: unknown }).document).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
  });
});
