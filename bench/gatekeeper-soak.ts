// Memory soak: the gatekeeper (the built `dagpact gatekeeper`, its own process) over a long stream of
// messages with mixed outcomes, sampling its resident set size. 95% of the messages are Avro records
// written with the contract's schema (accepted and forwarded); 5% are written with an incompatible
// schema (amount as a string) and are held in the quarantine. All carry a Confluent wire-format prefix.
//
// The load is produced from this process (dagpact's client, batched) and kept at most BACKLOG messages
// ahead of what the gatekeeper has settled, so the broker's backlog, not the gatekeeper, absorbs any
// difference in speed. Every SAMPLE_SECONDS: messages settled (the gatekeeper's own
// dagpact_gatekeeper_messages_total), RSS (/proc/PID/status VmRSS) and V8 heap in use (its /metrics).
// Production stops at MESSAGES or after MAX_SECONDS, whichever comes first, and the report says which.
//
//   npm run build && npx tsx bench/gatekeeper-soak.ts   (needs a broker and PostgreSQL, e.g. the test harnesses)
//
// Env: PULSAR_SERVICE_URL (default pulsar://127.0.0.1:6650), PULSAR_ADMIN_URL (default http://127.0.0.1:8080),
// TEST_DATABASE_URL (a fresh database is created on that server and dropped afterwards), BENCH_MESSAGES
// (default 1000000), BENCH_MAX_SECONDS (default 600), BENCH_HELD_PERCENT (default 5), BENCH_BACKLOG
// (default 20000), BENCH_SAMPLE_SECONDS (default 5).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { PulsarClient } from '../src/pulsar/index.js';
import { openDatabase } from '../src/store/db.js';
import { makeServices } from '../src/start/services.js';
import { makeAuditLog } from '../src/store/token-store.js';
import { createNamespace, deploy, metricValue, seedDagVersion } from '../test/integration/gatekeeper/support.js';
import { freePort } from '../test/support/server-process.js';

const SERVICE_URL = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const ADMIN_URL = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 600);
const HELD_PERCENT = Number(process.env.BENCH_HELD_PERCENT ?? 5);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 20_000);
const SAMPLE_SECONDS = Number(process.env.BENCH_SAMPLE_SECONDS ?? 5);

