// The LZ4 block codec, with lz4js as the independent implementation: our compressor against lz4js's
// decoder, and our decoder against both compressors, hand-written blocks, malformed blocks (each error
// says what and where) and thousands of random ones. (The Python client reading dagpact's LZ4 entries is
// in the interop tests.)
import { randomBytes } from 'node:crypto';
import * as lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { lz4Bound, lz4CompressBlock, lz4DecompressBlock } from '../../../src/pulsar/lz4-block.js';

function roundTrip(input: Uint8Array): Buffer {
  const block = lz4CompressBlock(input);
  expect(block.length).toBeLessThanOrEqual(lz4Bound(input.length));
  const out = Buffer.alloc(input.length);
  expect(lz4.decompressBlock(block, out, 0, block.length, 0)).toBe(input.length);
  expect(out.equals(Buffer.from(input))).toBe(true);
  return block;
}

const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `field-${i % 37}=${(i * 7919) % 1000};`).join('')).subarray(0, n);

describe('LZ4 block compression', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([7])],
    ['12 bytes (no match allowed)', Buffer.from('abcdabcdabcd')],
    ['13 zero bytes', Buffer.alloc(13)],
    ['1 KiB random', randomBytes(1024)],
    ['1 KiB half random hex', Buffer.from(randomBytes(256).toString('hex') + 'x'.repeat(512))],
    ['a long literal run then a long match', Buffer.concat([randomBytes(5000), Buffer.alloc(5000, 1), randomBytes(300)])],
    ['200 KiB of text (matches beyond 64 KiB apart too)', text(200 * 1024)],
    ['300 KiB random', randomBytes(300 * 1024)],
  ])('%s', (_name, input) => { roundTrip(input); });

  it('compresses what repeats and keeps working across many calls (the shared hash table)', () => {
    for (let i = 0; i < 2000; i++) roundTrip(i % 2 === 0 ? text(1024 + (i % 50)) : randomBytes(64 + (i % 900)));
    expect(roundTrip(text(64 * 1024)).length).toBeLessThan(32 * 1024); // lz4js: 30,264 bytes for the same input
  });
});

// A seeded generator, so that a failing random case can be replayed.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seededBytes = (n: number, seed: number) => {
  const next = prng(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
};
const json = (n: number) => Buffer.from(JSON.stringify(Array.from({ length: Math.ceil(n / 60) }, (_, i) =>
  ({ id: 100_000 + i, name: `reading-${i % 13}`, value: (i * 7919) % 1000 / 10, ok: i % 3 === 0 })))).subarray(0, n);

/** lz4js's block, or undefined where lz4js writes none (it returns 0 for input it cannot shrink). */
function lz4jsBlock(input: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(lz4.compressBound(input.length));
  const n = lz4.compressBlock(input, out, 0, input.length, new Uint32Array(1 << 16));
  return n === 0 ? undefined : out.subarray(0, n);
}

function decode(block: Uint8Array, size: number): Buffer {
  const out = Buffer.alloc(size);
  expect(lz4DecompressBlock(block, out)).toBe(size);
  return out;
}

