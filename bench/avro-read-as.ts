// Benchmark: what reading a writer's Avro payload as the contract's reader schema costs the gatekeeper,
// per message, for the schema pair of bench/gatekeeper-throughput.ts (the writer reorders the reader's
// three fields and adds a fourth with a default). Rows:
//  - the writer is the reader: the scan, then the payload itself (the reference);
//  - readAs through the byte-wise plan (src/core/formats/avro/transcode.ts): the scan, then the plan;
//  - the scan and avsc's resolving decode and encode (what readAs did before the plan);
//  - the scan alone, and the plan alone.
// Times are per message, the median of ROUNDS rounds of ITERATIONS messages each, in this process; each
// row's ratio is its time over the reference row's in the same round.
//
//   npx tsx bench/avro-read-as.ts
//
// Env: BENCH_ITERATIONS (default 200000), BENCH_ROUNDS (default 7).
import avsc from 'avsc';
import { makeAvroProvider, type AvroNative } from '../src/core/formats/avro/provider.js';
import { scanPayload } from '../src/core/formats/avro/payload.js';
import { makeTranscoder } from '../src/core/formats/avro/transcode.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const ORDER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'double' }] };
const ORDER_WRITER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'amount', type: 'double' }, { name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }, { name: 'sku', type: 'string' }] };

const avro = makeAvroProvider();
const reader = avro.parse(JSON.stringify(ORDER));
const writer = avro.parse(JSON.stringify(ORDER_WRITER));
const r = reader.native as AvroNative;
const w = writer.native as AvroNative;
// The same 64 payloads, cycled, for every row.
const value = (i: number) => ({ id: 1_000_000 + i, sku: `SKU-${i % 100}`, amount: i / 3, note: '' });
const same = Array.from({ length: 64 }, (_, i) => new Uint8Array(avsc.Type.forSchema(ORDER as avsc.Schema).toBuffer(value(i))));
const written = Array.from({ length: 64 }, (_, i) => new Uint8Array(avsc.Type.forSchema(ORDER_WRITER as avsc.Schema).toBuffer(value(i))));
const resolver = r.type.createResolver(w.type, { ignoreNamespaces: true } as never);
const plan = makeTranscoder(r.root, w.root, () => undefined)!;

let sink = 0;
const rows: Array<{ name: string; run: (i: number) => void }> = [
  { name: 'writer = reader: scan, payload as is (reference)', run: (i) => { const res = avro.readAs(same[i & 63]!, reader, reader); if (res.ok) sink += res.bytes.length; } },
  { name: 'writer ≠ reader: readAs (scan + byte-wise plan)', run: (i) => { const res = avro.readAs(written[i & 63]!, writer, reader); if (res.ok) sink += res.bytes.length; } },
  {
    name: 'writer ≠ reader: scan + avsc resolve and encode (before)',
    run: (i) => {
      const p = written[i & 63]!;
      if (scanPayload(p, w.root).length > 0) throw new Error('bad payload');
      const { value: v } = r.type.decode(Buffer.from(p.buffer, p.byteOffset, p.byteLength), 0, resolver);
      sink += r.type.toBuffer(v).length;
    },
  },
  { name: 'scan alone', run: (i) => { sink += scanPayload(written[i & 63]!, w.root).length; } },
  { name: 'byte-wise plan alone', run: (i) => { sink += plan(written[i & 63]!)!.length; } },
];

function time(fn: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / ITERATIONS;
}

const times = rows.map(() => [] as number[]);
const ratios = rows.map(() => [] as number[]);
for (let round = 0; round <= ROUNDS; round++) {
  // Round 0 warms the JIT and is not kept; the order of the rows alternates.
  const order = rows.map((_, i) => i);
  if (round % 2 === 1) order.reverse();
  const got = new Array<number>(rows.length);
  for (const i of order) got[i] = time(rows[i]!.run);
  if (round === 0) continue;
  got.forEach((t, i) => { times[i]!.push(t); ratios[i]!.push(t / got[0]!); });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`\n${ITERATIONS} messages × ${ROUNDS} rounds, payload ${written[0]!.length} bytes (writer), ${same[0]!.length} bytes (reader); node ${process.version}\n`);
console.log('| row | ns/message (median) | ÷ reference (median of per-round ratios) |');
console.log('|---|---:|---:|');
rows.forEach((row, i) => console.log(`| ${row.name} | ${median(times[i]!).toFixed(0)} | ${median(ratios[i]!).toFixed(2)} |`));
if (sink === 42) console.log('');
