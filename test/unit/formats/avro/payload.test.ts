// Payload checks: decoding with the writer schema, resolving into the reader's shape, and refusing
// malformed or hostile bytes with a problem instead of an exception or a hang.
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { makeAvroProvider } from '../../../../src/core/formats/avro/provider.js';
import { arrayOf, enumOf, field, fixedOf, mapOf, record, text } from './schemas.js';

const avro = makeAvroProvider();
/** Bytes as an independent encoder writes them (plain avsc, not dagpact's decoding setup). */
const encode = (schema: unknown, value: unknown) => avsc.Type.forSchema(schema as avsc.Schema).toBuffer(value);

const ORDER_V1 = record('Order', [
  field('id', 'long'), field('qty', 'int'), field('note', ['null', 'string']), field('status', enumOf(['NEW', 'PAID'])),
  field('tags', arrayOf('string')), field('attrs', mapOf('int')), field('hash', fixedOf(2)), field('raw', 'bytes'),
]);
const ORDER_V2 = record('Order', [
  field('id', 'long'), field('qty', 'double'), field('note', ['null', 'string']), field('status', enumOf(['NEW', 'PAID', 'SHIPPED'])),
  field('currency', 'string', { default: 'EUR' }),
]);
const ORDER_NEEDS_FIELD = record('Order', [field('id', 'long'), field('customer', 'string')]);
const V1_VALUE = { id: 42, qty: 3, note: 'gift', status: 'PAID', tags: ['a', 'b'], attrs: { x: 1 }, hash: Buffer.from([1, 2]), raw: Buffer.from('hi') };

const writer = avro.parse(text(ORDER_V1));
const reader = avro.parse(text(ORDER_V2));
const good = encode(ORDER_V1, V1_VALUE);

describe('Avro payload checks', () => {
  it('decodes with the writer schema into plain JSON', () => {
    expect(avro.checkPayload(good, writer)).toEqual({
      ok: true,
      value: { id: 42, qty: 3, note: 'gift', status: 'PAID', tags: ['a', 'b'], attrs: { x: 1 }, hash: 'AQI=', raw: 'aGk=' },
    });
    expect(JSON.parse(JSON.stringify(avro.checkPayload(good, writer)))).toEqual(avro.checkPayload(good, writer));
  });

  it('resolves into the reader shape: promotion, dropped fields, defaults', () => {
    expect(avro.checkPayload(good, writer, reader)).toEqual({
      ok: true, value: { id: 42, qty: 3, note: 'gift', status: 'PAID', currency: 'EUR' },
    });
  });

  it('keeps longs beyond 2^53 exact, as strings', () => {
    const schema = record('L', [field('n', 'long'), field('m', 'long')]);
    const bytes = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01]); // zig-zag: 2^63-1, -1
    expect(avro.checkPayload(bytes, avro.parse(text(schema)))).toEqual({ ok: true, value: { n: '9223372036854775807', m: -1 } });
  });

  it('refuses a reader that cannot read the writer, naming the rule', () => {
    const res = avro.checkPayload(good, writer, avro.parse(text(ORDER_NEEDS_FIELD)));
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.problems).toEqual([expect.objectContaining({ path: '$.fields[1]', message: expect.stringContaining('READER_FIELD_MISSING_DEFAULT_VALUE') })]);
  });

  const simple = avro.parse(text(record('S', [field('name', 'string'), field('ok', 'boolean'), field('pick', ['null', 'int'])])));
  const list = avro.parse(text(record('Node', [field('next', ['null', 'Node'], { default: null })])));
  const nulls = avro.parse(text(record('N', [field('items', arrayOf('null'))])));
  const ints = avro.parse(text(record('I', [field('items', arrayOf('int'))])));
  const colour = avro.parse(text(record('C', [field('c', enumOf(['R', 'G']))])));
  const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
  const MALFORMED: Array<{ name: string; schema: typeof simple; bytes: number[]; path: string; message: RegExp }> = [
    { name: 'empty payload', schema: simple, bytes: [], path: '$.name', message: /ends inside/ },
    { name: 'truncated string', schema: simple, bytes: [zigzag(5), 0x61, 0x62], path: '$.name', message: /needs 5 more bytes/ },
    { name: 'negative string length', schema: simple, bytes: [zigzag(-3)], path: '$.name', message: /negative length/ },
    { name: 'boolean byte other than 0 or 1', schema: simple, bytes: [0, 7, 0], path: '$.ok', message: /0 or 1/ },
    { name: 'union index out of range', schema: simple, bytes: [0, 1, zigzag(5)], path: '$.pick', message: /out of range/ },
    { name: 'trailing bytes', schema: simple, bytes: [0, 1, 0, 9, 9], path: '$', message: /trailing bytes/ },
    { name: 'enum index out of range', schema: colour, bytes: [zigzag(2)], path: '$.c', message: /enum index 2/ },
    { name: 'varint longer than 10 bytes', schema: ints, bytes: Array(11).fill(0xff), path: '$.items', message: /longer than 10 bytes/ },
    { name: 'block count larger than the payload', schema: ints, bytes: [0xfe, 0xff, 0xff, 0xff, 0x0f, 2], path: '$.items', message: /declares .* items/ },
    { name: 'billions of zero-byte items', schema: nulls, bytes: [0xfe, 0xff, 0xff, 0xff, 0x0f, 0], path: '$.items', message: /empty items/ },
    { name: 'nesting deeper than any real message', schema: list, bytes: [...Array(5000).fill(2), 0], path: '$', message: /nested more than/ },
  ];
  it.each(MALFORMED)('refuses a malformed payload: $name', ({ schema, bytes, path, message }) => {
    const res = avro.checkPayload(Uint8Array.from(bytes), schema);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.problems[0]!.path.startsWith(path)).toBe(true);
      expect(res.problems[0]!.message).toMatch(message);
    }
  });

  it('accepts a modest recursive payload', () => {
    const bytes = Uint8Array.from([...Array(50).fill(2), 0]);
    const res = avro.checkPayload(bytes, list);
    expect(res.ok).toBe(true);
  });

  it('caches resolvers but still honours a different reader default with the same fingerprint', () => {
    const a = avro.parse(text(record('Order', [field('id', 'long'), field('currency', 'string', { default: 'EUR' })])));
    const b = avro.parse(text(record('Order', [field('id', 'long'), field('currency', 'string', { default: 'USD' })])));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(avro.checkPayload(good, writer, a)).toMatchObject({ value: { currency: 'EUR' } });
    expect(avro.checkPayload(good, writer, b)).toMatchObject({ value: { currency: 'USD' } });
  });
});
