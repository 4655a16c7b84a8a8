import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type BatchItem } from '../../../src/pulsar/batch.js';
import { canCompress, compress, decompress } from '../../../src/pulsar/compression.js';
import type { CompressionType } from '../../../src/pulsar/types.js';

const samples: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['short', Buffer.from('hi')],
  ['repetitive JSON', Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: 'reading', ok: true }))))],
  ['random bytes', Buffer.from(Array.from({ length: 5000 }, () => Math.floor(Math.random() * 256)))],
];

describe('compression codecs', () => {
  for (const type of ['NONE', 'LZ4', 'ZLIB', 'SNAPPY'] as CompressionType[]) {
    it.each(samples)(`${type} round-trips %s`, (_name, data) => {
      const packed = compress(type, data);
      expect(decompress(type, packed, data.length).equals(data)).toBe(true);
      if (type !== 'NONE' && _name === 'repetitive JSON') expect(packed.length).toBeLessThan(data.length / 3);
    });
  }

  it('ZSTD decompresses a zstd frame', () => {
    // A minimal zstd frame with one raw block: magic, single-segment header with a 1-byte content size.
    const content = Buffer.from('zstd raw block payload');
    const blockHeader = 1 | (0 << 1) | (content.length << 3);
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, content.length,
      blockHeader & 0xff, (blockHeader >> 8) & 0xff, (blockHeader >> 16) & 0xff]), content]);
    expect(decompress('ZSTD', frame, content.length).toString()).toBe(content.toString());
    // Written by the zstd CLI (a compressed block with a repeat match).
    const cli = Buffer.from('28b52ffd0458050100d068656c6c6f207a7374642066726f6d2074686520636c692c200a0100713dc7287ce75c', 'hex');
    expect(decompress('ZSTD', cli, 49).toString()).toBe('hello zstd from the cli, hello zstd from the cli\n');
    if (canCompress('ZSTD')) expect(decompress('ZSTD', compress('ZSTD', content), content.length).equals(content)).toBe(true);
    else expect(() => compress('ZSTD', content)).toThrow(/Node >= 22.15/);
  });

  it.each(['LZ4', 'ZLIB', 'SNAPPY'] as CompressionType[])('%s rejects a wrong uncompressed size or corrupt input', (type) => {
    const data = samples[2]![1];
    const packed = compress(type, data);
    expect(() => decompress(type, packed, data.length + 5)).toThrow();
    expect(() => decompress(type, Buffer.from([0xff, 0x00, 0x13, 0x37, 0x00]), 100)).toThrow();
  });

  it.each(['LZ4', 'ZLIB', 'SNAPPY', 'ZSTD'] as CompressionType[])('%s refuses a hostile uncompressed size before allocating it', (type) => {
    for (const size of [-1, 1.5, Number.NaN, 64 * 1024 * 1024 + 1, 2 ** 40]) {
      expect(() => decompress(type, Buffer.from([0x10, 0x61]), size)).toThrow(/is not a size between 0 and 67108864 bytes/);
    }
  });

  it('LZ4 refuses a size its input cannot reach', () => {
    expect(() => decompress('LZ4', Buffer.from([0x10, 0x61]), 10_000)).toThrow(/2 bytes of LZ4 cannot decode to 10000 bytes/);
  });
});

describe('batches', () => {
  it('round-trip payloads, properties, keys, event times and sequence ids', () => {
    const items: BatchItem[] = [
      { payload: Buffer.from('one'), properties: { a: '1' }, key: 'k1', eventTime: 1700000000123, sequenceId: 5n },
      { payload: Buffer.alloc(0), properties: {} },
      { payload: Buffer.from('three'), properties: { b: '2', c: '3' }, key: '' },
    ];
    const decoded = decodeBatch(encodeBatch(items), 3);
    expect(decoded.map((d) => d.payload.toString())).toEqual(['one', '', 'three']);
    expect(decoded[0]).toMatchObject({ properties: { a: '1' }, key: 'k1', eventTime: 1700000000123, sequenceId: 5n });
    expect(decoded[1]!.key).toBeUndefined();
    expect(decoded[2]).toMatchObject({ properties: { b: '2', c: '3' }, key: '' });
  });

  it('throws a descriptive error on a truncated or inconsistent batch', () => {
    const bytes = encodeBatch([{ payload: Buffer.from('one'), properties: {} }, { payload: Buffer.from('two'), properties: {} }]);
    expect(() => decodeBatch(bytes, 3)).toThrow(/batch truncated at message 2/);
    expect(() => decodeBatch(bytes.subarray(0, bytes.length - 1), 2)).toThrow(/payload size/);
    const bad = Buffer.from(bytes); bad.writeUInt32BE(1000, 0);
    expect(() => decodeBatch(bad, 2)).toThrow(/metadata size/);
  });
});