describe('LZ4 block decompression', () => {
  // [name, input, whether lz4js writes a block for it]
  const inputs: [string, Buffer, boolean][] = [
    ['empty', Buffer.alloc(0), false],
    ['1 byte', Buffer.from([0xa5]), false],
    ['15 bytes (literal length 15: one extension byte of 0)', seededBytes(15, 1), false],
    ['16 bytes', seededBytes(16, 2), false],
    ['17 bytes', seededBytes(17, 3), false],
    ['270 bytes (literal length 15 + 255: extension bytes 255, 0)', seededBytes(270, 4), false],
    ['17 random bytes then a 16-byte repeat', Buffer.concat([seededBytes(17, 5), seededBytes(17, 5).subarray(0, 16), Buffer.alloc(8)]), true],
    ['offset 1: 1000 times one byte', Buffer.alloc(1000, 0x61), true],
    ['offset 2: 1000 bytes of "ab"', Buffer.from('ab'.repeat(500)), true],
    ['offset 3: 1001 bytes of "abc"', Buffer.from('abc'.repeat(334)).subarray(0, 1001), true],
    ['offset 3 then literals, many times', Buffer.from(Array.from({ length: 40 }, (_, i) => `xyz`.repeat(5 + (i % 7)) + `#${i}#`).join('')), true],
    ['1 KiB random', seededBytes(1024, 6), false],
    ['1 KiB JSON', json(1024), true],
    ['64 KiB JSON', json(64 * 1024), true],
    ['64 KiB random then 64 KiB of text', Buffer.concat([seededBytes(64 * 1024, 7), text(64 * 1024)]), true],
  ];

  it.each(inputs)('decodes our compressor\'s block of %s', (_name, input) => {
    expect(decode(lz4CompressBlock(input), input.length).equals(input)).toBe(true);
  });

  it.each(inputs)('decodes lz4js\'s block of %s', (_name, input, lz4jsWrites) => {
    const block = lz4jsBlock(input);
    expect(block !== undefined).toBe(lz4jsWrites);
    if (block) expect(decode(block, input.length).equals(input)).toBe(true);
  });

  it.each([
    ['literals only', [0x30, 1, 2, 3], [1, 2, 3]],
    ['a match of offset 1 and length 4, then a last sequence of no literals', [0x10, 7, 0x01, 0x00, 0x00], [7, 7, 7, 7, 7]],
    // 'a', then a match of offset 1 and length 4 + 15 + 255 + 1, then an empty last sequence
    ['an overlapping match with two length extension bytes', [0x1f, 0x61, 0x01, 0x00, 0xff, 0x01, 0x00], Array(276).fill(0x61)],
    // 'abcde', then a 35-byte match of offset 5 that ends the output (so no room for 4-byte copies)
    ['an overlapping match at the very end', [0x5f, 0x61, 0x62, 0x63, 0x64, 0x65, 0x05, 0x00, 0x10, 0x00], [...Buffer.from('abcde'.repeat(8))]],
    // 65535 literals (15 + 256 × 255 + 240), then a match of offset 65535, the largest there is
    ['offset 65535', [0xf0, ...Array(256).fill(0xff), 240, ...Array(0xffff).fill(9), 0xff, 0xff, 0x00], Array(0xffff + 4).fill(9)],
  ])('decodes a hand-written block: %s', (_name, block, expected) => {
    expect([...decode(Uint8Array.from(block), expected.length)]).toEqual(expected);
  });

  // [name, block, output size, message fragment]
  const malformed: [string, number[], number, string][] = [
    ['literal length cut off', [0xf0], 100, 'offset 0: the literal length of the token runs past the end of the input'],
    ['literal length cut off after 255s', [0xf0, 0xff, 0xff], 1000, 'offset 0: the literal length of the token runs past'],
    ['literals past the end of the input', [0x50, 1, 2, 3], 100, 'offset 0: 5 literals run past the end of the input (4 bytes)'],
    ['a huge literal length past the end of the input', [0xf0, ...Array(1000).fill(0xff), 0], 1 << 20, 'offset 0: 255015 literals run past the end of the input'],
    ['literals past the end of the output', [0x30, 1, 2, 3], 2, 'offset 0: 3 literals run past the end of the output (2 bytes, 0 written)'],
    ['match offset cut off', [0x10, 0x61, 0x01], 100, 'offset 2: the match offset is cut off by the end of the input'],
    ['match offset 0', [0x10, 0x61, 0x00, 0x00, 0x00], 100, 'offset 2: match offset 0'],
    ['match offset before the start of the output', [0x10, 0x61, 0x02, 0x00, 0x00], 100, 'offset 2: match offset 2 points before the start of the output (1 byte written)'],
    ['a match before any output', [0x00, 0x01, 0x00, 0x00], 100, 'offset 1: match offset 1 points before the start of the output (0 bytes written)'],
    ['match length cut off', [0x1f, 0x61, 0x01, 0x00], 1000, 'offset 0: the match length of the token runs past the end of the input'],
    ['match length cut off after 255s', [0x1f, 0x61, 0x01, 0x00, 0xff, 0xff], 1000, 'offset 0: the match length of the token runs past'],
    ['match past the end of the output', [0x1f, 0x61, 0x01, 0x00, 0x10, 0x00], 20, 'offset 0: a 35-byte match runs past the end of the output (20 bytes, 1 written)'],
    ['input ending after a match', [0x10, 0x61, 0x01, 0x00], 100, 'offset 0: the input ends after a match (the last sequence must be literals only)'],
    ['an error in the second sequence', [0x10, 0x61, 0x01, 0x00, 0xf0], 100, 'offset 4: the literal length of the token runs past'],
    ['a second match past the end of the output', [0x10, 0x61, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00], 8, 'offset 4: a 4-byte match runs past the end of the output (8 bytes, 5 written)'],
  ];
  it.each(malformed)('rejects %s', (_name, block, size, message) => {
    expect(() => lz4DecompressBlock(Uint8Array.from(block), new Uint8Array(size))).toThrow(`LZ4 block is corrupt at input ${message}`);
  });

  it('on thousands of random and damaged blocks, returns what lz4js decodes or throws its own error', () => {
    const next = prng(42);
    const int = (n: number) => Math.floor(next() * n);
    const valid = [text(300), json(1024), Buffer.alloc(200, 7), seededBytes(100, 8)].map((b) => lz4CompressBlock(b));
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 6000; i++) {
      let block: Uint8Array;
      if (i % 2 === 0) {
        block = seededBytes(int(64), i);
      } else {
        // A valid block with a few bytes changed, maybe cut short: it gets further than random bytes do.
        block = Uint8Array.from(valid[i % valid.length]!);
        for (let k = 1 + int(3); k > 0; k--) block[int(block.length)] = int(256);
        if (next() < 0.3) block = block.subarray(0, int(block.length));
      }
      const dst = new Uint8Array(int(2048));
      let n: number;
      try {
        n = lz4DecompressBlock(block, dst);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).constructor).toBe(Error);
        expect((err as Error).message).toMatch(/^LZ4 block is corrupt at input offset \d+: /);
        rejected++;
        continue;
      }
      expect(n).toBeLessThanOrEqual(dst.length);
      // What we accept is a well-formed block, which lz4js (it checks nothing) decodes the same way.
      const reference = new Uint8Array(dst.length);
      expect(lz4.decompressBlock(block, reference, 0, block.length, 0)).toBe(n);
      expect(Buffer.from(dst.subarray(0, n)).equals(reference.subarray(0, n))).toBe(true);
      decoded++;
    }
    expect(decoded).toBeGreaterThan(500); // 1323 and 4677 with this seed
    expect(rejected).toBeGreaterThan(2000);
  });
});
