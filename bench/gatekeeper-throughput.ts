// Benchmark: the gatekeeper (identify + compatibility + payload check + forward, ack after receipt)
// against a plain forwarder on the same Pulsar client (dagpact's src/pulsar/) that forwards without
// checking. Same broker, same messages. Three gatekeeper paths:
//  - pulsar-same: the producer declares an AVRO schema on the broker (the Pulsar-native path: the writer
//    is identified by each message's schema_version) that is the contract's reader schema: no re-encoding;
//  - pulsar-reencode: the broker schema differs from the reader (fields reordered, one more with a
//    default): each forward is resolved into the reader schema and encoded again;
//  - confluent: Avro in Confluent wire format, the writer registered in dagpact.
//
// Two measurements, each run ROUNDS times, every path in turn (in the opposite order every other round), medians reported:
//  - throughput: N messages are put on the source topic first (a backlog), then the forwarder or the
//    gatekeeper is started; rate = messages / (last arrival − first arrival) on the target topic, so the
//    load generator and start-up are not measured;
//  - latency: a paced stream from send to arrival on the target topic, at two rates: LAT_RATE msg/s (light
//    load, well under every capacity), and half of the plain forwarder's capacity measured in the same
//    round (HALF_SECONDS long), the same rate for every path; "added" = gatekeeper − plain forwarder.
//
//   npm run build && npx tsx bench/gatekeeper-throughput.ts   (needs a broker and PostgreSQL, e.g. the test harnesses)
//
// Env: PULSAR_SERVICE_URL (default pulsar://127.0.0.1:6650), PULSAR_ADMIN_URL (default http://127.0.0.1:8080),
// DATABASE_URL (default: a fresh database on TEST_DATABASE_URL's server, dropped afterwards),
// BENCH_MESSAGES (default 60000: throughput runs of ~5 s, long enough to average the broker's swings), BENCH_ROUNDS (default 3), BENCH_LATENCY_RATE (default 500 msg/s),
// BENCH_LATENCY_MESSAGES (default 2500), BENCH_HALF_SECONDS (default 4), BENCH_PATHS (default pulsar-same,pulsar-reencode,confluent).
// First, as the dagpact command does (src/cli/main.ts): keeps process.nextTick on V8's fast path.
import '../src/support/tick-shape.js';
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { PulsarTransport } from '../src/gatekeeper/adapters/pulsar.js';
import type { Route, SourceMessage, TopicConsumer } from '../src/gatekeeper/types.js';
import { createNamespace, deploy, seedDagVersion } from '../test/integration/gatekeeper/support.js';
import { fromDist } from './dist.js';

// The gatekeeper and the plain forwarder alike run from the build (bench/dist.ts).
const { parseGatekeeperConfig } = await fromDist<typeof import('../src/config/gatekeeper-config.js')>('config/gatekeeper-config.js');
const { openPulsarTransport } = await fromDist<typeof import('../src/gatekeeper/adapters/pulsar.js')>('gatekeeper/adapters/pulsar.js');
const { startGatekeeper } = await fromDist<typeof import('../src/start/gatekeeper.js')>('start/gatekeeper.js');
const { forwardProperties } = await fromDist<typeof import('../src/gatekeeper/sinks.js')>('gatekeeper/sinks.js');
const { openDatabase } = await fromDist<typeof import('../src/store/db.js')>('store/db.js');
const { makeServices } = await fromDist<typeof import('../src/start/services.js')>('start/services.js');
const { makeAuditLog } = await fromDist<typeof import('../src/store/token-store.js')>('store/token-store.js');

const SERVICE_URL = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const ADMIN_URL = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const N = Number(process.env.BENCH_MESSAGES ?? 60_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LAT_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 500);
const LAT_N = Number(process.env.BENCH_LATENCY_MESSAGES ?? 2_500);
const HALF_SECONDS = Number(process.env.BENCH_HALF_SECONDS ?? 4);
const ORDER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'double' }] };
/** A compatible writer the reader (ORDER) reads only through resolution: reordered, one more field with a default. */
const ORDER_WRITER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'amount', type: 'double' }, { name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }, { name: 'sku', type: 'string' }] };
const PATHS = (process.env.BENCH_PATHS ?? 'pulsar-same,pulsar-reencode,confluent').split(',').map((p) => p.trim()) as Path[];
type Path = 'pulsar-same' | 'pulsar-reencode' | 'confluent';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running forwarding stage (plain forwarder or gatekeeper) that can be stopped. */
interface Stage { stop(): Promise<void> }

async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, drop: async () => undefined };
  const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
  const name = `bench_gk_${randomBytes(4).toString('hex')}`;
  const query = async (text: string) => { const c = new pg.Client({ connectionString: admin }); await c.connect(); try { await c.query(text); } finally { await c.end(); } };
  await query(`create database ${name}`);
  const u = new URL(admin); u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => query(`drop database if exists ${name} with (force)`) };
}

