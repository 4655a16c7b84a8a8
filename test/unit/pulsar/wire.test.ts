// The hand-written encoders of wire.ts must write exactly what protobufjs writes for the same fields
// (proto.ts is the reference: it is built from PulsarApi.proto's field numbers).
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodePayloadCommand } from '../../../src/pulsar/frames.js';
import { BaseCommandType, CommandType, encodeBaseCommand, encodeMessageMetadata, encodeSingleMessageMetadata, long, u64, type Decoded } from '../../../src/pulsar/proto.js';
import { encodeAckFrame, encodeOutgoingMetadata, encodeOutgoingSingleMetadata, encodeSendFrame, type OutgoingMessageId, type OutgoingMetadata } from '../../../src/pulsar/wire.js';

const kv = (props: Record<string, string>) => Object.entries(props).map(([key, value]) => ({ key, value }));
const gatekeeperProps = {
  run: 't1', seq: '19999', 'dagpact-dag-id': 'orders_daily', 'dagpact-dag-version': '2024.11.3',
  'dagpact-contract-subject': 'orders-value', 'dagpact-contract-version': '12',
  'dagpact-source-topic': 'persistent://public/default/orders', 'dagpact-source-message-id': '123:4567:-1:-1',
  'dagpact-writer-schema-id': '1',
};

const metadataCases: Array<[string, OutgoingMetadata, Decoded]> = [
  ['minimal', { producerName: 'p', sequenceId: 0n, publishTime: 0 }, { producer_name: 'p', sequence_id: 0, publish_time: 0 }],
  ['the gatekeeper forward: ten properties, key, event time, schema version',
    { producerName: 'standalone-0-42', sequenceId: 12_345n, publishTime: 1_732_000_000_123, properties: gatekeeperProps, partitionKey: 'order-7',
      eventTime: 1_731_999_999_000, schemaVersion: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 3]) },
    { producer_name: 'standalone-0-42', sequence_id: '12345', publish_time: '1732000000123', properties: kv(gatekeeperProps), partition_key: 'order-7',
      event_time: '1731999999000', schema_version: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 3]) }],
  ['non-ASCII, empty and long strings', { producerName: 'prod-ü', sequenceId: 1n, publishTime: 1, properties: { 'é': '日本語 🎉', empty: '', long: 'x'.repeat(300) }, partitionKey: 'ключ' },
    { producer_name: 'prod-ü', sequence_id: 1, publish_time: 1, properties: kv({ 'é': '日本語 🎉', empty: '', long: 'x'.repeat(300) }), partition_key: 'ключ' }],
  ['a compressed batch with 64-bit sequence ids', { producerName: 'p', sequenceId: 2n ** 63n - 10n, publishTime: 2 ** 40, compression: 1, uncompressedSize: 70_000,
    numMessagesInBatch: 300, highestSequenceId: 2n ** 63n - 1n },
    { producer_name: 'p', sequence_id: (2n ** 63n - 10n).toString(), publish_time: String(2 ** 40), compression: 1, uncompressed_size: 70_000,
      num_messages_in_batch: 300, highest_sequence_id: (2n ** 63n - 1n).toString() }],
  ['an event time of 0 and a time before 1970', { producerName: 'p', sequenceId: 5n, publishTime: -1, eventTime: 0 },
    { producer_name: 'p', sequence_id: 5, publish_time: '-1', event_time: 0 }],
];

describe('MessageMetadata encoder', () => {
  it.each(metadataCases)('%s: same bytes as protobufjs', (_name, outgoing, reference) => {
    expect(encodeOutgoingMetadata(outgoing).toString('hex')).toBe(Buffer.from(encodeMessageMetadata(reference)).toString('hex'));
  });

  it.each(metadataCases)('%s: a SEND frame identical to the protobufjs-built one', (_name, outgoing, reference) => {
    const payload = Buffer.from('payload bytes');
    const send = { producerId: 7n, sequenceId: outgoing.sequenceId, numMessages: outgoing.numMessagesInBatch ?? 1,
      ...(outgoing.highestSequenceId !== undefined ? { highestSequenceId: outgoing.highestSequenceId } : {}) };
    const command = { type: CommandType.SEND, send: { producer_id: 7, sequence_id: long(send.sequenceId), num_messages: send.numMessages,
      ...(send.highestSequenceId !== undefined ? { highest_sequence_id: long(send.highestSequenceId) } : {}) } };
    const ours = encodeSendFrame(send, outgoing, payload);
    expect(ours.toString('hex')).toBe(encodePayloadCommand(command, encodeMessageMetadata(reference), payload).toString('hex'));
    const decoded = decodeFrame(ours.subarray(4));
    if (!('frame' in decoded)) throw new Error(decoded.error);
    expect(u64(decoded.frame.command.send.sequence_id)).toBe(outgoing.sequenceId);
    expect(decoded.frame.payload!.toString()).toBe('payload bytes');
  });
});

describe('ACK encoder', () => {
  const cases: Array<[string, bigint, 0 | 1, OutgoingMessageId[], Decoded[]]> = [
    ['one id', 3n, 0, [{ ledgerId: 123n, entryId: 4567n }], [{ ledgerId: 123, entryId: 4567 }]],
    ['a partition and large ids', 2n ** 40n, 1, [{ ledgerId: 2n ** 62n, entryId: 2n ** 53n + 1n, partition: 5 }],
      [{ ledgerId: (2n ** 62n).toString(), entryId: (2n ** 53n + 1n).toString(), partition: 5 }]],
    ['a batch-index ack with a negative ack_set word', 1n, 0, [{ ledgerId: 1n, entryId: 2n, ackSet: [-2n, 5n], batchSize: 70 }],
      [{ ledgerId: 1, entryId: 2, ack_set: ['-2', '5'], batch_size: 70 }]],
    ['two ids', 9n, 0, [{ ledgerId: 1n, entryId: 2n }, { ledgerId: 1n, entryId: 3n, partition: 0 }],
      [{ ledgerId: 1, entryId: 2 }, { ledgerId: 1, entryId: 3, partition: 0 }]],
  ];
  it.each(cases)('%s: same bytes as protobufjs', (_name, consumerId, ackType, ids, reference) => {
    const cmd = encodeBaseCommand({ type: CommandType.ACK, ack: { consumer_id: long(consumerId), ack_type: ackType, message_id: reference } });
    const frame = encodeAckFrame(consumerId, ackType, ids);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(frame.subarray(8).toString('hex')).toBe(Buffer.from(cmd).toString('hex'));
    expect(BaseCommandType.decode(frame.subarray(8)).toJSON().type).toBe('ACK');
  });
});

describe('SingleMessageMetadata encoder', () => {
  it.each([
    ['payload size only', { payloadSize: 0 }, { payload_size: 0 }],
    ['properties, key, event time, sequence id', { properties: { a: 'b', 'ü': 'ß' }, partitionKey: 'k', payloadSize: 1234, eventTime: 1_700_000_000_000, sequenceId: 42n },
      { properties: kv({ a: 'b', 'ü': 'ß' }), partition_key: 'k', payload_size: 1234, event_time: '1700000000000', sequence_id: 42 }],
  ] as const)('%s: same bytes as protobufjs', (_name, outgoing, reference) => {
    expect(encodeOutgoingSingleMetadata(outgoing).toString('hex')).toBe(Buffer.from(encodeSingleMessageMetadata(reference as Decoded)).toString('hex'));
  });
});
