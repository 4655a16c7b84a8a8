import { describe, expect, it } from 'vitest';
import { BatchAckState, compareMessageIds, messageIdToString, parseMessageId, toMessageIdData } from '../../../src/pulsar/message-id.js';
import { murmur3_32 } from '../../../src/pulsar/murmur3.js';
import { MessageIdDataType, u64 } from '../../../src/pulsar/proto.js';
import { fullTopicName, schemaVersionBytes, schemaVersionNumber } from '../../../src/pulsar/client.js';

describe('message ids', () => {
  it('render and parse as ledger:entry:partition:batchIndex', () => {
    const id = { ledgerId: 12n, entryId: 345n, partition: 2, batchIndex: 7, batchSize: 10 };
    expect(messageIdToString(id)).toBe('12:345:2:7');
    expect(parseMessageId('12:345:2:7')).toEqual({ ...id, batchSize: 0 });
    expect(parseMessageId('1:2')).toEqual({ ledgerId: 1n, entryId: 2n, partition: -1, batchIndex: -1, batchSize: 0 });
    expect(() => parseMessageId('1:x')).toThrow(/not a message id/);
  });

  it('order by ledger, entry, batch index', () => {
    const a = parseMessageId('1:5:-1:0');
    expect(compareMessageIds(a, parseMessageId('1:5:-1:1'))).toBeLessThan(0);
    expect(compareMessageIds(parseMessageId('2:0'), parseMessageId('1:9'))).toBeGreaterThan(0);
    expect(compareMessageIds(a, a)).toBe(0);
  });

  it('encode to MessageIdData with 64-bit ids, partition and ack_set', () => {
    const id = { ledgerId: 2n ** 40n + 3n, entryId: 9n, partition: 3, batchIndex: 1, batchSize: 70 };
    const state = new BatchAckState(70);
    state.ack(1);
    const bytes = MessageIdDataType.encode(MessageIdDataType.fromObject(toMessageIdData(id, state.ackSet()))).finish();
    const back = MessageIdDataType.decode(bytes) as unknown as Record<string, unknown>;
    expect(u64(back.ledgerId)).toBe(2n ** 40n + 3n);
    expect(back.partition).toBe(3);
    expect(back.batch_size).toBe(70);
    const words = (back.ack_set as unknown[]).map((w) => u64(w));
    expect(words).toEqual([BigInt.asIntN(64, (1n << 64n) - 1n - 2n), (1n << 6n) - 1n]);
  });
});

describe('batch acknowledgement state (ack_set)', () => {
  it('tracks pending indexes and completes when every index is acked', () => {
    const s = new BatchAckState(3);
    expect(s.pendingCount).toBe(3);
    expect(s.ack(1)).toBe(false);
    expect(s.ack(1)).toBe(false); // idempotent
    expect(s.isPending(1)).toBe(false);
    expect(s.ackSet()).toEqual([0b101n]);
    expect(s.ack(0)).toBe(false);
    expect(s.ack(2)).toBe(true);
    expect(s.ackSet()).toEqual([0n]);
  });

  it('starts from the ack_set the broker sent (set bit = still to ack)', () => {
    const s = new BatchAckState(4, [0b1010n]);
    expect([0, 1, 2, 3].map((i) => s.isPending(i))).toEqual([false, true, false, true]);
    expect(s.pendingCount).toBe(2);
    expect(s.ack(3)).toBe(false);
    expect(s.ack(1)).toBe(true);
  });

  it('handles batches beyond 64 messages and the sign bit of a word', () => {
    const s = new BatchAckState(130);
    expect(s.ackSet()).toHaveLength(3);
    expect(s.ackSet()[0]).toBe(-1n);
    expect(s.ackUpTo(63)).toBe(false);
    expect(s.ackSet()).toEqual([0n, -1n, 0b11n]);
    expect(s.ackUpTo(129)).toBe(true);
    const fromWire = new BatchAckState(65, [-1n, 1n]);
    expect(fromWire.pendingCount).toBe(65);
  });

  it('ignores indexes outside the batch', () => {
    const s = new BatchAckState(2);
    expect(s.ack(5)).toBe(false);
    expect(s.ack(-1)).toBe(false);
    expect(s.pendingCount).toBe(2);
  });
});

describe('helpers', () => {
  it.each([
    ['', 0],
    ['hello', 0x248bfa47],
    ['The quick brown fox jumps over the lazy dog', 0x2e4ff723],
    ['key-7', undefined],
  ])('murmur3_32(%j) is a non-negative int', (text, expected) => {
    const h = murmur3_32(Buffer.from(text));
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThanOrEqual(0x7fffffff);
    if (expected !== undefined) expect(h).toBe(expected & 0x7fffffff);
  });

  it('schema versions are 8-byte big-endian longs', () => {
    expect(schemaVersionBytes(258).toString('hex')).toBe('0000000000000102');
    expect(schemaVersionNumber(schemaVersionBytes(258))).toBe(258n);
    expect(schemaVersionNumber(new Uint8Array([1, 2]))).toBeUndefined();
  });

  it('normalizes topic names', () => {
    expect(fullTopicName('t')).toBe('persistent://public/default/t');
    expect(fullTopicName('a/b/t')).toBe('persistent://a/b/t');
    expect(fullTopicName('non-persistent://a/b/t')).toBe('non-persistent://a/b/t');
    expect(() => fullTopicName('a/t')).toThrow(/not a topic name/);
  });
});
