// The hand-written decoders of wire-decode.ts must return exactly what protobufjs' decode returns
// (same reflection classes, own properties, Long values, prototype defaults) for what protobufjs
// encodes from proto.ts, skip unknown fields of every wire type, and fail cleanly on bad input.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from '../../../src/pulsar/batch.js';
import {
  BaseCommandType, CommandType, MessageMetadataType, SingleMessageMetadataType, decodeSingleMessageMetadata,
  encodeBaseCommand, encodeMessageMetadata, encodeSingleMessageMetadata, has, propertiesOf, u64, type Decoded,
} from '../../../src/pulsar/proto.js';
import { decodeIncomingCommand, decodeIncomingMetadata, decodeIncomingSingleMetadata } from '../../../src/pulsar/wire-decode.js';

const kv = (props: Record<string, string>) => Object.entries(props).map(([key, value]) => ({ key, value }));
const gatekeeperProps = {
  run: 't1', seq: '19999', 'dagpact-dag-id': 'orders_daily', 'dagpact-dag-version': '2024.11.3',
  'dagpact-contract-subject': 'orders-value', 'dagpact-contract-version': '12',
  'dagpact-source-topic': 'persistent://public/default/orders', 'dagpact-source-message-id': '123:4567:-1:-1',
  'dagpact-writer-schema-id': '1', 'dagpact-checked-at': '2026-11-25T12:00:00.000Z',
};
const MAX_U64 = (2n ** 64n - 1n).toString();

const metadataCases: Array<[string, Decoded]> = [
  ['minimal', { producer_name: 'p', sequence_id: 0, publish_time: 0 }],
  ['the gatekeeper forward: ten properties, key, event time, schema version',
    { producer_name: 'standalone-0-42', sequence_id: '12345', publish_time: '1732000000123', properties: kv(gatekeeperProps),
      partition_key: 'order-7', event_time: '1731999999000', schema_version: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 3]) }],
  ['non-ASCII, empty and long strings',
    { producer_name: 'prod-ü', sequence_id: 1, publish_time: 1, properties: kv({ 'é': '日本語 🎉', empty: '', '': 'empty key', long: 'x'.repeat(300), mixed: 'abc\u00e9'.repeat(40) }),
      partition_key: 'ключ' }],
  ['empty producer name, key and schema version', { producer_name: '', sequence_id: 0, publish_time: 0, partition_key: '', schema_version: new Uint8Array(0), ordering_key: new Uint8Array(0) }],
  ['a compressed batch with the largest 64-bit values',
    { producer_name: 'p', sequence_id: MAX_U64, publish_time: (2n ** 63n).toString(), compression: 1, uncompressed_size: 4_294_967_295,
      num_messages_in_batch: 300, highest_sequence_id: (2n ** 63n - 1n).toString(), event_time: MAX_U64 }],
  ['64-bit values around the 32- and 53-bit boundaries',
    { producer_name: 'p', sequence_id: 2 ** 32 - 1, publish_time: 2 ** 32, event_time: (2n ** 53n + 1n).toString(), highest_sequence_id: 2 ** 28 }],
  ['a publish time before 1970 and a negative deliver_at_time (int64)',
    { producer_name: 'p', sequence_id: 5, publish_time: '-1', deliver_at_time: '-1732000000000', event_time: 0 }],
  ['every other field', {
    producer_name: 'pulsar.repl.x', sequence_id: 9, publish_time: 10, replicated_from: 'cluster-a', replicate_to: ['b', 'c', ''],
    compression: 4, uncompressed_size: 0, num_messages_in_batch: 0, partition_key_b64_encoded: true, ordering_key: new Uint8Array([1, 2, 255]),
    deliver_at_time: '1732000000000', marker_type: 3, null_value: true, uuid: 'a1b2-c3', num_chunks_from_msg: 3,
    total_chunk_msg_size: 15_000_000, chunk_id: 2, null_partition_key: true }],
  ['negative int32 values (ten-byte varints) and an unknown compression',
    { producer_name: 'p', sequence_id: 1, publish_time: 1, compression: -3, num_messages_in_batch: -1, marker_type: -2147483648, chunk_id: -1 }],
  ['false booleans and zero counts written explicitly',
    { producer_name: 'p', sequence_id: 1, publish_time: 1, null_value: false, partition_key_b64_encoded: false, num_chunks_from_msg: 0, compression: 0 }],
];

