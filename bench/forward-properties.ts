// Benchmark: what each property a gatekeeper forward carries costs the client, one property at a time.
// For the same 40-byte Avro payload and the source's own three properties (the reference), then with
// the gatekeeper's properties added one by one in the order forwardProperties() writes them:
//  - bytes of the SEND frame (what the broker stores and dispatches; its own cost grows with them);
//  - the producer side: building the properties (forwardProperties(), the spread over the source's) and
//    encoding the SEND frame;
//  - the consumer side: decoding the MessageMetadata and turning its properties into a record.
// Times are per message, the median of ROUNDS rounds of ITERATIONS messages each, in this process; each
// row's ratio is its time over the reference row's, measured in the same round.
//
//   npx tsx bench/forward-properties.ts
//
// Env: BENCH_ITERATIONS (default 200000), BENCH_ROUNDS (default 7).
import { forwardProperties, PROP } from '../src/gatekeeper/sinks.js';
import type { Route } from '../src/gatekeeper/types.js';
import { propertiesOf } from '../src/pulsar/proto.js';
import { decodeIncomingMetadata } from '../src/pulsar/wire-decode.js';
import { encodeOutgoingMetadata, encodeSendFrame, type OutgoingMetadata } from '../src/pulsar/wire.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const route: Route = {
  topic: 'persistent://orders-team/prod/orders', dagId: 'orders_daily', dagVersion: '2026.11.3', dagVersionId: 1,
  subject: 'orders-value', subjectVersion: 12, schemaId: 41, onMismatch: 'quarantine', triggerTopic: 'persistent://airflow/prod/dag-orders_daily',
};
const source = {
  topic: 'persistent://orders-team/prod/orders-partition-3', messageId: '1234:56789:3:-1',
  properties: { 'trace-id': '4bf92f3577b34da6a3ce929d0e0e4736', tenant: 'eu-1', origin: 'checkout-service' },
};
const payload = new Uint8Array(40).fill(7);
const full = forwardProperties(source, route, 41);
// The properties in the order forwardProperties() adds them, after the source's own.
const added = Object.keys(full).filter((k) => !(k in source.properties));

interface Row { name: string; keys: string[] }
const rows: Row[] = [{ name: "the source's own 3 properties (reference)", keys: [] }];
for (let i = 0; i < added.length; i++) rows.push({ name: `+ ${added[i]}`, keys: added.slice(0, i + 1) });

function propertiesFor(keys: string[]): () => Record<string, string> {
  if (keys.length === added.length) return () => forwardProperties(source, route, 41);
  // A prefix of the gatekeeper's: built the way forwardProperties builds them (a copy loop, then stores).
  return () => {
    const out: Record<string, string> = {};
    const own: Record<string, string> = source.properties;
    for (const k in own) out[k] = own[k]!;
    for (const k of keys) out[k] = full[k]!;
    return out;
  };
}

function metadataFor(properties: Record<string, string>, sequenceId: bigint): OutgoingMetadata {
  return { producerName: 'dagpact-gatekeeper-0', sequenceId, publishTime: 1_764_000_000_000, properties, schemaVersion: new Uint8Array(8) };
}

let sink = 0;
function time(fn: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / ITERATIONS;
}

function measure(row: Row) {
  const build = propertiesFor(row.keys);
  const produce = time((i) => {
    const frame = encodeSendFrame({ producerId: 1n, sequenceId: BigInt(i), numMessages: 1 }, metadataFor(build(), BigInt(i)), payload);
    sink += frame.length;
  });
  const metadata = encodeOutgoingMetadata(metadataFor(build(), 1n));
  const consume = time(() => {
    const decoded = decodeIncomingMetadata(metadata);
    sink += Object.keys(propertiesOf(decoded.properties as { key: string; value: string }[])).length;
  });
  const bytes = encodeSendFrame({ producerId: 1n, sequenceId: 1n, numMessages: 1 }, metadataFor(build(), 1n), payload).length;
  return { produce, consume, bytes };
}

const results = rows.map(() => ({ produce: [] as number[], consume: [] as number[], bytes: 0 }));
for (let r = 0; r < ROUNDS + 1; r++) {
  // Round 0 warms the JIT and is not kept; the order of the rows alternates.
  const order = r % 2 === 0 ? rows.map((_, i) => i) : rows.map((_, i) => rows.length - 1 - i);
  for (const i of order) {
    const m = measure(rows[i]!);
    if (r === 0) continue;
    results[i]!.produce.push(m.produce); results[i]!.consume.push(m.consume); results[i]!.bytes = m.bytes;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ref = results[0]!;
// Ratios per round against the reference of the same round, then their median.
const ratio = (i: number, k: 'produce' | 'consume') => median(results[i]![k].map((v, r) => v / ref[k][r]!));
console.log(`\nForward properties, ${ITERATIONS} messages per measurement, median of ${ROUNDS} rounds (ns per message; ratio to the reference in the same round)\n`);
console.log('| properties | SEND frame bytes | produce: build + encode (ns) | ratio | consume: decode + record (ns) | ratio |');
console.log('|---|---:|---:|---:|---:|---:|');
rows.forEach((row, i) => {
  const res = results[i]!;
  console.log(`| ${row.name} | ${res.bytes} | ${median(res.produce).toFixed(0)} | ${ratio(i, 'produce').toFixed(2)} | ${median(res.consume).toFixed(0)} | ${ratio(i, 'consume').toFixed(2)} |`);
});
console.log(`\n(${Object.values(PROP).length} property names defined; checksum ${sink % 1000})`);