/**
 * Reads `count` new messages from `target`; resolves with each one's arrival time and its `t0` property,
 * and the CPU time this process used between the first arrival and the last.
 */
function collect(target: TopicConsumer, count: number): Promise<Array<{ at: number; t0: number }> & { cpuMicros: number }> {
  return (async () => {
    const out: Array<{ at: number; t0: number }> = [];
    const seen = new Set<string>();
    let cpu0: NodeJS.CpuUsage | undefined;
    while (seen.size < count) {
      const m = await target.receive();
      if (!m) throw new Error('target consumer closed');
      const key = `${m.properties.run}:${m.properties.seq}`;
      if (!seen.has(key)) { seen.add(key); out.push({ at: performance.now(), t0: Number(m.properties.t0) }); cpu0 ??= process.cpuUsage(); }
      await target.ack(m);
    }
    const used = process.cpuUsage(cpu0);
    return Object.assign(out, { cpuMicros: used.user + used.system });
  })();
}

interface Load { payloadFor(i: number): Uint8Array; schema?: { type: 'AVRO'; definition: string } }

async function sendAll(load: PulsarTransport, topic: string, run: string, count: number, source: Load, ratePerSecond?: number) {
  const inflight: Promise<unknown>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (ratePerSecond) {
      const due = start + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    inflight.push(load.publisher.send(topic, { payload: source.payloadFor(i), properties: { run, seq: String(i), t0: String(performance.now()) }, ...(source.schema ? { schema: source.schema } : {}) }));
    if (inflight.length >= 500) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
}

interface Setup { load: PulsarTransport; source: string; target: TopicConsumer; run: string; messages: Load; start(): Promise<Stage> }

async function throughput(args: Setup) {
  await sendAll(args.load, args.source, args.run, N, args.messages);
  const arrivals = collect(args.target, N);
  const stage = await args.start();
  const got = await arrivals;
  await stage.stop();
  return { rate: (N - 1) / ((got.at(-1)!.at - got[0]!.at) / 1000), cpuPerMessage: got.cpuMicros / (N - 1) };
}

async function latency(args: Setup, rate = LAT_RATE, count = LAT_N) {
  const stage = await args.start();
  await sleep(500);
  const arrivals = collect(args.target, count);
  await sendAll(args.load, args.source, args.run, count, args.messages, rate);
  const got = await arrivals;
  await stage.stop();
  const ms = got.map((g) => g.at - g.t0).sort((a, b) => a - b);
  return { p50: pct(ms, 0.5), p99: pct(ms, 0.99) };
}

/**
 * The plain forwarder: its own client connection (as the gatekeeper has), receive, forward, ack after the
 * receipt. With `propertiesFor` it sends what a gatekeeper forward carries (the source's properties, DAG, version, contract, source),
 * to separate the cost of the check from the cost of the larger message.
 */
async function startPlain(source: string, target: string, log: Logger, propertiesFor?: (m: SourceMessage) => Record<string, string>): Promise<Stage> {
  const transport = await openPulsarTransport({ serviceUrl: SERVICE_URL, log });
  const input = await transport.consumers.subscribe({ topic: source, subscription: 'forwarder' });
  let stopped = false;
  const inflight = new Set<Promise<void>>();
  const loop = (async () => {
    while (!stopped) {
      if (inflight.size >= 64) { await Promise.race(inflight); continue; }
      const m = await input.receive().catch(() => undefined);
      if (!m) break;
      const properties = propertiesFor ? propertiesFor(m) : m.properties;
      const p: Promise<void> = transport.publisher.send(target, { payload: m.payload, properties })
        .then(() => input.ack(m)).finally(() => { inflight.delete(p); });
      inflight.add(p);
    }
    await Promise.allSettled([...inflight]);
  })();
  return {
    async stop() {
      stopped = true;
      // Forwards still in flight are acked before the input closes: an ack after the close is lost, and
      // the broker would hand the message to the next run again (stale send times in its latencies).
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
      await input.close(); await loop; await transport.close();
    },
  };
}

async function main() {
  const log = pino({ level: 'warn' });
  const database = await freshDatabase();
  const db = await openDatabase({ url: database.url });
  await db.migrate();
  const services = makeServices({ database: db, audit: makeAuditLog(db.db) });
  const ns = await createNamespace(ADMIN_URL);
  const topic = (name: string) => `persistent://${ns}/${name}`;
  const { id: schemaId } = await services.registry.register({ subject: 'bench-orders-value', schema: JSON.stringify(ORDER) }, { id: 'bench', name: 'bench', scopes: ['admin' as const] });
  const type = avro.Type.forSchema(ORDER as never);
  const writerType = avro.Type.forSchema(ORDER_WRITER as never);
  const prefix = Buffer.alloc(5); prefix.writeUInt32BE(schemaId, 1);
  const value = (i: number) => ({ id: i, sku: `SKU-${i % 100}`, amount: i / 3, note: '' });
  const loads: Record<Path, Load> = {
    confluent: { payloadFor: (i) => new Uint8Array(Buffer.concat([prefix, type.toBuffer(value(i))])) },
    'pulsar-same': { payloadFor: (i) => new Uint8Array(type.toBuffer(value(i))), schema: { type: 'AVRO', definition: JSON.stringify(ORDER) } },
    'pulsar-reencode': { payloadFor: (i) => new Uint8Array(writerType.toBuffer(value(i))), schema: { type: 'AVRO', definition: JSON.stringify(ORDER_WRITER) } },
  };

  const consumes = PATHS.map((path) => ({ topic: topic(`gk-${path}-source`), subject: 'bench-orders-value', subjectVersion: 1, schemaId, triggerTopic: topic(`gk-${path}-target`) }));
  const dv = await seedDagVersion(db.db, { dagId: 'bench', version: '1', consumes });
  await deploy(db.db, { environment: 'bench', dagId: 'bench', dagVersionId: dv });
  const config = parseGatekeeperConfig({
    DATABASE_URL: database.url, PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: 'bench', DAGPACT_LOG_LEVEL: 'warn', DAGPACT_GATEKEEPER_PORT: '0',
    DAGPACT_QUARANTINE_TOPIC: topic('q'), DAGPACT_DEAD_LETTER_TOPIC: topic('dlq'),
  });
  let accepted = 0;
  const startGk = async (): Promise<Stage> => {
    const gk = await startGatekeeper(config, { installSignals: false });
    return {
      async stop() {
        // After the drain: a forward can arrive before its decision is counted.
        await gk.stop();
        const text = await gk.metrics.registry.getSingleMetricAsString('dagpact_gatekeeper_messages_total');
        for (const m of text.matchAll(/outcome="ACCEPT"[^}]*\}\s+(\d+)/g)) accepted += Number(m[1]);
      },
    };
  };

  const load = await openPulsarTransport({ serviceUrl: SERVICE_URL, log });
  // Subscribe the readers of the target topics before anything is forwarded to them.
  const plain: Setup = { load, source: topic('plain-source'), target: await load.consumers.subscribe({ topic: topic('plain-target'), subscription: 'bench' }), run: '', messages: loads['pulsar-same'],
    start: () => startPlain(topic('plain-source'), topic('plain-target'), log) };
  const route: Route = { topic: topic('gk-source'), dagId: 'bench', dagVersion: '1', dagVersionId: dv, subject: 'bench-orders-value', subjectVersion: 1, schemaId, onMismatch: 'quarantine', triggerTopic: topic('gk-target') };
  const plainProps: Setup = { load, source: topic('props-source'), target: await load.consumers.subscribe({ topic: topic('props-target'), subscription: 'bench' }), run: '', messages: loads['pulsar-same'],
    start: () => startPlain(topic('props-source'), topic('props-target'), log, (m) => forwardProperties(m, route, schemaId)) };
  const gated = {} as Record<Path, Setup>;
  for (const path of PATHS) {
    gated[path] = { load, source: topic(`gk-${path}-source`), target: await load.consumers.subscribe({ topic: topic(`gk-${path}-target`), subscription: 'bench' }), run: '', messages: loads[path], start: startGk };
  }

  // Warm-up (JIT, producers, subscriptions), not reported.
  await latency({ ...plain, run: 'warm' }); await latency({ ...plainProps, run: 'warm' });
  for (const path of PATHS) await latency({ ...gated[path], run: 'warm' });
  type Lat = { p50: number; p99: number };
  const names = ['plain', 'props', ...PATHS] as const;
  const rates = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<string, number[]>;
  /** CPU of this whole process (stage, reader of the target topic, idle load generator) per message forwarded. */
  const cpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<string, number[]>;
  const lat = Object.fromEntries(names.map((n) => [n, [] as Lat[]])) as Record<string, Lat[]>;
  const half = Object.fromEntries(names.map((n) => [n, [] as Lat[]])) as Record<string, Lat[]>;
  const halfRates: number[] = [];
  const setups: Record<string, Setup> = { plain, props: plainProps, ...gated };
  let halfSent = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // The paths take turns in the opposite order every other round, so a broker that slows down (or
    // speeds up) over a round does not favour the paths measured first.
    const order = r % 2 === 0 ? [...names] : [...names].reverse();
    for (const n of order) {
      const t = await throughput({ ...setups[n]!, run: `t${r}` });
      rates[n]!.push(t.rate); cpu[n]!.push(t.cpuPerMessage);
    }
    for (const n of order) lat[n]!.push(await latency({ ...setups[n]!, run: `l${r}` }));
    // Half of what the plain forwarder managed in this round, the same offered rate for every path.
    const rate = Math.round(rates.plain![r]! / 2);
    const count = Math.round(rate * HALF_SECONDS);
    halfRates.push(rate); halfSent += count;
    for (const n of order) half[n]!.push(await latency({ ...setups[n]!, run: `h${r}` }, rate, count));
    console.error(`round ${r + 1}: ` + names.map((n) => `${n} ${rates[n]![r]!.toFixed(0)} msg/s (${cpu[n]![r]!.toFixed(1)} µs CPU/msg) p50 ${lat[n]![r]!.p50.toFixed(2)} p99 ${lat[n]![r]!.p99.toFixed(2)} ms, at ${rate} msg/s p50 ${half[n]![r]!.p50.toFixed(2)} p99 ${half[n]![r]!.p99.toFixed(2)} ms`).join('; '));
  }
  const expected = PATHS.length * (LAT_N + ROUNDS * (N + LAT_N) + halfSent);
  if (accepted !== expected) throw new Error(`the gatekeeper accepted ${accepted} messages, expected ${expected}: the benchmark did not measure what it claims`);

  for (const setup of Object.values(setups)) await setup.target.close();
  await load.close();
  await db.close(); await database.drop();
  await fetch(`${ADMIN_URL}/admin/v2/namespaces/${ns}?force=true`, { method: 'DELETE' }).catch(() => undefined);

  const perRound = (n: string) => rates[n]!.map((v, i) => (v / rates.plain![i]!).toFixed(2)).join(' / ');
  const row = (n: string) => ({
    rate: median(rates[n]!), cpu: median(cpu[n]!), p50: median(lat[n]!.map((l) => l.p50)), p99: median(lat[n]!.map((l) => l.p99)),
    halfP50: median(half[n]!.map((l) => l.p50)), halfP99: median(half[n]!.map((l) => l.p99)),
  });
  const base = row('plain');
  console.log(`\nGatekeeper vs plain forwarder: ${N} Avro messages per throughput run; latency: ${LAT_N} at ${LAT_RATE} msg/s, and ` +
    `${HALF_SECONDS} s at half the plain forwarder's capacity in the same round (${halfRates.join(' / ')} msg/s); median of ${ROUNDS} rounds, ${SERVICE_URL}\n`);
  console.log(`| path | throughput (msg/s) | vs plain | CPU µs/msg (this process) | p50 at ${LAT_RATE}/s (ms) | p99 at ${LAT_RATE}/s (ms) | added p99 | p50 at half (ms) | p99 at half (ms) | added p99 at half (ms) |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const label: Record<string, string> = {
    plain: 'plain forwarder', props: "plain forwarder adding the gatekeeper's properties",
    'pulsar-same': 'gatekeeper, Pulsar schema = contract (no re-encoding)', 'pulsar-reencode': 'gatekeeper, Pulsar schema ≠ contract (resolved, re-encoded)',
    confluent: 'gatekeeper, Confluent wire format (prefix stripped)',
  };
  for (const n of names) {
    const m = row(n);
    const added = (x: number, b: number) => (n === 'plain' ? '' : `${x - b >= 0 ? '+' : ''}${(x - b).toFixed(2)}`);
    console.log(`| ${label[n]} | ${m.rate.toFixed(0)} | ${(m.rate / base.rate).toFixed(2)}× | ${m.cpu.toFixed(1)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${added(m.p99, base.p99)} | ` +
      `${m.halfP50.toFixed(2)} | ${m.halfP99.toFixed(2)} | ${added(m.halfP99, base.halfP99)} |`);
  }
  console.log('\nThroughput per round, each path ÷ the plain forwarder of the same round:');
  for (const n of names) if (n !== 'plain') console.log(`- ${label[n]}: ${perRound(n)}`);
  // The same added latency paired by round: each round's p99 minus the plain forwarder's in that round.
  console.log('\nAdded p99 at half capacity per round (ms, path − plain forwarder of the same round), and the median of those:');
  for (const n of names) {
    if (n === 'plain') continue;
    const diffs = half[n]!.map((l, i) => l.p99 - half.plain![i]!.p99);
    console.log(`- ${label[n]}: ${diffs.map((d) => `${d >= 0 ? '+' : ''}${d.toFixed(2)}`).join(' / ')}; median ${median(diffs) >= 0 ? '+' : ''}${median(diffs).toFixed(2)}`);
  }
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