const encodeMeta = (m: Decoded) => Buffer.from(encodeMessageMetadata(m));
const encodeSingle = (m: Decoded) => Buffer.from(encodeSingleMessageMetadata(m));
const encodeCommand = (m: Decoded) => Buffer.from(encodeBaseCommand(m));

/** Raw protobuf bytes (protobufjs' Writer) for what fromObject cannot express: unknown fields, packing. */
const raw = (fn: (w: protobuf.Writer) => void) => { const w = protobuf.Writer.create(); fn(w); return Buffer.from(w.finish()); };
const tag = (field: number, wire: number) => (field << 3) | wire;

/** One unknown field (number 100, or 2047 for a two-byte tag) of each wire type. */
const unknownFields: Array<[string, Buffer]> = [
  ['varint', raw((w) => w.uint32(tag(100, 0)).uint64('18446744073709551615'))],
  ['varint, small', raw((w) => w.uint32(tag(2047, 0)).uint32(1))],
  ['fixed64', raw((w) => w.uint32(tag(100, 1)).fixed64('1234567890123'))],
  ['length-delimited', raw((w) => w.uint32(tag(100, 2)).bytes(Buffer.from('some unknown bytes')))],
  ['length-delimited, empty', raw((w) => w.uint32(tag(2047, 2)).bytes(Buffer.alloc(0)))],
  ['group with nested fields', raw((w) => w.uint32(tag(100, 3)).uint32(tag(1, 0)).uint32(7).uint32(tag(2, 2)).string('x')
    .uint32(tag(3, 3)).uint32(tag(1, 5)).fixed32(1).uint32(tag(3, 4)).uint32(tag(100, 4)))],
  ['fixed32', raw((w) => w.uint32(tag(100, 5)).fixed32(0xdeadbeef))],
];

/** Our decode must equal protobufjs': same class, same own properties, same defaults through the prototype. */
function expectSame(ours: Decoded, theirs: Decoded, type: protobuf.Type): void {
  expect(ours).toStrictEqual(theirs);
  expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(theirs));
  for (const field of type.fieldsArray) {
    expect(has(ours, field.name), field.name).toBe(has(theirs, field.name));
    expect(ours[field.name], field.name).toStrictEqual(theirs[field.name]);
  }
}

/** Every proper prefix of `bytes`: a clean Error, or (cut at a field boundary) the same as protobufjs. */
function expectPrefixesSafe(bytes: Buffer, ours: (b: Buffer) => Decoded, theirs: (b: Buffer) => Decoded, type: protobuf.Type): void {
  for (let n = 0; n < bytes.length; n++) {
    const prefix = bytes.subarray(0, n);
    let result: Decoded | undefined;
    try {
      result = ours(prefix);
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/truncated|missing required|invalid|index out of range/);
      continue;
    }
    expectSame(result, theirs(prefix), type);
  }
}

