// LZ4 block compression (the raw block format Pulsar's clients use for CompressionType.LZ4), greedy
// with one hash probe per position, as LZ4's own "fast" level does. Written here because lz4js needs a
// zeroed 256 KiB hash table per call, which cost more than compressing a 1 KiB message; this one keeps
// one table for the process and tells stale entries apart by a moving base instead of clearing it.
// The decoder is ours too: payloads come from the network, and lz4js's decoder trusts them (it reads past
// the end of its input and silently drops what would land past its output); this one checks every length
// and offset against both buffers, throws saying what was wrong and where, and is faster.

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

// Runs at least this long are copied with one call (set, copyWithin); shorter ones four bytes at a time
// through DataViews, which is faster than byte by byte but may write up to 3 bytes past the run's end:
// bytes not decoded yet, which the next sequence overwrites.
const BULK_COPY = 64;

const corrupt = (at: number, what: string) => new Error(`LZ4 block is corrupt at input offset ${at}: ${what}`);
const bytes = (n: number) => (n === 1 ? '1 byte' : `${n} bytes`);

/**
 * Decodes one LZ4 block into `dst` and returns the number of bytes written (the caller checks it is the
 * size it expected; bytes of dst past that count are unspecified). Throws on any malformed input, and
 * never reads or writes outside the two buffers.
 */
export function lz4DecompressBlock(src: Uint8Array, dst: Uint8Array): number {
  const sEnd = src.length;
  const dEnd = dst.length;
  // Nothing can be misread from an empty block; read it as empty and let the caller's size check judge.
  if (sEnd === 0) return 0;
  // Made on first use: a block of long runs (set, copyWithin, fill) needs neither.
  let sv: DataView | undefined;
  let dv: DataView | undefined;
  let s = 0;
  let d = 0;
  for (;;) {
    const at = s; // the token's offset, named in errors
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s === sEnd) throw corrupt(at, 'the literal length of the token runs past the end of the input');
        b = src[s++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > sEnd - s) throw corrupt(at, `${literals} literals run past the end of the input (${bytes(sEnd)})`);
    if (literals > dEnd - d) throw corrupt(at, `${literals} literals run past the end of the output (${bytes(dEnd)}, ${d} written)`);
    if (literals >= BULK_COPY) {
      dst.set(src.subarray(s, s + literals), d);
      s += literals;
      d += literals;
    } else if (literals <= sEnd - s - 3 && literals <= dEnd - d - 3) {
      const end = d + literals;
      const from = (sv ??= new DataView(src.buffer, src.byteOffset, sEnd));
      const to = (dv ??= new DataView(dst.buffer, dst.byteOffset, dEnd));
      while (d < end) { to.setUint32(d, from.getUint32(s, true), true); d += 4; s += 4; }
      s -= d - end;
      d = end;
    } else {
      for (const end = s + literals; s < end;) dst[d++] = src[s++]!;
    }
    if (s === sEnd) return d; // the last sequence: literals only

    if (sEnd - s < 2) throw corrupt(s, 'the match offset is cut off by the end of the input');
    const offset = src[s]! | (src[s + 1]! << 8);
    if (offset === 0) throw corrupt(s, 'match offset 0 (a match copies from at least 1 byte back)');
    if (offset > d) throw corrupt(s, `match offset ${offset} points before the start of the output (${bytes(d)} written)`);
    s += 2;
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s === sEnd) throw corrupt(at, 'the match length of the token runs past the end of the input');
        b = src[s++]!;
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (length > dEnd - d) throw corrupt(at, `a ${length}-byte match runs past the end of the output (${bytes(dEnd)}, ${d} written)`);
    let m = d - offset;
    const end = d + length;
    if (offset >= length && length >= BULK_COPY) {
      dst.copyWithin(d, m, m + length);
      d = end;
    } else if (offset >= 4 && length <= dEnd - d - 3) {
      // Four bytes at a time is right even when the match overlaps its source: each read ends at or
      // before the write position, so it sees bytes already written.
      const to = (dv ??= new DataView(dst.buffer, dst.byteOffset, dEnd));
      while (d < end) { to.setUint32(d, to.getUint32(m, true), true); d += 4; m += 4; }
      d = end;
    } else if (offset === 1) {
      dst.fill(dst[m]!, d, end); // a run of one byte
      d = end;
    } else if (length < 16) {
      while (d < end) dst[d++] = dst[m++]!;
    } else {
      // A long match of offset 2 or 3, or one ending too near the end of dst for the above: the output
      // repeats its last `offset` bytes. Each copy takes everything repeated so far (whole periods), so
      // the copies double in size and never overlap their source.
      while (d < end) {
        const n = Math.min(d - m, end - d);
        dst.copyWithin(d, m, m + n);
        d += n;
      }
    }
    if (s === sEnd) throw corrupt(at, 'the input ends after a match (the last sequence must be literals only)');
  }
}
