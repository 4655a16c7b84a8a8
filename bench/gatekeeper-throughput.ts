// Benchmark: the gatekeeper (identify + compatibility + payload check + forward, ack after receipt)
// against a plain forwarder on the same Pulsar client that forwards without checking. One run each,
// same broker, same messages (Avro, Confluent wire format). Prints throughput and the latency from
// send to arrival on the trigger topic (p50/p99), and the ratios.
//
//   npx tsx bench/gatekeeper-throughput.ts   (needs a broker and PostgreSQL, e.g. the test harnesses)
//
// Env: PULSAR_SERVICE_URL (default pulsar://127.0.0.1:6650), PULSAR_ADMIN_URL (default http://127.0.0.1:8080),
// DATABASE_URL (default: TEST_DATABASE_URL's server, a fresh database), BENCH_MESSAGES (default 20000).
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import pg from 'pg';
import { pino } from 'pino';
import { parseGatekeeperConfig } from '../src/config/gatekeeper-config.js';
import { openPulsarTransport } from '../src/gatekeeper/adapters/pulsar.js';
import { startGatekeeper } from '../src/gatekeeper/main.js';
import type { TopicConsumer } from '../src/gatekeeper/types.js';
import { openDatabase } from '../src/store/db.js';
import { makeServices } from '../src/services.js';
import { makeAuditLog } from '../src/store/token-store.js';
import { createNamespace, deploy, seedDagVersion } from '../test/integration/gatekeeper/support.js';

const SERVICE_URL = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const ADMIN_URL = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ORDER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'double' }] };

interface Result { name: string; seconds: number; rate: number; p50: number; p99: number }
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

async function database(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
  const name = `bench_gk_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(admin); u.pathname = `/${name}`;
  return u.toString();
}

/** Sends N messages to `source` and waits for all of them on `target`; `t0` travels as a property. */
async function measure(name: string, transport: Awaited<ReturnType<typeof openPulsarTransport>>, source: string, target: TopicConsumer, payloadFor: (i: number) => Uint8Array): Promise<Result> {
  const latencies: number[] = [];
  const seen = new Set<string>();
  const started = performance.now();
  const done = (async () => {
    while (seen.size < N) {
      const m = await target.receive();
      if (!m) break;
      const seq = m.properties.seq!;
      if (!seen.has(seq)) { seen.add(seq); latencies.push(performance.now() - Number(m.properties.t0)); }
      await target.ack(m);
    }
  })();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    inflight.push(transport.publisher.send(source, { payload: payloadFor(i), properties: { seq: String(i), t0: String(performance.now()) } }));
    if (inflight.length >= 500) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  await done;
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, seconds, rate: N / seconds, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99) };
}

async function main() {
  const log = pino({ level: 'warn' });
  const url = await database();
  const db = await openDatabase({ url });
  await db.migrate();
  const audit = makeAuditLog(db.db);
  const services = makeServices({ database: db, audit });
  const ns = await createNamespace(ADMIN_URL);
  const actor = { id: 'bench', name: 'bench', scopes: ['admin' as const] };
  const { id: schemaId } = await services.registry.register({ subject: 'bench-orders-value', schema: JSON.stringify(ORDER) }, actor);
  const type = avro.Type.forSchema(ORDER as never);
  const prefix = Buffer.alloc(5); prefix.writeUInt32BE(schemaId, 1);
  const payloadFor = (i: number) => new Uint8Array(Buffer.concat([prefix, type.toBuffer({ id: i, sku: `SKU-${i % 100}`, amount: i / 3 })]));
  const transport = await openPulsarTransport({ serviceUrl: SERVICE_URL, log });

  // 1. Plain forwarder: receive, forward unchanged, ack after the receipt. No checking.
  const plainSource = `persistent://${ns}/plain-source`;
  const plainTarget = await transport.consumers.subscribe({ topic: `persistent://${ns}/plain-target`, subscription: 'bench' });
  const plainIn = await transport.consumers.subscribe({ topic: plainSource, subscription: 'forwarder' });
  let stop = false;
  const forwarding = (async () => {
    const inflight = new Set<Promise<void>>();
    while (!stop) {
      if (inflight.size >= 64) { await Promise.race(inflight); continue; }
      const m = await plainIn.receive();
      if (!m) break;
      const p = transport.publisher.send(`persistent://${ns}/plain-target`, { payload: m.payload, properties: m.properties })
        .then(() => plainIn.ack(m)).finally(() => { inflight.delete(p); });
      inflight.add(p);
    }
  })();
  const plain = await measure('plain forwarder', transport, plainSource, plainTarget, payloadFor);
  stop = true;
  await plainIn.close(); await forwarding.catch(() => undefined);

  // 2. The gatekeeper, in-process, same client library, same broker.
  const gkSource = `persistent://${ns}/gk-source`;
  const gkTarget = await transport.consumers.subscribe({ topic: `persistent://${ns}/gk-target`, subscription: 'bench' });
  const dv = await seedDagVersion(db.db, { dagId: 'bench', version: '1', consumes: [{ topic: gkSource, subject: 'bench-orders-value', subjectVersion: 1, schemaId, triggerTopic: `persistent://${ns}/gk-target` }] });
  await deploy(db.db, { environment: 'bench', dagId: 'bench', dagVersionId: dv });
  const gk = await startGatekeeper(parseGatekeeperConfig({
    DATABASE_URL: url, PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: 'bench', DAGPACT_LOG_LEVEL: 'warn', DAGPACT_GATEKEEPER_PORT: '0',
    DAGPACT_QUARANTINE_TOPIC: `persistent://${ns}/q`, DAGPACT_DEAD_LETTER_TOPIC: `persistent://${ns}/dlq`,
  }), { installSignals: false });
  const checked = await measure('gatekeeper', transport, gkSource, gkTarget, payloadFor);
  const accepted = (await gk.metrics.registry.getSingleMetricAsString('dagpact_gatekeeper_messages_total'));
  await gk.stop();
  await transport.close();
  await db.close();
  void Registry;

  const rows = [plain, checked];
  console.log(`\ngatekeeper throughput, ${N} Avro messages (Confluent wire format), one run, ${SERVICE_URL}\n`);
  console.log('| path | msgs/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
  console.log(`| ratio gatekeeper / plain | ${(checked.rate / plain.rate).toFixed(2)}× | +${(checked.p50 - plain.p50).toFixed(1)} ms | +${(checked.p99 - plain.p99).toFixed(1)} ms |`);
  console.log(`\n${accepted.split('\n').filter((l) => !l.startsWith('#')).join('\n')}`);
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