describe('MessageMetadata decoder', () => {
  const theirs = (b: Buffer) => MessageMetadataType.decode(b) as unknown as Decoded;

  it.each(metadataCases)('%s: same as protobufjs', (_name, fields) => {
    const bytes = encodeMeta(fields);
    expectSame(decodeIncomingMetadata(bytes), theirs(bytes), MessageMetadataType);
  });

  it('returns 64-bit values as protobufjs Longs (unsigned for uint64, signed for int64) that u64() reads', () => {
    const m = decodeIncomingMetadata(encodeMeta(metadataCases[6]![1]));
    expect(m.sequence_id).toBeInstanceOf(protobuf.util.Long);
    expect(m.sequence_id.unsigned).toBe(true);
    expect(m.deliver_at_time.unsigned).toBe(false);
    expect(u64(m.deliver_at_time)).toBe(-1_732_000_000_000n);
    expect(u64(m.publish_time)).toBe(2n ** 64n - 1n);
    expect(u64(decodeIncomingMetadata(encodeMeta(metadataCases[4]![1])).sequence_id)).toBe(2n ** 64n - 1n);
  });

  it('reads absent fields as the same prototype defaults as protobufjs', () => {
    const m = decodeIncomingMetadata(encodeMeta(metadataCases[0]![1]));
    expect(has(m, 'num_messages_in_batch')).toBe(false);
    expect(m.num_messages_in_batch).toBe(1);
    expect(m.compression).toBe(0);
    expect(m.uncompressed_size).toBe(0);
    expect(u64(m.event_time)).toBe(0n);
    expect(m.properties).toEqual([]);
  });

  it('returns bytes as views of the input, strings as copies', () => {
    const bytes = encodeMeta(metadataCases[1]![1]);
    const m = decodeIncomingMetadata(bytes);
    expect(Buffer.isBuffer(m.schema_version)).toBe(true);
    expect((m.schema_version as Buffer).buffer).toBe(bytes.buffer);
  });

  it('accepts a plain Uint8Array', () => {
    const bytes = encodeMessageMetadata(metadataCases[1]![1]);
    expectSame(decodeIncomingMetadata(new Uint8Array(bytes)), theirs(Buffer.from(bytes)), MessageMetadataType);
  });

  const withUnknown = metadataCases.flatMap(([name, fields]) => unknownFields.map(([kind, field]) => [`${name} + unknown ${kind}`, fields, field] as const));
  it.each(withUnknown)('%s: skipped before, between and after the known fields', (_name, fields, unknown) => {
    const { properties, ...rest } = fields;
    const first = encodeMeta({ producer_name: rest.producer_name, sequence_id: rest.sequence_id, publish_time: rest.publish_time });
    const second = encodeMeta({ ...rest, properties });
    for (const bytes of [Buffer.concat([unknown, second]), Buffer.concat([first, unknown, second, unknown]), Buffer.concat([second, unknown])]) {
      expectSame(decodeIncomingMetadata(bytes), theirs(bytes), MessageMetadataType);
    }
  });

  it('skips unknown fields inside a property (KeyValue)', () => {
    const property = raw((w) => w.uint32(tag(1, 2)).string('k').uint32(tag(9, 0)).uint32(5).uint32(tag(10, 3)).uint32(tag(10, 4))
      .uint32(tag(2, 2)).string('välue').uint32(tag(11, 5)).fixed32(3).uint32(tag(12, 1)).fixed64(4).uint32(tag(13, 2)).string('?'));
    const bytes = Buffer.concat([encodeMeta({ producer_name: 'p', sequence_id: 1, publish_time: 2 }), raw((w) => w.uint32(tag(4, 2)).bytes(property))]);
    const m = decodeIncomingMetadata(bytes);
    expectSame(m, theirs(bytes), MessageMetadataType);
    expect(propertiesOf(m.properties)).toEqual({ k: 'välue' });
  });

  it('lets the last occurrence of a repeated scalar win and appends repeated fields, as protobufjs', () => {
    const bytes = Buffer.concat([encodeMeta(metadataCases[1]![1]), encodeMeta(metadataCases[2]![1])]);
    expectSame(decodeIncomingMetadata(bytes), theirs(bytes), MessageMetadataType);
  });

  it.each(metadataCases)('%s: every truncation is a clean error or a valid shorter message', (_name, fields) => {
    expectPrefixesSafe(Buffer.concat([encodeMeta(fields), unknownFields[5]![1]]), decodeIncomingMetadata, theirs, MessageMetadataType);
  });

  it('rejects missing required fields, bad wire types and over-long varints with an Error', () => {
    expect(() => decodeIncomingMetadata(Buffer.alloc(0))).toThrow(/missing required 'producer_name'/);
    // (protobufjs' encoder always writes required fields, so these are written raw.)
    expect(() => decodeIncomingMetadata(raw((w) => w.uint32(tag(1, 2)).string('p').uint32(tag(2, 0)).uint64(1)))).toThrow(/missing required 'publish_time'/);
    expect(() => decodeIncomingMetadata(raw((w) => w.uint32(tag(1, 0)).uint32(1)))).toThrow(/wire type/);
    expect(() => decodeIncomingMetadata(Buffer.from([0x10, ...Array(11).fill(0xff), 0x01]))).toThrow(/invalid varint/);
    expect(() => decodeIncomingMetadata(raw((w) => w.uint32(tag(100, 6))))).toThrow(/invalid wire type 6/);
    expect(() => decodeIncomingMetadata(raw((w) => w.uint32(tag(100, 4))))).toThrow(/invalid wire type 4/);
    expect(() => decodeIncomingMetadata(raw((w) => w.uint32(tag(4, 2)).bytes(raw((v) => v.uint32(tag(1, 2)).string('k')))))).toThrow(/missing required 'value'/);
    // A property whose length runs past the end of the metadata.
    expect(() => decodeIncomingMetadata(Buffer.from([0x22, 0x7f, 0x0a, 0x01, 0x6b]))).toThrow(/truncated/);
  });

  // One known difference on malformed input: protobufjs reads any 32-bit varint longer than five bytes
  // as ten bytes (it skips five more without looking), we read it to its last byte as the spec says.
  it('decodes bytes [from, to) of a larger buffer as it decodes them on their own', () => {
    const bytes = encodeMeta(metadataCases[1]![1]);
    const framed = Buffer.concat([Buffer.from([1, 2, 3, 4]), bytes, Buffer.from([9, 9])]);
    expectSame(decodeIncomingMetadata(framed, 4, 4 + bytes.length), theirs(bytes), MessageMetadataType);
  });

  it('decodes short strings that compete for one slot of the repeated-string table, and invalid UTF-8, as Buffer does', () => {
    // Same length, first, middle and last byte: these compete for one slot of the decoder's table.
    const rivals = ['tenant-a-x', 'tenant-b-x', 'tenXnt-a-x', 'ténant-x', 'ten\u00fdnt-a-x', 'tenant-a-x'.toUpperCase()];
    const decodedProps = (value: string) => decodeIncomingMetadata(encodeMeta({ producer_name: 'p', sequence_id: 1, publish_time: 1, properties: kv({ k: value }) })).properties[0].value as string;
    for (let round = 0; round < 3; round++) {
      for (const value of [...rivals, ...rivals.slice().reverse()]) expect(decodedProps(value)).toBe(value);
    }
    // Invalid UTF-8 (a lone continuation byte, a truncated sequence) decodes as Buffer does, repeatedly.
    for (const raw of [Buffer.from([0x61, 0x80, 0x62]), Buffer.from([0x61, 0xe6, 0x97]), Buffer.from([0xff])]) {
      const meta = Buffer.concat([encodeMeta({ producer_name: 'p', sequence_id: 1, publish_time: 1 }), Buffer.from([0x22, raw.length + 4, 0x0a, raw.length]), raw, Buffer.from([0x12, 0x00])]);
      for (let k = 0; k < 3; k++) expect(decodeIncomingMetadata(meta).properties[0].key).toBe(raw.toString('utf8'));
    }
  });

  it('survives random and mutated input: an Error or the same result as protobufjs, never a hang or a TypeError', () => {
    let seed = 42;
    const rand = () => { seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff; return seed; };
    // Mutating a ten-byte varint mostly makes one of six to nine bytes: that is the difference above.
    const valid = metadataCases.filter(([name]) => !name.startsWith('negative int32')).map(([, fields]) => encodeMeta(fields));
    for (let i = 0; i < 3000; i++) {
      let bytes: Buffer;
      if (i % 2 === 0) {
        bytes = Buffer.from(valid[i % valid.length]!);
        for (let k = 0; k < 1 + (rand() % 3); k++) bytes[rand() % bytes.length] = rand() & 0xff;
      } else {
        bytes = Buffer.alloc(rand() % 40);
        for (let k = 0; k < bytes.length; k++) bytes[k] = rand() & 0xff;
      }
      let ours: Decoded;
      try {
        ours = decodeIncomingMetadata(bytes);
      } catch (err) {
        expect((err as Error).constructor).toBe(Error);
        continue;
      }
      let reference: Decoded;
      try { reference = theirs(bytes); } catch { continue; }
      expectSame(ours, reference, MessageMetadataType);
    }
  });
});