const ORDER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'double' }] };
const ORDER_BAD = { ...ORDER, fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'string' }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
  const name = `bench_soak_${randomBytes(4).toString('hex')}`;
  const query = async (text: string) => { const c = new pg.Client({ connectionString: admin }); await c.connect(); try { await c.query(text); } finally { await c.end(); } };
  await query(`create database ${name}`);
  const u = new URL(admin); u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => query(`drop database if exists ${name} with (force)`) };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function main() {
  const database = await freshDatabase();
  const db = await openDatabase({ url: database.url });
  await db.migrate();
  const services = makeServices({ database: db, audit: makeAuditLog(db.db) });
  const who = { id: 'bench', name: 'bench', scopes: ['admin' as const] };
  const { id: goodId } = await services.registry.register({ subject: 'soak-orders-value', schema: JSON.stringify(ORDER) }, who);
  // The incompatible writer lives under another subject (the registry would refuse it as a new version).
  const { id: badId } = await services.registry.register({ subject: 'soak-orders-legacy', schema: JSON.stringify(ORDER_BAD) }, who);
  const ns = await createNamespace(ADMIN_URL);
  const topic = (name: string) => `persistent://${ns}/${name}`;
  const dv = await seedDagVersion(db.db, { dagId: 'soak', version: '1', consumes: [{ topic: topic('source'), subject: 'soak-orders-value', subjectVersion: 1, schemaId: goodId, triggerTopic: topic('target') }] });
  await deploy(db.db, { environment: 'soak', dagId: 'soak', dagVersionId: dv });

  const port = await freePort();
  const gk = spawn(process.execPath, ['dist/src/cli/main.js', 'gatekeeper'], {
    env: { ...process.env, DATABASE_URL: database.url, PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: 'soak', DAGPACT_LOG_LEVEL: 'warn',
      DAGPACT_GATEKEEPER_PORT: String(port), DAGPACT_QUARANTINE_TOPIC: topic('quarantine'), DAGPACT_DEAD_LETTER_TOPIC: topic('dead-letter') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const settled = async () => metricValue(await metrics(), 'dagpact_gatekeeper_messages_total');

  const good = avro.Type.forSchema(ORDER as never);
  const bad = avro.Type.forSchema(ORDER_BAD as never);
  const prefixed = (id: number, body: Buffer) => { const h = Buffer.alloc(5); h.writeUInt32BE(id, 1); return Buffer.concat([h, body]); };
  const heldEvery = Math.round(100 / HELD_PERCENT);
  const payloadFor = (i: number) => (i % heldEvery === heldEvery - 1
    ? prefixed(badId, bad.toBuffer({ id: i, sku: `SKU-${i % 100}`, amount: String(i / 3) }))
    : prefixed(goodId, good.toBuffer({ id: i, sku: `SKU-${i % 100}`, amount: i / 3 })));

  const client = new PulsarClient({ serviceUrl: SERVICE_URL });
  const samples: Array<{ t: number; settled: number; rssMiB: number; heapMiB: number }> = [];
  let produced = 0;
  let stopReason = `all ${MESSAGES} messages`;
  try {
    // Wait until the gatekeeper has subscribed (it reads the routing table first).
    for (let i = 0; ; i++) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<{ topics?: string[] }>).catch(() => undefined);
      if (health?.topics?.length === 1) break;
      if (i > 300 || gk.exitCode !== null) throw new Error('the gatekeeper did not subscribe');
      await sleep(200);
    }
    const producer = await client.createProducer({ topic: topic('source'), batchingMaxMessages: 200, batchingMaxDelayMs: 5, maxPendingMessages: 5000 });
    const started = performance.now();
    let lastSample = 0;
    let done = await settled();
    const sample = async () => {
      const text = await metrics();
      done = metricValue(text, 'dagpact_gatekeeper_messages_total');
      const heap = metricValue(text, 'dagpact_gatekeeper_nodejs_heap_size_used_bytes') / 1024 / 1024;
      samples.push({ t: (performance.now() - started) / 1000, settled: done, rssMiB: rssMiB(gk.pid!), heapMiB: heap });
      const s = samples.at(-1)!;
      console.error(`${s.t.toFixed(0)} s: produced ${produced}, settled ${s.settled}, RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB`);
    };
    await sample();
    while (produced < MESSAGES) {
      if ((performance.now() - started) / 1000 > MAX_SECONDS) { stopReason = `${produced} messages: the ${MAX_SECONDS} s limit came first`; break; }
      if (performance.now() - lastSample > SAMPLE_SECONDS * 1000) { lastSample = performance.now(); await sample(); }
      if (produced - done >= BACKLOG) { await sleep(200); done = await settled(); continue; }
      const batch = Math.min(2000, MESSAGES - produced);
      const sends = [];
      for (let i = 0; i < batch; i++) sends.push(producer.send({ payload: payloadFor(produced + i) }));
      await Promise.all(sends);
      produced += batch;
    }
    await producer.close();
    while (done < produced) {
      if (gk.exitCode !== null) throw new Error(`the gatekeeper exited with ${gk.exitCode}`);
      await sleep(SAMPLE_SECONDS * 1000);
      await sample();
    }
    const elapsed = (performance.now() - started) / 1000;
    const held = Number(((await db.db.execute(sql`select count(*)::int as n from quarantine_records`)).rows[0] as { n: number }).n);

    // Table: ten rows spread over the run, plus the first and last sample.
    const pick = new Set([0, samples.length - 1, ...Array.from({ length: 9 }, (_, k) => Math.round(((k + 1) * (samples.length - 1)) / 10))]);
    const warm = samples.find((s) => s.settled >= produced * 0.1) ?? samples[0]!;
    const last = samples.at(-1)!;
    const peak = Math.max(...samples.filter((s) => s.t >= warm.t).map((s) => s.rssMiB));
    console.log(`\nGatekeeper memory soak: ${stopReason}; ${produced} produced, ${last.settled} settled (${held} held in the quarantine, ${HELD_PERCENT}% by design) in ${elapsed.toFixed(0)} s (${(last.settled / elapsed).toFixed(0)} msg/s)`);
    console.log('| elapsed (s) | messages settled | RSS (MiB) | V8 heap used (MiB) |');
    console.log('|---:|---:|---:|---:|');
    for (const i of [...pick].sort((a, b) => a - b)) {
      const s = samples[i]!;
      console.log(`| ${s.t.toFixed(0)} | ${s.settled} | ${s.rssMiB.toFixed(1)} | ${s.heapMiB.toFixed(1)} |`);
    }
    console.log(`\nafter warm-up (10% settled, ${warm.t.toFixed(0)} s): RSS ${warm.rssMiB.toFixed(1)} MiB; at the end ${last.rssMiB.toFixed(1)} MiB (${(last.rssMiB / warm.rssMiB).toFixed(2)}x); peak after warm-up ${peak.toFixed(1)} MiB`);
    if (held !== Math.floor(produced / heldEvery)) throw new Error(`expected ${Math.floor(produced / heldEvery)} held messages, found ${held}`);
  } finally {
    await client.close();
    gk.kill('SIGTERM');
    await new Promise((r) => (gk.exitCode !== null ? r(undefined) : gk.once('exit', r)));
    await db.close();
    await database.drop();
    await fetch(`${ADMIN_URL}/admin/v2/namespaces/${ns}?force=true`, { method: 'DELETE' }).catch(() => undefined);
  }
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
