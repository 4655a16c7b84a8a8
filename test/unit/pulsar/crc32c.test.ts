import { describe, expect, it } from 'vitest';
import { crc32c, crc32cNative, crc32cPortable, NATIVE_FROM_BYTES } from '../../../src/pulsar/crc32c.js';

/** Bit at a time, straight from the polynomial: the reference both implementations are held to. */
function reference(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const implementations: [string, (data: Uint8Array, previous?: number) => number][] = [
  ['crc32c (the one frames use)', crc32c],
  ['portable (table loop)', crc32cPortable],
  ...(crc32cNative ? [['native (@node-rs/crc32)', crc32cNative] as [string, (data: Uint8Array, previous?: number) => number]] : []),
];

const backing = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff));

describe.each(implementations)('%s', (_name, crc) => {
  it.each([
    ['"123456789"', Buffer.from('123456789'), 0xe3069283],
    ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
    ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
    ['bytes 0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    ['bytes 31..0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
    ['empty', Buffer.alloc(0), 0],
  ])('%s', (_label, data, expected) => {
    expect(crc(data)).toBe(expected);
  });

  it('agrees with the bit-at-a-time reference at every length up to 100, around the native threshold and for large frames, at every alignment', () => {
    const lengths = [
      ...Array.from({ length: 101 }, (_, i) => i),
      NATIVE_FROM_BYTES - 1, NATIVE_FROM_BYTES, NATIVE_FROM_BYTES + 1, 1100, 65_600,
    ];
    for (let offset = 0; offset < 4; offset++) {
      for (const length of lengths) {
        const data = backing.subarray(offset, offset + length);
        expect(crc(data), `offset ${offset}, length ${length}`).toBe(reference(data));
      }
    }
  });

  it('continues a running checksum, on either side of the native threshold', () => {
    for (const [split, length] of [[10, 29], [100, 1100], [300, 1100]] as const) {
      const data = backing.subarray(5, 5 + length);
      expect(crc(data.subarray(split), crc(data.subarray(0, split))), `split ${split} of ${length}`).toBe(reference(data));
      expect(crc(data.subarray(split), crc(data.subarray(0, split)))).toBe(reference(data.subarray(split), reference(data.subarray(0, split))));
    }
  });
});

describe('the native module', () => {
  // The prebuilt binaries cover Linux, macOS and Windows on x64 and arm64; where one exists the
  // checksum must not silently fall back to JavaScript (a broken install would only show as slowness).
  const prebuilt = ['linux', 'darwin', 'win32'].includes(process.platform) && ['x64', 'arm64'].includes(process.arch);
  it.runIf(prebuilt)('loads on this platform', () => {
    expect(crc32cNative).toBeTypeOf('function');
  });
});
