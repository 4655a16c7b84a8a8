// CRC32C (Castagnoli), the checksum of every Pulsar payload frame: computed on each send, checked on
// each message received. Two implementations (docs/adr/0028):
//  - native: @node-rs/crc32, a prebuilt Node-API module using the CPU's CRC32 instructions. A call into
//    it costs about as much as the table loop below spends on ~140 bytes, so it is used from 160 bytes;
//  - portable: the table loop, in JavaScript, for short inputs and wherever the native module cannot be
//    loaded (a platform without a prebuilt binary). Both give the same numbers (test/unit/pulsar/crc32c.test.ts).
import { createRequire } from 'node:module';

type Crc = (data: Uint8Array, previous?: number) => number;

/** The native implementation, or undefined when its module does not load on this platform. */
export const crc32cNative: Crc | undefined = (() => {
  try {
    const native = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: Crc }).crc32c;
    // A module that loads but answers wrongly must not checksum frames: check one known value.
    return native(Buffer.from('123456789')) === 0xe3069283 ? native : undefined;
  } catch {
    return undefined;
  }
})();

/** From this many bytes the native call is cheaper than the table loop (bench/crc32c.ts). */
export const NATIVE_FROM_BYTES = 160;

/** CRC32C of `data`; `previous` continues a running checksum. */
export const crc32c: Crc = crc32cNative
  ? (data, previous = 0) => (data.length >= NATIVE_FROM_BYTES ? crc32cNative(data, previous) : crc32cPortable(data, previous))
  : crc32cPortable;

// Slicing-by-16: sixteen tables, sixteen bytes per step, read as four little-endian words through a
// DataView (one load each). 0.75x the time of slicing-by-8 with byte loads on 1 KiB, 0.63x on 64 KiB
// (bench/crc32c.ts); that one was several times the byte-at-a-time loop.
const CRC32C_TABLES = (() => {
  const t = Array.from({ length: 16 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0]![n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 16; k++) t[k]![n] = t[0]![t[k - 1]![n]! & 0xff]! ^ (t[k - 1]![n]! >>> 8);
  }
  return t;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = CRC32C_TABLES as [
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
];

/** Below this many bytes the table loop reads bytes, not words (bench/crc32c.ts). */
const SHORT_BYTES = 128;

/** CRC32C (Castagnoli), table-driven; `previous` continues a running checksum. */
export function crc32cPortable(data: Uint8Array, previous = 0): number {
  let crc = ~previous;
  let i = 0;
  const n = data.length;
  // Short inputs take eight bytes a step with byte loads: making the DataView costs more than it saves.
  if (n < SHORT_BYTES) {
    const end8 = n - (n & 7);
    for (; i < end8; i += 8) {
      const lo = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const hi = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
      crc = T7[lo & 0xff]! ^ T6[(lo >>> 8) & 0xff]! ^ T5[(lo >>> 16) & 0xff]! ^ T4[lo >>> 24]!
        ^ T3[hi & 0xff]! ^ T2[(hi >>> 8) & 0xff]! ^ T1[(hi >>> 16) & 0xff]! ^ T0[hi >>> 24]!;
    }
    for (; i < n; i++) crc = T0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    return ~crc >>> 0;
  }
  const end16 = n - (n & 15);
  {
    const words = new DataView(data.buffer, data.byteOffset, n);
    for (; i < end16; i += 16) {
      const a = crc ^ words.getInt32(i, true);
      const b = words.getInt32(i + 4, true);
      const c = words.getInt32(i + 8, true);
      const d = words.getInt32(i + 12, true);
      crc = T15[a & 0xff]! ^ T14[(a >>> 8) & 0xff]! ^ T13[(a >>> 16) & 0xff]! ^ T12[a >>> 24]!
        ^ T11[b & 0xff]! ^ T10[(b >>> 8) & 0xff]! ^ T9[(b >>> 16) & 0xff]! ^ T8[b >>> 24]!
        ^ T7[c & 0xff]! ^ T6[(c >>> 8) & 0xff]! ^ T5[(c >>> 16) & 0xff]! ^ T4[c >>> 24]!
        ^ T3[d & 0xff]! ^ T2[(d >>> 8) & 0xff]! ^ T1[(d >>> 16) & 0xff]! ^ T0[d >>> 24]!;
    }
  }
  for (; i < n; i++) crc = T0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
