// Benchmark: the CRC32C every Pulsar frame carries (src/pulsar/crc32c.ts). Three implementations on the
// same inputs, each checked against the others first:
//  - slicing-by-8 with byte loads, written out here: the reference, the loop before slicing-by-16. The
//    portable code keeps the same loop inline for inputs under 128 bytes; a shared function called from
//    there measured 1.4x slower on 64-byte inputs (105 against 76 ns), so the two stay separate;
//  - portable: slicing-by-16 over little-endian words, the JavaScript the client falls back to;
//  - crc32c as frames use it: the native module (@node-rs/crc32) from NATIVE_FROM_BYTES, portable below.
// Inputs are frames' checksummed parts (metadata and payload) from 64 bytes to 64 KiB, at the four
// alignments a Buffer slice can have. Times are ns per input, the median of ROUNDS rounds rotating which
// goes first; each ratio is over the reference in the same round (below 1: faster), then its median.
//
//   npx tsx bench/crc32c.ts
//
// Env: BENCH_ROUNDS (default 15).
import { crc32c, crc32cNative, crc32cPortable, NATIVE_FROM_BYTES } from '../src/pulsar/crc32c.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

const T = Array.from({ length: 8 }, () => new Int32Array(256));
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  T[0]![n] = c;
}
for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) T[k]![n] = T[0]![T[k - 1]![n]! & 0xff]! ^ (T[k - 1]![n]! >>> 8);
const [T0, T1, T2, T3, T4, T5, T6, T7] = T as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** The previous implementation: slicing-by-8, eight byte loads per step. */
function slicingBy8(data: Uint8Array): number {
  let crc = ~0;
  let i = 0;
  const n = data.length;
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

const backing = Buffer.alloc(70_000);
for (let i = 0; i < backing.length; i++) backing[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
const rows = [64, 120, 200, 1100, 65_600].map((size) => ({ size, inputs: [0, 1, 2, 3].map((offset) => backing.subarray(offset, offset + size)) }));
const candidates: [string, (b: Uint8Array) => number][] = [['reference', slicingBy8], ['portable', crc32cPortable], ['crc32c', crc32c]];
for (const r of rows) {
  for (const input of r.inputs) {
    for (const [name, f] of candidates) if (f(input) !== slicingBy8(input)) throw new Error(`${name} disagrees with the reference at ${r.size} bytes`);
  }
}

let sink = 0;
function time(inputs: Buffer[], f: (b: Uint8Array) => number): number {
  const iterations = Math.max(4, Math.round(4_000_000 / inputs[0]!.length));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += f(inputs[i & 3]!);
  return Number(process.hrtime.bigint() - t0) / iterations;
}
const results = rows.map(() => candidates.map(() => [] as number[]));
for (let round = 0; round <= ROUNDS; round++) {
  rows.forEach((r, i) => {
    const times: number[] = [];
    for (let k = 0; k < candidates.length; k++) {
      const c = (k + round) % candidates.length;
      times[c] = time(r.inputs, candidates[c]![1]);
    }
    if (round === 0) return; // JIT warm-up
    times.forEach((t, c) => results[i]![c]!.push(t));
  });
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`\nCRC32C, median of ${ROUNDS} rounds (ns per input, all four alignments); native module ${crc32cNative ? 'loaded' : 'NOT loaded'}, used from ${NATIVE_FROM_BYTES} bytes\n`);
console.log('| input | slicing-by-8, byte loads (ns) | portable: slicing-by-16 (ns) | crc32c as used (ns) | portable ÷ reference | as used ÷ reference | as used ÷ portable | as used MB/s |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
rows.forEach((r, i) => {
  const [ref, portable, used] = results[i] as [number[], number[], number[]];
  const ratio = (xs: number[], ys: number[]) => median(xs.map((v, k) => v / ys[k]!)).toFixed(2);
  console.log(`| ${r.size} bytes | ${median(ref).toFixed(0)} | ${median(portable).toFixed(0)} | ${median(used).toFixed(0)} | ${ratio(portable, ref)} | ${ratio(used, ref)} | ${ratio(used, portable)} | ${(r.size / median(used) * 1e3).toFixed(0)} |`);
});
console.log(`\n(checksum ${sink % 1000})`);
