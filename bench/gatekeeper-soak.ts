// Memory soak: the gatekeeper (the built `dagpact gatekeeper`, its own process) over a long stream of
// messages with mixed outcomes, sampling its resident set size. 95% of the messages are Avro records
// written with a schema the contract's reader can read (accepted and forwarded); 5% are written with an
// incompatible schema (amount as a string) and are held in the quarantine.
//
// How the writers are named (BENCH_WRITERS):
//  - confluent (default): a Confluent wire-format prefix with the writer's dagpact schema id; the load is
//    produced from this process (dagpact's client, batched);
//  - pulsar: the Pulsar-native path. The official client (Python `pulsar-client`, bench/python/
//    soak_produce.py) produces, one producer per writer schema, each registering its schema on the
//    broker; the gatekeeper identifies each message's writer by its schema_version. The namespace's
//    schema compatibility is ALWAYS_COMPATIBLE, as on a namespace that does not enforce one, so that the
//    incompatible writer gets onto the topic.
// BENCH_WRITER_VARIANTS=K spreads the good messages over K writer schemas (the contract's, then the
// contract's plus one string field of its own with a default, read by resolution and re-encoded), in
// runs of BENCH_VARIANT_BLOCK messages each, in turn. With K above the gatekeeper's cache bounds
// (BENCH_CACHE_ENTRIES, BENCH_SCHEMA_CACHE_BYTES, passed on as DAGPACT_GATEKEEPER_CACHE_ENTRIES and
// DAGPACT_SCHEMA_CACHE_BYTES), the caches evict and load writers again all through the run.
//
// The load is kept at most BACKLOG messages ahead of what the gatekeeper has settled, so the broker's
// backlog, not the gatekeeper, absorbs any difference in speed. Every SAMPLE_SECONDS: messages settled
// (the gatekeeper's own dagpact_gatekeeper_messages_total), RSS (/proc/PID/status VmRSS) and V8 heap in
// use (its /metrics). Production stops at MESSAGES or after MAX_SECONDS, whichever comes first, and the
// report says which. The run fails unless the gatekeeper held exactly the incompatible messages and
// accepted all the others.
//
//   npm run build && npx tsx bench/gatekeeper-soak.ts   (needs a broker and PostgreSQL, e.g. the test harnesses)
//
// Env: PULSAR_SERVICE_URL (default pulsar://127.0.0.1:6650), PULSAR_ADMIN_URL (default http://127.0.0.1:8080),
// TEST_DATABASE_URL (a fresh database is created on that server and dropped afterwards), BENCH_MESSAGES
// (default 1000000), BENCH_MAX_SECONDS (default 600), BENCH_HELD_PERCENT (default 5), BENCH_BACKLOG
// (default 20000), BENCH_SAMPLE_SECONDS (default 5), BENCH_WRITERS (confluent or pulsar, above), BENCH_WRITER_VARIANTS
// (default 1), BENCH_VARIANT_BLOCK (default 100), BENCH_CACHE_ENTRIES and BENCH_SCHEMA_CACHE_BYTES (default: the
// gatekeeper's own defaults), BENCH_PYTHON (default .venv/bin/python, the venv scripts/python/venv.sh creates).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import avro from 'avsc';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { PulsarClient } from '../src/pulsar/index.js';
import { openDatabase } from '../src/store/db.js';
import { makeServices } from '../src/start/services.js';
import { makeAuditLog } from '../src/store/token-store.js';
import { createNamespace, deploy, metricValue, seedDagVersion } from '../test/integration/gatekeeper/support.js';
import type { Outcome } from '../src/core/gatekeeper/decide.js';
import { freePort } from '../test/support/server-process.js';

const SERVICE_URL = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const ADMIN_URL = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 600);
const HELD_PERCENT = Number(process.env.BENCH_HELD_PERCENT ?? 5);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 20_000);
const SAMPLE_SECONDS = Number(process.env.BENCH_SAMPLE_SECONDS ?? 5);
const WRITERS = process.env.BENCH_WRITERS ?? 'confluent';
if (WRITERS !== 'confluent' && WRITERS !== 'pulsar') throw new Error(`BENCH_WRITERS must be confluent or pulsar, not ${WRITERS}`);
const VARIANTS = Number(process.env.BENCH_WRITER_VARIANTS ?? 1);
const BLOCK = Number(process.env.BENCH_VARIANT_BLOCK ?? 100);
const PYTHON = process.env.BENCH_PYTHON ?? '.venv/bin/python';

