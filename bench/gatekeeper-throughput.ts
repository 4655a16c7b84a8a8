// Benchmark: the gatekeeper (identify + compatibility + payload check + forward, ack after receipt)
// against a plain forwarder on the same Pulsar client (dagpact's src/pulsar/) that forwards without
// checking. Same broker, same messages (Avro in Confluent wire format, one registered schema).
//
// Two measurements, each run ROUNDS times alternating plain / gatekeeper, medians reported:
//  - throughput: N messages are put on the source topic first (a backlog), then the forwarder or the
//    gatekeeper is started; rate = messages / (last arrival − first arrival) on the target topic, so the
//    load generator and start-up are not measured;
//  - latency: a paced stream (LAT_RATE msg/s, well under both capacities) from send to arrival on the
//    target topic; "added" = gatekeeper − plain forwarder at p50 and p99.
//
//   npx tsx bench/gatekeeper-throughput.ts   (needs a broker and PostgreSQL, e.g. the test harnesses)
//
// Env: PULSAR_SERVICE_URL (default pulsar://127.0.0.1:6650), PULSAR_ADMIN_URL (default http://127.0.0.1:8080),
// DATABASE_URL (default: a fresh database on TEST_DATABASE_URL's server, dropped afterwards),
// BENCH_MESSAGES (default 20000), BENCH_ROUNDS (default 3), BENCH_LATENCY_RATE (default 500 msg/s),
// BENCH_LATENCY_MESSAGES (default 2500).
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { parseGatekeeperConfig } from '../src/config/gatekeeper-config.js';
import { openPulsarTransport, type PulsarTransport } from '../src/gatekeeper/adapters/pulsar.js';
import { startGatekeeper } from '../src/gatekeeper/main.js';
import { forwardProperties } from '../src/gatekeeper/sinks.js';
import type { Route, SourceMessage, TopicConsumer } from '../src/gatekeeper/types.js';
import { openDatabase } from '../src/store/db.js';
import { makeServices } from '../src/services.js';
import { makeAuditLog } from '../src/store/token-store.js';
import { createNamespace, deploy, seedDagVersion } from '../test/integration/gatekeeper/support.js';

const SERVICE_URL = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const ADMIN_URL = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LAT_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 500);
const LAT_N = Number(process.env.BENCH_LATENCY_MESSAGES ?? 2_500);
const ORDER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'double' }] };

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

/** Reads `count` new messages from `target`; resolves with each one's arrival time and its `t0` property. */
function collect(target: TopicConsumer, count: number): Promise<Array<{ at: number; t0: number }>> {
  return (async () => {
    const out: Array<{ at: number; t0: number }> = [];
    const seen = new Set<string>();
    while (seen.size < count) {
      const m = await target.receive();
      if (!m) throw new Error('target consumer closed');
      const key = `${m.properties.run}:${m.properties.seq}`;
      if (!seen.has(key)) { seen.add(key); out.push({ at: performance.now(), t0: Number(m.properties.t0) }); }
      await target.ack(m);
    }
    return out;
  })();
}

