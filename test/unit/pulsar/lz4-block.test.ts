// The LZ4 block compressor against lz4js's decoder: every shape of input decodes back to itself, and
// compressible input shrinks. (The Python client reading dagpact's LZ4 entries is in the interop tests.)
import { randomBytes } from 'node:crypto';
import * as lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { lz4Bound, lz4CompressBlock } from '../../../src/pulsar/lz4-block.js';

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