const OUTCOMES: readonly Outcome[] = ['ACCEPT', 'QUARANTINE', 'REJECT'];
const ORDER = { type: 'record', name: 'Order', namespace: 'bench', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'double' }] };
const ORDER_BAD = { ...ORDER, fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'amount', type: 'string' }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Writer k of the good messages: the contract's schema, or it plus a string field `note<k>` with a default. */
const variant = (k: number) => (k === 0 ? ORDER : { ...ORDER, fields: [...ORDER.fields, { name: `note${k}`, type: 'string', default: '' }] });

/** The official client producing the Pulsar-native load (bench/python/soak_produce.py), driven a slice at a time. */
async function pythonProducer(topic: string, heldEvery: number): Promise<{ send(start: number, count: number): Promise<void>; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'soak-plan-'));
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({ good: Array.from({ length: VARIANTS }, (_, k) => variant(k)), bad: ORDER_BAD, held_every: heldEvery, block: BLOCK }));
  const child = spawn(PYTHON, ['bench/python/soak_produce.py', SERVICE_URL, topic, plan], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`bench/python/soak_produce.py ended (exit code ${child.exitCode})`);
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error('bench/python/soak_produce.py did not start');
  return {
    async send(start, count) {
      child.stdin!.write(`${start} ${count}\n`);
      const report = JSON.parse(await next()) as { sent: number; errors: number };
      if (report.errors) throw new Error(`the official client failed ${report.errors} of ${count} sends`);
    },
    async close() {
      child.stdin!.end();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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
  // Writers 1..K-1 of the Confluent load, each under a subject of its own.
  const variantIds = [goodId];
  for (let k = 1; k < VARIANTS && WRITERS === 'confluent'; k++) {
    variantIds.push((await services.registry.register({ subject: `soak-orders-variant-${k}`, schema: JSON.stringify(variant(k)) }, who)).id);
  }
  const ns = await createNamespace(ADMIN_URL);
  if (WRITERS === 'pulsar') {
    const res = await fetch(`${ADMIN_URL}/admin/v2/namespaces/${ns}/schemaCompatibilityStrategy`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify('ALWAYS_COMPATIBLE'),
    });
    if (!res.ok) throw new Error(`setting ${ns}'s schema compatibility: HTTP ${res.status} ${await res.text()}`);
  }
  const topic = (name: string) => `persistent://${ns}/${name}`;
  const dv = await seedDagVersion(db.db, { dagId: 'soak', version: '1', consumes: [{ topic: topic('source'), subject: 'soak-orders-value', subjectVersion: 1, schemaId: goodId, triggerTopic: topic('target') }] });
  await deploy(db.db, { environment: 'soak', dagId: 'soak', dagVersionId: dv });

  const port = await freePort();
  const gk = spawn(process.execPath, ['dist/src/cli/main.js', 'gatekeeper'], {
    env: { ...process.env, DATABASE_URL: database.url, PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: 'soak', DAGPACT_LOG_LEVEL: 'warn',
      DAGPACT_GATEKEEPER_PORT: String(port), DAGPACT_QUARANTINE_TOPIC: topic('quarantine'), DAGPACT_DEAD_LETTER_TOPIC: topic('dead-letter'),
      ...(process.env.BENCH_CACHE_ENTRIES ? { DAGPACT_GATEKEEPER_CACHE_ENTRIES: process.env.BENCH_CACHE_ENTRIES } : {}),
      ...(process.env.BENCH_SCHEMA_CACHE_BYTES ? { DAGPACT_SCHEMA_CACHE_BYTES: process.env.BENCH_SCHEMA_CACHE_BYTES } : {}) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stopGatekeeper = async () => {
    if (gk.exitCode !== null || gk.signalCode !== null) return;
    const exited = new Promise((r) => gk.once('exit', r));
    gk.kill('SIGTERM');
    await exited;
    await sleep(1000);
  };
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const settled = async () => metricValue(await metrics(), 'dagpact_gatekeeper_messages_total');

  const goods = variantIds.map((_, k) => avro.Type.forSchema(variant(k) as never));
  const bad = avro.Type.forSchema(ORDER_BAD as never);
  const prefixed = (id: number, body: Buffer) => { const h = Buffer.alloc(5); h.writeUInt32BE(id, 1); return Buffer.concat([h, body]); };
  const heldEvery = Math.round(100 / HELD_PERCENT);
  const payloadFor = (i: number) => {
    if (i % heldEvery === heldEvery - 1) return prefixed(badId, bad.toBuffer({ id: i, sku: `SKU-${i % 100}`, amount: String(i / 3) }));
    const k = Math.floor(i / BLOCK) % goods.length;
    return prefixed(variantIds[k]!, goods[k]!.toBuffer({ id: i, sku: `SKU-${i % 100}`, amount: i / 3, ...(k > 0 ? { [`note${k}`]: '' } : {}) }));
  };

  const client = new PulsarClient({ serviceUrl: SERVICE_URL });
  const samples: Array<{ t: number; settled: number; rssMiB: number; heapMiB: number }> = [];
  let official: Awaited<ReturnType<typeof pythonProducer>> | undefined;
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
    const producer = WRITERS === 'confluent'
      ? await client.createProducer({ topic: topic('source'), batchingMaxMessages: 200, batchingMaxDelayMs: 5, maxPendingMessages: 5000 })
      : undefined;
    official = WRITERS === 'pulsar' ? await pythonProducer(topic('source'), heldEvery) : undefined;
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
      if (producer) {
        const sends = [];
        for (let i = 0; i < batch; i++) sends.push(producer.send({ payload: payloadFor(produced + i) }));
        await Promise.all(sends);
      } else {
        await official!.send(produced, batch);
      }
      produced += batch;
    }
    await producer?.close();
    while (done < produced) {
      if (gk.exitCode !== null) throw new Error(`the gatekeeper exited with ${gk.exitCode}`);
      await sleep(SAMPLE_SECONDS * 1000);
      await sample();
    }
    const elapsed = (performance.now() - started) / 1000;
    // Decisions by outcome, from the gatekeeper's own counter (the outcomes it has counted).
    const counted = await metrics();
    const outcomes = new Map(OUTCOMES.map((o) => [o, metricValue(counted, 'dagpact_gatekeeper_messages_total', { outcome: o })] as const)
      .filter(([, n]) => n > 0));
    // Every query the gatekeeper ran on its database is a transaction of its own (it writes the quarantine
    // in transactions too): a cache that evicts shows as writers and schemas read again. A backend
    // reports its counts when it ends, so the gatekeeper is stopped first.
    await stopGatekeeper();
    const transactions = Number(((await db.db.execute(sql`select xact_commit::bigint as n from pg_stat_database where datname = current_database()`)).rows[0] as { n: string }).n);
    const held = Number(((await db.db.execute(sql`select count(*)::int as n from quarantine_records`)).rows[0] as { n: number }).n);

    // Table: ten rows spread over the run, plus the first and last sample.
    const pick = new Set([0, samples.length - 1, ...Array.from({ length: 9 }, (_, k) => Math.round(((k + 1) * (samples.length - 1)) / 10))]);
    const warm = samples.find((s) => s.settled >= produced * 0.1) ?? samples[0]!;
    const last = samples.at(-1)!;
    const peak = Math.max(...samples.filter((s) => s.t >= warm.t).map((s) => s.rssMiB));
    console.log(`\nGatekeeper memory soak: ${stopReason}; ${produced} produced, ${last.settled} settled (${held} held in the quarantine, ${HELD_PERCENT}% by design) in ${elapsed.toFixed(0)} s (${(last.settled / elapsed).toFixed(0)} msg/s)`);
    console.log(`writers: ${WRITERS === 'pulsar' ? 'Pulsar-native (schema_version; the official client produced)' : 'Confluent wire format (dagpact\'s client produced)'}, ` +
      `${VARIANTS} good writer schema(s) in runs of ${BLOCK} and 1 incompatible; gatekeeper caches: ${process.env.BENCH_CACHE_ENTRIES ?? 'default'} entries, ` +
      `${process.env.BENCH_SCHEMA_CACHE_BYTES ?? 'default'} schema cache bytes`);
    console.log(`outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}; database transactions committed (whole run, set-up included): ${transactions}`);
    console.log('| elapsed (s) | messages settled | RSS (MiB) | V8 heap used (MiB) |');
    console.log('|---:|---:|---:|---:|');
    for (const i of [...pick].sort((a, b) => a - b)) {
      const s = samples[i]!;
      console.log(`| ${s.t.toFixed(0)} | ${s.settled} | ${s.rssMiB.toFixed(1)} | ${s.heapMiB.toFixed(1)} |`);
    }
    console.log(`\nafter warm-up (10% settled, ${warm.t.toFixed(0)} s): RSS ${warm.rssMiB.toFixed(1)} MiB; at the end ${last.rssMiB.toFixed(1)} MiB (${(last.rssMiB / warm.rssMiB).toFixed(2)}x); peak after warm-up ${peak.toFixed(1)} MiB`);
    if (held !== Math.floor(produced / heldEvery)) throw new Error(`expected ${Math.floor(produced / heldEvery)} held messages, found ${held}`);
    if (outcomes.get('QUARANTINE') !== held || outcomes.get('ACCEPT') !== produced - held) {
      throw new Error(`expected ${produced - held} accepted and ${held} held, the gatekeeper counted ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
  } finally {
    await official?.close();
    await client.close();
    await stopGatekeeper();
    await db.close();
    await database.drop();
    await fetch(`${ADMIN_URL}/admin/v2/namespaces/${ns}?force=true`, { method: 'DELETE' }).catch(() => undefined);
  }
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