describe('SingleMessageMetadata decoder and batches', () => {
  const theirs = (b: Buffer) => SingleMessageMetadataType.decode(b) as unknown as Decoded;
  const singleCases: Array<[string, Decoded]> = [
    ['payload size only', { payload_size: 0 }],
    ['properties, key, event time, sequence id', { properties: kv(gatekeeperProps), partition_key: 'order-7', payload_size: 120, event_time: '1731999999000', sequence_id: '77' }],
    ['non-ASCII and empty properties', { properties: kv({ 'ключ': 'значение ✓', '': '' }), partition_key: '', payload_size: 3 }],
    ['every field, 64-bit extremes', { payload_size: 2_147_483_647, compacted_out: true, event_time: MAX_U64, partition_key_b64_encoded: true,
      ordering_key: new Uint8Array([9, 8]), sequence_id: MAX_U64, null_value: true, null_partition_key: true }],
    ['a negative payload size (rejected by decodeBatch)', { payload_size: -1 }],
  ];

  it.each(singleCases)('%s: same as protobufjs', (_name, fields) => {
    const bytes = encodeSingle(fields);
    expectSame(decodeIncomingSingleMetadata(bytes), theirs(bytes), SingleMessageMetadataType);
    for (const [, unknown] of unknownFields) {
      const mixed = Buffer.concat([unknown, bytes, unknown]);
      expectSame(decodeIncomingSingleMetadata(mixed), theirs(mixed), SingleMessageMetadataType);
    }
    expectPrefixesSafe(bytes, decodeIncomingSingleMetadata, theirs, SingleMessageMetadataType);
  });

  it('requires payload_size', () => {
    expect(() => decodeIncomingSingleMetadata(raw((w) => w.uint32(tag(2, 2)).string('k')))).toThrow(/missing required 'payload_size'/);
  });

  /** decodeBatch as it was, on protobufjs, for comparison. */
  function referenceBatch(payload: Buffer, count: number) {
    const out = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
      const size = payload.readUInt32BE(at); at += 4;
      const meta = decodeSingleMessageMetadata(payload.subarray(at, at + size)); at += size;
      const item: Decoded = { payload: payload.subarray(at, at + (meta.payload_size as number)), properties: propertiesOf(meta.properties) };
      if (has(meta, 'partition_key')) item.key = meta.partition_key;
      if (has(meta, 'event_time')) item.eventTime = Number(u64(meta.event_time));
      if (has(meta, 'sequence_id')) item.sequenceId = u64(meta.sequence_id);
      if (meta.compacted_out) item.compactedOut = true;
      if (meta.null_value) item.nullValue = true;
      out.push(item);
      at += meta.payload_size as number;
    }
    return out;
  }

  it('splits batches exactly as the protobufjs-based decoder did, including entries written by other clients', () => {
    const ours = encodeBatch([
      { payload: Buffer.from('one'), properties: gatekeeperProps, key: 'k1', eventTime: 1_731_999_999_000, sequenceId: 10n },
      { payload: Buffer.alloc(0), properties: {} },
      { payload: Buffer.from('três ✓'), properties: { 'é': 'ü' }, sequenceId: 2n ** 64n - 1n },
    ]);
    const foreign = Buffer.concat([encodeSingle(singleCases[3]![1]), unknownFields[5]![1], unknownFields[0]![1]]);
    const foreignEntry = Buffer.concat([Buffer.from([0, 0, 0, foreign.length]), foreign, Buffer.alloc(0)]);
    const zeroSize = encodeSingle({ payload_size: 0, compacted_out: true });
    const batch = Buffer.concat([ours, Buffer.from([0, 0, 0, zeroSize.length]), zeroSize]);
    expect(decodeBatch(batch, 4)).toStrictEqual(referenceBatch(batch, 4));
    expect(() => decodeBatch(foreignEntry, 1)).toThrow(/payload size/);
  });

  it('turns a batch with a truncated SingleMessageMetadata into an Error', () => {
    const meta = encodeSingle(singleCases[1]![1]);
    const cut = meta.subarray(0, meta.length - 3);
    const batch = Buffer.concat([Buffer.from([0, 0, 0, cut.length]), cut]);
    expect(() => decodeBatch(batch, 1)).toThrow(Error);
  });
});

