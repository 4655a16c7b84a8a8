// A Pulsar schema version's text (the key of the writer cache and of recorded writers) must be what the
// signed 64-bit reading gives, whichever way it is computed.
import { describe, expect, it } from 'vitest';
import { schemaVersionText } from '../../../src/core/gatekeeper/identify.js';

const be64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return new Uint8Array(b); };

describe('schemaVersionText', () => {
  it.each([0n, 1n, 7n, 255n, 256n, 65_535n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n), -(2n ** 32n)])(
    'an 8-byte version %s reads as the signed 64-bit number it encodes', (v) => {
      expect(schemaVersionText(be64(v))).toBe(v.toString());
    });

  it('reads an 8-byte version inside a larger buffer (a view with an offset) by its own bytes', () => {
    const frame = Buffer.alloc(32, 0xee);
    Buffer.from(be64(42n)).copy(frame, 11);
    expect(schemaVersionText(frame.subarray(11, 19))).toBe('42');
  });

  it.each<[string, Uint8Array | undefined, string | undefined]>([
    ['absent', undefined, undefined],
    ['empty', new Uint8Array(0), undefined],
    ['4 bytes', new Uint8Array([0, 1, 0xab, 0xff]), '0001abff'],
    ['16 bytes (not a counter)', new Uint8Array(16).fill(0x5a), '5a'.repeat(16)],
  ])('%s: %s', (_name, version, text) => {
    expect(schemaVersionText(version)).toBe(text);
  });
});
