// The byte-wise transcoder against avsc's resolving decode and encode: for each pair of schemas, seeded
// random values of the writer are encoded by plain avsc, transcoded, and the bytes must equal what avsc
// writes after resolving the writer into the reader. Pairs the plan leaves to avsc must say so.
import avsc from 'avsc';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeAvroProvider, type AvroNative } from '../../../../src/core/formats/avro/provider.js';
import { makeTranscoder } from '../../../../src/core/formats/avro/transcode.js';
import { scanPayload } from '../../../../src/core/formats/avro/payload.js';
import { arrayOf, enumOf, field, fixedOf, holding, mapOf, record, text } from './schemas.js';

const avro = makeAvroProvider();
const native = (schema: unknown) => avro.parse(text(schema)).native as AvroNative;
/** The same defaults the provider gives the plan: avsc's encoding of each reader field's default. */
const defaultsOf = (reader: AvroNative) => (rec: { fullName: string }, _f: unknown, i: number) => {
  const f = (reader.named[rec.fullName] as unknown as { fields: Array<{ type: avsc.Type; defaultValue(): unknown }> }).fields[i]!;
  const v = f.defaultValue();
  return v === undefined ? undefined : new Uint8Array(f.type.toBuffer(v));
};
/** The plan's output, which must not be a refusal. */
const must = (bytes: Uint8Array | undefined): Uint8Array => { if (!bytes) throw new Error('the plan left the payload to avsc'); return bytes; };
const plan = (readerSchema: unknown, writerSchema: unknown) => {
  const r = native(readerSchema);
  return makeTranscoder(r.root, native(writerSchema).root, defaultsOf(r));
};
/** What avsc writes for the writer's bytes read as the reader (the reference). */
function viaAvsc(readerSchema: unknown, writerSchema: unknown, bytes: Buffer): Buffer {
  const r = avsc.Type.forSchema(readerSchema as avsc.Schema, { wrapUnions: true });
  const w = avsc.Type.forSchema(writerSchema as avsc.Schema, { wrapUnions: true });
  const { value, offset } = r.decode(bytes, 0, r.createResolver(w, { ignoreNamespaces: true }));
  expect(offset).toBe(bytes.length);
  return r.toBuffer(value);
}

/** Math.random made repeatable, so avsc's random values are the same on every run. */
function seedRandom(seed: number): void {
  let s = seed >>> 0;
  vi.spyOn(Math, 'random').mockImplementation(() => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  });
}
afterEach(() => { vi.restoreAllMocks(); });

const ORDER = record('Order', [field('id', 'long'), field('sku', 'string'), field('amount', 'double')]);
const ORDER_REORDERED = record('Order', [field('amount', 'double'), field('id', 'long'), field('note', 'string', { default: '' }), field('sku', 'string')]);
const LINE = record('Line', [field('sku', 'string'), field('qty', 'int')]);
const LINE_V2 = record('Line', [field('qty', 'long'), field('sku', 'string'), field('unit', ['null', 'string'], { default: null })]);
const LIST = record('Node', [field('value', 'int'), field('next', ['null', 'Node'], { default: null })]);
const LIST_V2 = record('Node', [field('next', ['null', 'Node'], { default: null }), field('value', 'long'), field('tag', 'string', { default: 't' })]);

const TRANSCODED: Array<{ name: string; writer: unknown; reader: unknown }> = [
  { name: 'fields reordered and one the reader lacks dropped (the benchmark pair)', writer: ORDER_REORDERED, reader: ORDER },
  { name: 'fields reordered and one added with a default', writer: ORDER, reader: ORDER_REORDERED },
  { name: 'a field renamed through an alias', writer: record('R', [field('a', 'int'), field('old', 'string')]), reader: record('R', [field('a', 'int'), field('new', 'string', { aliases: ['old'] })]) },
  { name: 'one writer field read by the reader twice (name and alias)', writer: record('R', [field('x', 'int')]), reader: record('R', [field('x', 'int'), field('y', 'int', { aliases: ['x'] })]) },
  { name: 'int promoted to double and float', writer: record('P', [field('a', 'int'), field('b', 'int')]), reader: record('P', [field('a', 'double'), field('b', 'float')]) },
  { name: 'float promoted to double', writer: holding('float'), reader: holding('double') },
  { name: 'string read as bytes', writer: record('B', [field('s', 'string'), field('n', 'int')]), reader: record('B', [field('n', 'int'), field('s', 'bytes')]) },
  { name: 'an enum whose symbols moved and grew', writer: holding(enumOf(['A', 'B', 'C'])), reader: holding(enumOf(['C', 'X', 'B', 'A'])) },
  { name: 'a nullable field whose branches swapped', writer: holding(['null', 'string']), reader: holding(['string', 'null']) },
  { name: 'a plain field read by a union', writer: holding('string'), reader: holding(['null', 'string']) },
  { name: 'a union read by one promoted type', writer: holding(['int', 'long']), reader: holding('long') },
  { name: 'union branches promoted (int into long)', writer: holding(['null', 'int']), reader: holding(['long', 'null']) },
  { name: 'records inside an array change', writer: holding(arrayOf(LINE)), reader: holding(arrayOf(LINE_V2)) },
  { name: 'records inside a map change', writer: holding(mapOf(LINE)), reader: holding(mapOf(LINE_V2)) },
  { name: 'map values promoted', writer: holding(mapOf('int')), reader: holding(mapOf('double')) },
  { name: 'a recursive list with fields reordered and added', writer: LIST, reader: LIST_V2 },
  {
    name: 'added fields with defaults of every kind',
    writer: record('D', [field('id', 'int')]),
    reader: record('D', [
      field('id', 'int'),
      field('n', ['null', 'string'], { default: null }), field('s', ['string', 'null'], { default: 'x' }),
      field('l', 'long', { default: 12345678901 }), field('d', 'double', { default: 1.5 }), field('f', 'float', { default: 0.25 }),
      field('b', 'bytes', { default: '\u00ff\u0000' }), field('h', fixedOf(2), { default: '\u0001\u0002' }),
      field('e', enumOf(['A', 'B']), { default: 'B' }), field('a', arrayOf('int'), { default: [1, 2] }),
      field('m', mapOf('string'), { default: { k: 'v' } }), field('r', record('In', [field('x', 'int')]), { default: { x: 7 } }),
      field('t', 'boolean', { default: true }),
    ]),
  },
  {
    name: 'a nested record whose namespace differs',
    writer: record('Outer', [field('in', { type: 'record', name: 'In', namespace: 'w', fields: [field('a', 'int'), field('b', 'string')] })]),
    reader: record('Outer', [field('in', { type: 'record', name: 'In', namespace: 'r', fields: [field('b', 'string'), field('a', 'int')] })]),
  },
];

