// Benchmark: our LZ4 block decoder (lz4-block.ts) against lz4js 0.2.0's decompressBlock (the reference),
// on the blocks a consumer reads: single 1 KiB messages (JSON, and Avro-like binary records) and 64 KiB
// batches. Every block is written by our compressor and checked to decode the same with both before
// timing. Times are per block, the median of ROUNDS rounds; each round decodes about BENCH_BYTES of
// output per decoder and row, alternating which decoder goes first. The ratio is ours over lz4js's in
// the same round (below 1: ours is faster), then its median.
//
//   npx tsx bench/lz4-decode.ts
//
// Env: BENCH_BYTES (default 16777216), BENCH_ROUNDS (default 7).
import { randomBytes } from 'node:crypto';
import * as lz4 from 'lz4js';
import { lz4CompressBlock, lz4DecompressBlock } from '../src/pulsar/lz4-block.js';

const BYTES = Number(process.env.BENCH_BYTES ?? 16 * 1024 * 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function jsonRecords(n: number, first = 0): Buffer {
  let text = '';
  for (let i = first; text.length < n; i++) {
    text += JSON.stringify({ id: 100_000 + i * 37, sensor: `sensor-${i % 17}`, value: ((i * 7919) % 10_000) / 100, ok: i % 3 === 0, ts: 1_764_000_000_000 + i * 1000 }) + '\n';
  }
  return Buffer.from(text).subarray(0, n);
}
// Avro's binary encoding of { id: long, sensor: string, value: double, ok: boolean }: zigzag varints,
// length-prefixed strings, little-endian doubles, no field names.
function avroRecords(n: number): Buffer {
  const out: number[] = [];
  for (let i = 0; out.length < n; i++) {
    let v = (100_000 + i * 37) * 2;
    while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
    out.push(v);
    const sensor = Buffer.from(`sensor-${i % 17}`);
    out.push(sensor.length * 2, ...sensor);
    const value = Buffer.alloc(8);
    value.writeDoubleLE(((i * 7919) % 10_000) / 100);
    out.push(...value, i % 3 === 0 ? 1 : 0);
  }
  return Buffer.from(out.slice(0, n));
}
// A batch as Pulsar frames one: each message's small metadata, then its payload (records of its own).
const batch = (n: number) => {
  const parts: Buffer[] = [];
  for (let i = 0, size = 0; size < n; i++) {
    const payload = jsonRecords(600 + (i % 5) * 100, i * 10);
    const head = Buffer.from([0, 0, 0, 12, 0x18, payload.length & 0x7f, 0x80 | (i & 0x7f), 0x01, 0x0a, 0x04, 0x74, 0x65, 0x6e, 0x74]);
    parts.push(head, payload);
    size += head.length + payload.length;
  }
  return Buffer.concat(parts).subarray(0, n);
};

interface Row { name: string; input: Buffer; block: Buffer }
const rows: Row[] = [
  ['1 KiB JSON message', jsonRecords(1024)],
  ['1 KiB Avro message', avroRecords(1024)],
  // The payload of bench/pulsar-client.ts: 512 random hex digits, then 512 times 'x' (a run: offset 1).
  ['1 KiB client-benchmark message', Buffer.from(randomBytes(256).toString('hex') + 'x'.repeat(512))],
  ['64 KiB batch of JSON messages', batch(64 * 1024)],
  ['64 KiB batch of Avro records', avroRecords(64 * 1024)],
].map(([name, input]) => ({ name: name as string, input: input as Buffer, block: lz4CompressBlock(input as Buffer) }));

const ours = (r: Row, dst: Uint8Array) => lz4DecompressBlock(r.block, dst);
const reference = (r: Row, dst: Uint8Array) => lz4.decompressBlock(r.block, dst, 0, r.block.length, 0);
for (const r of rows) {
  for (const decode of [ours, reference]) {
    const dst = Buffer.alloc(r.input.length);
    if (decode(r, dst) !== r.input.length || !dst.equals(r.input)) throw new Error(`${decode.name} misdecodes ${r.name}`);
  }
}

let sink = 0;
function time(r: Row, decode: (r: Row, dst: Uint8Array) => number): number {
  const iterations = Math.max(1, Math.round(BYTES / r.input.length));
  const dst = Buffer.allocUnsafe(r.input.length);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += decode(r, dst);
  return Number(process.hrtime.bigint() - t0) / iterations;
}

const results = rows.map(() => ({ ours: [] as number[], reference: [] as number[] }));
for (let round = 0; round < ROUNDS + 1; round++) {
  // Round 0 warms the JIT and is not kept.
  rows.forEach((r, i) => {
    const first = round % 2 === 0;
    const a = time(r, first ? ours : reference);
    const b = time(r, first ? reference : ours);
    if (round === 0) return;
    results[i]!.ours.push(first ? a : b);
    results[i]!.reference.push(first ? b : a);
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, ns: number) => (bytes / ns) * 1e3; // bytes per ns = GB/s; × 1000 = MB/s
console.log(`\nLZ4 block decoding, about ${BYTES} output bytes per measurement, median of ${ROUNDS} rounds (ns per block; MB/s of output)\n`);
console.log('| block | bytes in → out | lz4js 0.2.0 (ns) | lz4js MB/s | ours (ns) | ours MB/s | ratio ours/lz4js |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
rows.forEach((r, i) => {
  const res = results[i]!;
  const o = median(res.ours);
  const ref = median(res.reference);
  const ratio = median(res.ours.map((v, k) => v / res.reference[k]!));
  console.log(`| ${r.name} | ${r.block.length} → ${r.input.length} | ${ref.toFixed(0)} | ${mbps(r.input.length, ref).toFixed(0)} | ${o.toFixed(0)} | ${mbps(r.input.length, o).toFixed(0)} | ${ratio.toFixed(2)} |`);
});
console.log(`\n(checksum ${sink % 1000})`);
