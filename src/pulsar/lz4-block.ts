// LZ4 block compression (the raw block format Pulsar's clients use for CompressionType.LZ4), greedy
// with one hash probe per position, as LZ4's own "fast" level does. Written here because lz4js needs a
// zeroed 256 KiB hash table per call, which cost more than compressing a 1 KiB message; this one keeps
// one table for the process and tells stale entries apart by a moving base instead of clearing it.
// Decompression stays with lz4js (its decoder allocates nothing).

const MIN_MATCH = 4;
const MFLIMIT = 12; // the last match starts at least 12 bytes before the end
const LAST_LITERALS = 5; // the last 5 bytes are always literals
const HASH_LOG = 14;
const MAX_OFFSET = 65_535;

const table = new Int32Array(1 << HASH_LOG);
let base = 1;

const read32 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const hash = (v: number) => Math.imul(v, 2654435761) >>> (32 - HASH_LOG);

/** Worst-case size of a compressed block of n bytes. */
export function lz4Bound(n: number): number {
  return n + Math.ceil(n / 255) + 16;
}

function writeLength(dst: Buffer, d: number, rest: number): number {
  while (rest >= 255) { dst[d++] = 255; rest -= 255; }
  dst[d++] = rest;
  return d;
}

/** One LZ4 block holding `src`. */
export function lz4CompressBlock(src: Uint8Array): Buffer {
  const n = src.length;
  const dst = Buffer.allocUnsafe(lz4Bound(n));
  let d = 0;
  let anchor = 0;
  if (n > MFLIMIT) {
    const matchLimit = n - MFLIMIT;
    const matchEnd = n - LAST_LITERALS;
    let i = 1;
    let attempts = 1 << 6;
    table[hash(read32(src, 0))] = base;
    while (i < matchLimit) {
      const seq = read32(src, i);
      const h = hash(seq);
      const cand = table[h]! - base;
      table[h] = base + i;
      if (cand < 0 || i - cand > MAX_OFFSET || read32(src, cand) !== seq) {
        i += attempts++ >> 6; // skip faster through data that does not compress
        continue;
      }
      attempts = 1 << 6;
      let s = i;
      let c = cand;
      while (s > anchor && c > 0 && src[s - 1] === src[c - 1]) { s--; c--; }
      let e = i + MIN_MATCH;
      let ce = cand + MIN_MATCH;
      while (e < matchEnd && src[e] === src[ce]) { e++; ce++; }
      const literals = s - anchor;
      const matchLength = e - s - MIN_MATCH;
      const token = d++;
      dst[token] = ((literals >= 15 ? 15 : literals) << 4) | (matchLength >= 15 ? 15 : matchLength);
      if (literals >= 15) d = writeLength(dst, d, literals - 15);
      dst.set(src.subarray(anchor, s), d);
      d += literals;
      const offset = s - c;
      dst[d++] = offset & 0xff;
      dst[d++] = offset >>> 8;
      if (matchLength >= 15) d = writeLength(dst, d, matchLength - 15);
      anchor = i = e;
      if (i < matchLimit) table[hash(read32(src, i - 2))] = base + i - 2;
    }
  }
  const literals = n - anchor;
  dst[d++] = (literals >= 15 ? 15 : literals) << 4;
  if (literals >= 15) d = writeLength(dst, d, literals - 15);
  dst.set(src.subarray(anchor, n), d);
  d += literals;
  // Entries of this call are now below the next base; restart the table long before Int32 overflows.
  base += n + 1;
  if (base > 1 << 30) { table.fill(0); base = 1; }
  return dst.subarray(0, d);
}