async function sendAll(load: PulsarTransport, topic: string, run: string, count: number, payloadFor: (i: number) => Uint8Array, ratePerSecond?: number) {
  const inflight: Promise<unknown>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (ratePerSecond) {
      const due = start + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    inflight.push(load.publisher.send(topic, { payload: payloadFor(i), properties: { run, seq: String(i), t0: String(performance.now()) } }));
    if (inflight.length >= 500) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
}

async function throughput(args: { load: PulsarTransport; source: string; target: TopicConsumer; run: string; payloadFor: (i: number) => Uint8Array; start(): Promise<Stage> }) {
  await sendAll(args.load, args.source, args.run, N, args.payloadFor);
  const arrivals = collect(args.target, N);
  const stage = await args.start();
  const got = await arrivals;
  await stage.stop();
  return (N - 1) / ((got.at(-1)!.at - got[0]!.at) / 1000);
}

async function latency(args: { load: PulsarTransport; source: string; target: TopicConsumer; run: string; payloadFor: (i: number) => Uint8Array; start(): Promise<Stage> }) {
  const stage = await args.start();
  await sleep(500);
  const arrivals = collect(args.target, LAT_N);
  await sendAll(args.load, args.source, args.run, LAT_N, args.payloadFor, LAT_RATE);
  const got = await arrivals;
  await stage.stop();
  const ms = got.map((g) => g.at - g.t0).sort((a, b) => a - b);
  return { p50: pct(ms, 0.5), p99: pct(ms, 0.99) };
}

/**
 * The plain forwarder: its own client connection (as the gatekeeper has), receive, forward, ack after the
 * receipt. With `extraProperties` it adds what a gatekeeper forward carries (DAG, version, contract, source),
 * to separate the cost of the check from the cost of the larger message.
 */
async function startPlain(source: string, target: string, log: Logger, extraProperties?: (m: SourceMessage) => Record<string, string>): Promise<Stage> {
  const transport = await openPulsarTransport({ serviceUrl: SERVICE_URL, log });
  const input = await transport.consumers.subscribe({ topic: source, subscription: 'forwarder' });
  let stopped = false;
  const loop = (async () => {
    const inflight = new Set<Promise<void>>();
    while (!stopped) {
      if (inflight.size >= 64) { await Promise.race(inflight); continue; }
      const m = await input.receive().catch(() => undefined);
      if (!m) break;
      const properties = extraProperties ? { ...m.properties, ...extraProperties(m) } : m.properties;
      const p: Promise<void> = transport.publisher.send(target, { payload: m.payload, properties })
        .then(() => input.ack(m)).finally(() => { inflight.delete(p); });
      inflight.add(p);
    }
    await Promise.allSettled([...inflight]);
  })();
  return { async stop() { stopped = true; await input.close(); await loop; await transport.close(); } };
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
  const prefix = Buffer.alloc(5); prefix.writeUInt32BE(schemaId, 1);
  const payloadFor = (i: number) => new Uint8Array(Buffer.concat([prefix, type.toBuffer({ id: i, sku: `SKU-${i % 100}`, amount: i / 3 })]));

  const dv = await seedDagVersion(db.db, { dagId: 'bench', version: '1', consumes: [{ topic: topic('gk-source'), subject: 'bench-orders-value', subjectVersion: 1, schemaId, triggerTopic: topic('gk-target') }] });
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
        const text = await gk.metrics.registry.getSingleMetricAsString('dagpact_gatekeeper_messages_total');
        accepted += Number(/outcome="ACCEPT"[^}]*\}\s+(\d+)/.exec(text)?.[1] ?? 0);
        await gk.stop();
      },
    };
  };

  const load = await openPulsarTransport({ serviceUrl: SERVICE_URL, log });
  // Subscribe the readers of the target topics before anything is forwarded to them.
  const plainTarget = await load.consumers.subscribe({ topic: topic('plain-target'), subscription: 'bench' });
  const gkTarget = await load.consumers.subscribe({ topic: topic('gk-target'), subscription: 'bench' });
  const plain = { load, source: topic('plain-source'), target: plainTarget, payloadFor, start: () => startPlain(topic('plain-source'), topic('plain-target'), log) };
  const route: Route = { topic: topic('gk-source'), dagId: 'bench', dagVersion: '1', dagVersionId: dv, subject: 'bench-orders-value', subjectVersion: 1, schemaId, onMismatch: 'quarantine', triggerTopic: topic('gk-target') };
  const plainProps = { load, source: topic('props-source'), target: await load.consumers.subscribe({ topic: topic('props-target'), subscription: 'bench' }), payloadFor,
    start: () => startPlain(topic('props-source'), topic('props-target'), log, (m) => {
      const { seq: _s, t0: _t, run: _r, ...added }: Record<string, string> = forwardProperties(m, route, schemaId);
      return added;
    }) };
  const gated = { load, source: topic('gk-source'), target: gkTarget, payloadFor, start: startGk };

  // Warm-up (JIT, producers, subscriptions), not reported.
  await latency({ ...plain, run: 'warm' }); await latency({ ...gated, run: 'warm' });
  await latency({ ...plainProps, run: 'warm' });
  const rates = { plain: [] as number[], props: [] as number[], gk: [] as number[] };
  const lat = { plain: [] as Array<{ p50: number; p99: number }>, props: [] as Array<{ p50: number; p99: number }>, gk: [] as Array<{ p50: number; p99: number }> };
  for (let r = 0; r < ROUNDS; r++) {
    rates.plain.push(await throughput({ ...plain, run: `t${r}` }));
    rates.props.push(await throughput({ ...plainProps, run: `t${r}` }));
    rates.gk.push(await throughput({ ...gated, run: `t${r}` }));
    lat.plain.push(await latency({ ...plain, run: `l${r}` }));
    lat.props.push(await latency({ ...plainProps, run: `l${r}` }));
    lat.gk.push(await latency({ ...gated, run: `l${r}` }));
    console.error(`round ${r + 1}: plain ${rates.plain[r]!.toFixed(0)}, plain+props ${rates.props[r]!.toFixed(0)}, gatekeeper ${rates.gk[r]!.toFixed(0)} msg/s; ` +
      `p50 ${lat.plain[r]!.p50.toFixed(2)} / ${lat.props[r]!.p50.toFixed(2)} / ${lat.gk[r]!.p50.toFixed(2)} ms; p99 ${lat.plain[r]!.p99.toFixed(2)} / ${lat.props[r]!.p99.toFixed(2)} / ${lat.gk[r]!.p99.toFixed(2)} ms`);
  }
  const expected = LAT_N + ROUNDS * (N + LAT_N);
  if (accepted !== expected) throw new Error(`the gatekeeper accepted ${accepted} messages, expected ${expected}: the benchmark did not measure what it claims`);

  await plainTarget.close(); await plainProps.target.close(); await gkTarget.close(); await load.close();
  await db.close(); await database.drop();
  await fetch(`${ADMIN_URL}/admin/v2/namespaces/${ns}?force=true`, { method: 'DELETE' }).catch(() => undefined);

  const m = {
    plainRate: median(rates.plain), gkRate: median(rates.gk),
    plainP50: median(lat.plain.map((l) => l.p50)), gkP50: median(lat.gk.map((l) => l.p50)),
    plainP99: median(lat.plain.map((l) => l.p99)), gkP99: median(lat.gk.map((l) => l.p99)),
    propsRate: median(rates.props), propsP50: median(lat.props.map((l) => l.p50)), propsP99: median(lat.props.map((l) => l.p99)),
  };
  console.log(`\nGatekeeper vs plain forwarder: ${N} Avro messages (Confluent wire format) per throughput run, ${LAT_N} at ${LAT_RATE} msg/s per latency run, median of ${ROUNDS} rounds, ${SERVICE_URL}\n`);
  console.log('| path | throughput (msg/s) | latency p50 (ms) | latency p99 (ms) |');
  console.log('|---|---:|---:|---:|');
  console.log(`| plain forwarder | ${m.plainRate.toFixed(0)} | ${m.plainP50.toFixed(2)} | ${m.plainP99.toFixed(2)} |`);
  console.log(`| plain forwarder adding the gatekeeper's properties | ${m.propsRate.toFixed(0)} | ${m.propsP50.toFixed(2)} | ${m.propsP99.toFixed(2)} |`);
  console.log(`| gatekeeper | ${m.gkRate.toFixed(0)} | ${m.gkP50.toFixed(2)} | ${m.gkP99.toFixed(2)} |`);
  console.log(`| gatekeeper vs plain | ${((m.gkRate / m.plainRate) * 100).toFixed(0)}% | +${(m.gkP50 - m.plainP50).toFixed(2)} | +${(m.gkP99 - m.plainP99).toFixed(2)} |`);
  console.log(`| gatekeeper vs plain adding the properties | ${((m.gkRate / m.propsRate) * 100).toFixed(0)}% | +${(m.gkP50 - m.propsP50).toFixed(2)} | +${(m.gkP99 - m.propsP99).toFixed(2)} |`);
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