describe('BaseCommand decoder (MESSAGE fast path)', () => {
  const theirs = (b: Buffer) => BaseCommandType.decode(b) as unknown as Decoded;
  const messageCases: Array<[string, Decoded]> = [
    ['minimal', { consumer_id: 0, message_id: { ledgerId: 0, entryId: 0 } }],
    ['partitioned, batch, redelivered, ack set',
      { consumer_id: 7, message_id: { ledgerId: '123456789012', entryId: 4567, partition: 3, batch_index: 2, batch_size: 10, ack_set: ['-1', 5] },
        redelivery_count: 4, ack_set: ['-9223372036854775808', '9223372036854775807', 0, '-2'], consumer_epoch: MAX_U64 }],
    ['64-bit extremes and a non-partitioned id', { consumer_id: MAX_U64, message_id: { ledgerId: MAX_U64, entryId: (2n ** 63n).toString(), partition: -1 },
      redelivery_count: 4_294_967_295 }],
  ];

  it.each(messageCases)('%s: same as protobufjs', (_name, message) => {
    const bytes = encodeCommand({ type: CommandType.MESSAGE, message });
    expectSame(decodeIncomingCommand(bytes), theirs(bytes), BaseCommandType);
    expectSame(decodeIncomingCommand(bytes).message, theirs(bytes).message, BaseCommandType.fields['message']!.resolvedType as protobuf.Type);
    expectPrefixesSafe(bytes, decodeIncomingCommand, theirs, BaseCommandType);
  });

  it.each(unknownFields)('skips an unknown %s field in BaseCommand, CommandMessage and MessageIdData', (_kind, unknown) => {
    const id = Buffer.concat([unknown, raw((w) => w.uint32(tag(1, 0)).uint64(5).uint32(tag(2, 0)).uint64(6)), unknown]);
    const message = Buffer.concat([unknown, raw((w) => w.uint32(tag(1, 0)).uint64(9).uint32(tag(2, 2)).bytes(id)), unknown]);
    for (const bytes of [
      Buffer.concat([raw((w) => w.uint32(tag(1, 0)).uint32(CommandType.MESSAGE!)), unknown, raw((w) => w.uint32(tag(9, 2)).bytes(message)), unknown]),
      // The type after the message, and the unknown field first.
      Buffer.concat([unknown, raw((w) => w.uint32(tag(9, 2)).bytes(message).uint32(tag(1, 0)).uint32(CommandType.MESSAGE!))]),
    ]) {
      const ours = decodeIncomingCommand(bytes);
      expectSame(ours, theirs(bytes), BaseCommandType);
      expect(u64(ours.message.message_id.entryId)).toBe(6n);
    }
  });

  it('reads a packed ack_set as protobufjs does', () => {
    const id = raw((w) => w.uint32(tag(1, 0)).uint64(5).uint32(tag(2, 0)).uint64(6).uint32(tag(5, 2)).fork().int64(-1).int64(3).ldelim());
    const message = raw((w) => w.uint32(tag(1, 0)).uint64(9).uint32(tag(2, 2)).bytes(id).uint32(tag(4, 2)).fork().int64(7).int64('-9223372036854775808').ldelim()
      .uint32(tag(4, 0)).int64(8));
    const bytes = raw((w) => w.uint32(tag(1, 0)).uint32(CommandType.MESSAGE!).uint32(tag(9, 2)).bytes(message));
    const ours = decodeIncomingCommand(bytes);
    expectSame(ours, theirs(bytes), BaseCommandType);
    expect(ours.message.ack_set.map(u64)).toEqual([7n, -(2n ** 63n), 8n]);
    expect(ours.message.message_id.ack_set.map(u64)).toEqual([-1n, 3n]);
  });

  it('leaves every other command to protobufjs', () => {
    for (const command of [
      { type: CommandType.SEND_RECEIPT, send_receipt: { producer_id: 1, sequence_id: '18446744073709551615', message_id: { ledgerId: 1, entryId: 2 } } },
      { type: CommandType.PING, ping: {} },
      { type: CommandType.CLOSE_CONSUMER, close_consumer: { consumer_id: 3, request_id: 4 } },
      // A MESSAGE that also carries another command's field.
      { type: CommandType.MESSAGE, message: messageCases[0]![1], ping: {} },
    ]) {
      const bytes = encodeCommand(command);
      expectSame(decodeIncomingCommand(bytes), theirs(bytes), BaseCommandType);
    }
    // Malformed non-MESSAGE commands fail the way protobufjs fails.
    expect(() => decodeIncomingCommand(encodeCommand({ type: CommandType.PING }).subarray(0, 1))).toThrow();
    expect(() => decodeIncomingCommand(Buffer.alloc(0))).toThrow(/missing required 'type'/);
  });

  it('rejects a MESSAGE without its message id', () => {
    const message = raw((w) => w.uint32(tag(1, 0)).uint64(9));
    const bytes = raw((w) => w.uint32(tag(1, 0)).uint32(CommandType.MESSAGE!).uint32(tag(9, 2)).bytes(message));
    expect(() => decodeIncomingCommand(bytes)).toThrow(/missing required 'message_id'/);
  });
});