describe('Avro byte-wise transcoding', () => {
  it.each(TRANSCODED)('$name: the same bytes as avsc for 200 random values', ({ writer, reader }) => {
    const transcode = plan(reader, writer);
    expect(transcode).toBeDefined();
    const w = native(writer);
    const plainWriter = avsc.Type.forSchema(writer as avsc.Schema, { wrapUnions: true });
    seedRandom(7);
    for (let i = 0; i < 200; i++) {
      const bytes = plainWriter.toBuffer(plainWriter.random());
      expect(scanPayload(bytes, w.root)).toEqual([]);
      expect(Buffer.from(must(transcode!(bytes))).toString('hex')).toBe(viaAvsc(reader, writer, bytes).toString('hex'));
    }
  });

  it('copies the payload itself when only names, docs or namespaces differ', () => {
    const writer = record('R', [field('a', 'int'), field('b', arrayOf('string'))], { doc: 'w' });
    const reader = { ...record('R', [field('a', 'long', { doc: 'promoted' }), field('b', arrayOf('string'))]), namespace: 'other' };
    const bytes = avsc.Type.forSchema(writer as avsc.Schema).toBuffer({ a: 5, b: ['x'] });
    expect(plan(reader, writer)!(bytes)).toBe(bytes);
  });

  it('reads blocks written with byte sizes (negative counts) as avsc does', () => {
    const writer = holding(arrayOf(LINE), [field('after', 'string')]);
    const reader = holding(arrayOf(LINE_V2), [field('after', 'string')]);
    // value: one block of 2 items with its byte size, then the end; then "after" = "z".
    const items = Buffer.concat([Buffer.from([2, 0x61, 2]), Buffer.from([2, 0x62, 4])]); // {sku:"a",qty:1}, {sku:"b",qty:2}
    const bytes = Buffer.concat([Buffer.from([3, items.length * 2]), items, Buffer.from([0, 2, 0x7a])]);
    expect(scanPayload(bytes, native(writer).root)).toEqual([]);
    expect(Buffer.from(must(plan(reader, writer)!(bytes))).toString('hex')).toBe(viaAvsc(reader, writer, bytes).toString('hex'));
    // Copied whole when the reader only reorders around it: the block keeps its byte size, which is
    // another valid encoding of the same value.
    const reordered = record('Event', [field('after', 'string'), field('value', arrayOf(LINE))]);
    const out = Buffer.from(must(plan(reordered, writer)!(bytes)));
    expect(out.toString('hex')).toBe(`027a${Buffer.from([3, items.length * 2]).toString('hex')}${items.toString('hex')}00`);
    const readerType = avsc.Type.forSchema(reordered as avsc.Schema);
    expect(readerType.fromBuffer(out)).toEqual(readerType.fromBuffer(viaAvsc(reordered, writer, bytes)));
  });

  it('leaves to avsc a payload whose nesting would make the plan walk it more than a few times', () => {
    // A list 90 nodes deep (180 levels of nesting; the scan allows 200): each reordered node is found by skipping the rest of the list, so the plan
    // would walk it once per level. It gives up past its budget and the provider decodes with avsc.
    const deep = (depth: number): unknown => (depth === 0 ? { value: 0, next: null } : { value: depth, next: { 'test.ns.Node': deep(depth - 1) } });
    const writerType = avsc.Type.forSchema(LIST as avsc.Schema, { wrapUnions: true });
    const shallow = writerType.toBuffer(deep(3));
    const bytes = writerType.toBuffer(deep(90));
    const transcode = plan(LIST_V2, LIST)!;
    expect(Buffer.from(must(transcode(shallow))).toString('hex')).toBe(viaAvsc(LIST_V2, LIST, shallow).toString('hex'));
    expect(transcode(bytes)).toBeUndefined();
    const read = avro.readAs(bytes, avro.parse(text(LIST)), avro.parse(text(LIST_V2)));
    expect(read.ok && Buffer.from(read.bytes).toString('hex')).toBe(viaAvsc(LIST_V2, LIST, bytes).toString('hex'));
  });

  it("plans a pair nested 60 records deep (about the most the parser's 200 JSON levels allow) that differs only at the bottom", () => {
    const chain = (depth: number, bottom: unknown): unknown => (depth === 0 ? bottom : record(`R${depth}`, [field('x', 'int'), field('in', chain(depth - 1, bottom))]));
    const writer = chain(60, record('Leaf', [field('a', 'int'), field('b', 'string')]));
    const reader = chain(60, record('Leaf', [field('b', 'string'), field('a', 'int')]));
    const writerType = avsc.Type.forSchema(writer as avsc.Schema);
    const value = (depth: number): unknown => (depth === 0 ? { a: 7, b: 'leaf' } : { x: depth, in: value(depth - 1) });
    const bytes = writerType.toBuffer(value(60));
    expect(Buffer.from(must(plan(reader, writer)!(bytes))).toString('hex')).toBe(viaAvsc(reader, writer, bytes).toString('hex'));
  });

  it('takes the union branch of the same type before a promotion, as Avro Java does', () => {
    const bytes = avsc.Type.forSchema(holding('int') as avsc.Schema).toBuffer({ value: 3 });
    // ["long", "int"] reading an int: branch 1 (int), encoded as index 1 then the varint.
    expect(Array.from(must(plan(holding(['long', 'int']), holding('int'))!(bytes)))).toEqual([2, 6]);
  });

  it('fails, as Avro does, only when a value of an unreadable writer branch is met', () => {
    const transcode = plan(holding('string'), holding(['string', 'int']));
    expect(transcode).toBeDefined();
    expect(Array.from(must(transcode!(Buffer.from([0, 2, 0x61]))))).toEqual([2, 0x61]);
    expect(() => transcode!(Buffer.from([2, 6]))).toThrow(/union branch int/);
  });

  it('refuses bytes read as a string when they are not UTF-8, as the avsc path does', () => {
    const transcode = plan(holding('string'), holding('bytes'));
    expect(Array.from(must(transcode!(Buffer.from([4, 0x68, 0x69]))))).toEqual([4, 0x68, 0x69]);
    expect(() => transcode!(Buffer.from([2, 0xc8]))).toThrow(/not valid UTF-8/);
  });

  it('renumbers an unknown enum symbol to the reader default, and refuses it without one', () => {
    const withDefault = plan(holding(enumOf(['A', 'Z'], { default: 'Z' })), holding(enumOf(['A', 'B'])));
    expect(Array.from(must(withDefault!(Buffer.from([2]))))).toEqual([2]);
    const withoutDefault = plan(holding(enumOf(['A'])), holding(enumOf(['A', 'B'])));
    expect(() => withoutDefault!(Buffer.from([2]))).toThrow(/symbol B is not in the reader's/);
  });

  const LEFT_TO_AVSC: Array<{ name: string; writer: unknown; reader: unknown }> = [
    { name: 'a long promoted to double (rounding beyond 2^53)', writer: holding('long'), reader: holding('double') },
    { name: 'a long promoted to float', writer: holding('long'), reader: holding('float') },
    { name: 'a record read by a union branch of another name (chosen by structure)', writer: holding(record('A', [field('x', 'int')])), reader: holding(['null', record('B', [field('x', 'int')])]) },
    { name: 'a reader field that cannot be filled', writer: record('R', [field('a', 'int')]), reader: record('R', [field('b', 'int')]) },
  ];
  it.each(LEFT_TO_AVSC)('$name: no plan', ({ writer, reader }) => {
    expect(plan(reader, writer)).toBeUndefined();
  });

  it('the provider answers the same through the plan and through avsc', () => {
    const writer = avro.parse(text(ORDER_REORDERED));
    const reader = avro.parse(text(ORDER));
    const bytes = avsc.Type.forSchema(ORDER_REORDERED as avsc.Schema).toBuffer({ amount: 2.5, id: 9, note: 'n', sku: 'S' });
    const bytesOnly = avro.readAs(bytes, writer, reader);
    const withValue = avro.readAs(bytes, writer, reader, { value: true }); // decodes with avsc
    expect(bytesOnly.ok && withValue.ok).toBe(true);
    if (bytesOnly.ok && withValue.ok) {
      expect(Buffer.from(bytesOnly.bytes).equals(Buffer.from(withValue.bytes))).toBe(true);
      expect(withValue.value).toEqual({ id: 9, sku: 'S', amount: 2.5 });
    }
  });
});
