// 50,000 messages through the gatekeeper while it is SIGKILLed five times, drained once by SIGTERM,
// its broker restarted once and its database taken away for a while. Every source message must be
// found afterwards — forwarded to its DAG's trigger topic, or held in the quarantine (DB record +
// envelope on the quarantine topic), or rejected (DB record + dead-letter topic) — exactly as the
// contract says, with duplicates counted and reported, and none lost. Runs the built CLI
// (`node dist/src/cli/main.js gatekeeper`) as a child process against its own broker instance
// (scripts/pulsar/harness.sh, PULSAR_NAME=gk-faults); the shared broker and PostgreSQL server are left
// alone: the database outage is a TCP proxy between the gatekeeper and PostgreSQL that the test cuts.
// Faults are paced by progress (rows held so far), so each one lands while messages are in flight.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { freePort } from '../../support/server-process.js';
import { createNamespace, deploy, drain, metricValue, produce, seedDagVersion, startTcpProxy, waitFor } from './support.js';

const run = promisify(execFile);
const TOTAL = Number(process.env.DAGPACT_FAULTS_MESSAGES ?? 50_000);
const BROKER_ENV = { PULSAR_NAME: 'gk-faults', PULSAR_BROKER_PORT: '6850', PULSAR_WEB_PORT: '8280', PULSAR_BK_PORT: '3381' };
const SERVICE_URL = 'pulsar://127.0.0.1:6850';
const ADMIN_URL = 'http://127.0.0.1:8280';
const SUBSCRIPTION = 'gk-faults';
const OUTAGE_MS = 8_000;
const harness = (cmd: string) => run('bash', ['scripts/pulsar/harness.sh', cmd], { env: { ...process.env, ...BROKER_ENV }, timeout: 300_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The pid of the broker the harness runs, checked alive. The harness's start and restart succeed as soon as
 * something answers on the admin port, so a stale broker it does not know (lost pid file) would make a
 * "restart" a no-op and this test vacuous; fail instead.
 */
function brokerPid(): number {
  const file = `.tmp/pulsar/${BROKER_ENV.PULSAR_NAME}/broker.pid`;
  const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  try { process.kill(pid, 0); } catch {
    throw new Error(`the ${BROKER_ENV.PULSAR_NAME} broker answering on ${ADMIN_URL} is not the one scripts/pulsar/harness.sh started (pid file: ${pid}); stop the stale broker on ports 6850/8280 and rerun`);
  }
  return pid;
}

const CONTRACT = { type: 'object', properties: { seq: { type: 'integer' }, v: { type: 'string' } }, required: ['seq', 'v'] };
/** Every 10th message is invalid for the contract: quarantined by fa, rejected by fb. */
const invalid = (i: number) => i % 10 === 9;

let db: TestDatabase;
let api: TestApp;
let ns: string;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let child: ChildProcess | undefined;
let output = '';

function startGatekeeperProcess(port: number) {
  const url = new URL(db.url!);
  url.host = `127.0.0.1:${proxy.port}`;
  const c = spawn(process.execPath, ['dist/src/cli/main.js', 'gatekeeper'], {
    env: {
      ...process.env, DATABASE_URL: url.toString(), PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: 'faults',
      DAGPACT_GATEKEEPER_PORT: String(port), DAGPACT_GATEKEEPER_SUBSCRIPTION: SUBSCRIPTION, DAGPACT_LOG_LEVEL: 'warn',
      DAGPACT_ROUTING_REFRESH_MS: '2000', DAGPACT_QUARANTINE_TOPIC: `persistent://${ns}/quarantine`,
      DAGPACT_DEAD_LETTER_TOPIC: `persistent://${ns}/dead-letter`, DAGPACT_TRIGGER_TOPIC_PATTERN: `persistent://${ns}/trigger-{dag_id}`,
      DAGPACT_POISON_REDELIVERIES: '50', DAGPACT_SHUTDOWN_TIMEOUT_MS: '30000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  c.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  return c;
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

async function healthy(port: number) {
  await waitFor('gatekeeper subscribed', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<{ topics: string[] }>)).topics.length === 1, 60_000, 200);
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

async function backlog(): Promise<number> {
  const res = await fetch(`${ADMIN_URL}/admin/v2/persistent/${ns}/faults/stats`);
  if (!res.ok) return Number.POSITIVE_INFINITY;
  const stats = await res.json() as { subscriptions: Record<string, { msgBacklog: number; unackedMessages: number }> };
  const sub = stats.subscriptions[SUBSCRIPTION];
  return sub ? sub.msgBacklog + sub.unackedMessages : Number.POSITIVE_INFINITY;
}

/** Rows held for fa so far (every 10th message); constant while the database is away. */
async function heldRows(): Promise<number> {
  const res = await db.database.db.execute(sql`select count(*)::int as n from quarantine_records where dag_id = 'fa'`);
  return (res.rows[0] as { n: number }).n;
}

/** Source messages acked so far: entries stored on the topic (producer batching is off) minus the backlog. */
async function progress(): Promise<number> {
  const res = await fetch(`${ADMIN_URL}/admin/v2/persistent/${ns}/faults/internalStats`);
  if (!res.ok) return 0;
  const { numberOfEntries } = await res.json() as { numberOfEntries: number };
  const left = await backlog();
  return Number.isFinite(left) ? numberOfEntries - left : 0;
}

beforeAll(async () => {
  await harness('start');
  brokerPid();
  db = await createTestDatabase();
  const target = new URL(db.url!);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  api = await buildTestApp({ db });
  ns = await createNamespace(ADMIN_URL);
  const reg = await api.app.inject({ method: 'POST', url: '/ccompat/subjects/faults-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(CONTRACT), schemaType: 'JSON' } });
  expect(reg.statusCode, reg.body).toBe(200);
  const schemaId = reg.json<{ id: number }>().id;
  const topic = `persistent://${ns}/faults`;
  const a = await seedDagVersion(db.database.db, { dagId: 'fa', version: '1', consumes: [{ topic, subject: 'faults-value', subjectVersion: 1, schemaId }] });
  const b = await seedDagVersion(db.database.db, { dagId: 'fb', version: '1', consumes: [{ topic, subject: 'faults-value', subjectVersion: 1, schemaId, onMismatch: 'reject' }] });
  await deploy(db.database.db, { environment: 'faults', dagId: 'fa', dagVersionId: a });
  await deploy(db.database.db, { environment: 'faults', dagId: 'fb', dagVersionId: b });
}, 600_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await proxy?.close();
  await api?.close();
  await db?.drop();
  await harness('stop').catch(() => undefined);
}, 300_000);

describe('gatekeeper under faults', () => {
  it(`loses none of ${TOTAL} messages across 5 SIGKILLs, a SIGTERM drain, a broker restart and a database outage`, async () => {
    const t0 = Date.now();
    const events: string[] = [];
    const note = (what: string) => { events.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`); };
    // Each process's counters start at zero: snapshot them just before it is stopped, and sum.
    const snapshots: string[] = [];
    const snap = async () => { snapshots.push(await metrics(port)); };
    const total = (name: string, labels: Record<string, string> = {}) => snapshots.reduce((n, t) => n + metricValue(t, name, labels), 0);
    const port = await freePort();
    child = startGatekeeperProcess(port);
    await healthy(port);
    const messages = Array.from({ length: TOTAL }, (_, i) => ({
      payload_b64: Buffer.from(JSON.stringify(invalid(i) ? { seq: i, v: 1 } : { seq: i, v: 'ok' })).toString('base64'),
      properties: { seq: String(i) },
    }));
    const producing = produce([{ topic: `persistent://${ns}/faults`, mode: 'bytes', messages }], SERVICE_URL)
      .then((r) => { note(`producer done: ${JSON.stringify(r)}`); return r; });
    producing.catch(() => undefined);

    const step = TOTAL / 9;
    const reached = (n: number) => waitFor(`${Math.round(n)} messages acked`, async () => (await progress()) >= n, 300_000, 250);
    for (let kill = 1; kill <= 5; kill++) {
      await reached(kill * step);
      if (kill === 2) {
        // Database outage for the gatekeeper alone: held messages cannot be recorded, so they are not acked.
        const before = await metrics(port);
        const nacksBefore = metricValue(before, 'dagpact_gatekeeper_nacks_total');
        const pausesBefore = metricValue(before, 'dagpact_gatekeeper_receive_pauses_total');
        const refusedBefore = proxy.refused();
        proxy.cut();
        note('database cut');
        await sleep(OUTAGE_MS);
        const during = await metrics(port);
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        const stuck = await backlog();
        const rowsDuring = await heldRows();
        const refusedDuring = proxy.refused() - refusedBefore;
        // Another attempt at the database (after a pause of at most 5 s) records nothing either.
        await waitFor('another attempt at the database', () => proxy.refused() > refusedBefore + refusedDuring, { timeoutMs: 30_000, intervalMs: 100 });
        expect(await heldRows(), 'nothing can be recorded while the database is away').toBe(rowsDuring);
        proxy.restore();
        const pauses = metricValue(during, 'dagpact_gatekeeper_receive_pauses_total') - pausesBefore;
        note(`database back: nacks +${metricValue(during, 'dagpact_gatekeeper_nacks_total') - nacksBefore}, backlog ${stuck}, healthz ${health.status}, ` +
          `connections refused ${refusedDuring} in ${OUTAGE_MS} ms, receive pauses ${pauses}`);
        // Backoff: each failed hold pauses receiving (100 ms doubling to 5 s), so the outage costs a few
        // bursts of connection attempts, not one per redelivery (about 10,000 in 8 s without the pause).
        expect(pauses, 'the consumer paused receiving').toBeGreaterThan(0);
        expect(refusedDuring, 'the gatekeeper kept trying the database').toBeGreaterThan(0);
        expect(refusedDuring, 'connection attempts during the outage are backed off').toBeLessThan(1_000);
        expect(health.status, 'the gatekeeper stays up through a database outage').toBe(200);
        expect(metricValue(during, 'dagpact_gatekeeper_nacks_total'), 'held messages are nacked, not acked, during the outage').toBeGreaterThan(nacksBefore);
        expect(stuck, 'unacked messages stay in the subscription during the outage').toBeGreaterThan(0);
        await waitFor('records after the database returns', async () => (await heldRows()) > rowsDuring, 60_000, 200);
        note('recording again');
        // The messages nacked during the outage come back (redelivery count > 0) once receiving resumes.
        await waitFor('nacked messages redelivered', async () => metricValue(await metrics(port), 'dagpact_gatekeeper_redeliveries_total') > 0, 60_000, 200);
        note('nacked messages redelivered');
      }
      await snap();
      const pending = await backlog();
      expect(pending, `SIGKILL ${kill} lands while messages are pending`).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await exited(child);
      note(`SIGKILL ${kill} (backlog ${pending})`);
      if (kill === 3) {
        const before = brokerPid();
        await harness('restart');
        const after = brokerPid();
        expect(after, 'the broker process was replaced').not.toBe(before);
        note(`broker restarted (pid ${before} → ${after})`);
      }
      if (kill === 4) {
        // A start while the database is away: the process comes up, answers /healthz 503 "starting",
        // keeps retrying the routing table, and subscribes once the database is back.
        proxy.cut();
        const refusedAtStart = proxy.refused();
        child = startGatekeeperProcess(port);
        await waitFor('gatekeeper listening', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status).catch(() => 0)) > 0, { timeoutMs: 60_000, intervalMs: 200 });
        // Not ready after it has tried the database (and been refused) twice, rather than after a fixed wait.
        await waitFor('two refused attempts at the database', () => proxy.refused() >= refusedAtStart + 2, { timeoutMs: 60_000, intervalMs: 100 });
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        const body = await res.json() as { status: string; topics: string[] };
        expect(child.exitCode, output).toBeNull();
        expect([res.status, body.status, body.topics.length], 'not ready while the database is down at start').toEqual([503, 'starting', 0]);
        proxy.restore();
        note('started with the database away: 503 starting until it returned');
      } else {
        child = startGatekeeperProcess(port);
      }
      await healthy(port);
    }

    // A graceful stop mid-run: in-flight messages settle and are acked, the process exits 0 in time.
    await reached(6 * step);
    await snap();
    const pendingAtTerm = await backlog();
    expect(pendingAtTerm, 'the SIGTERM lands while messages are pending').toBeGreaterThan(0);
    const termAt = Date.now();
    child.kill('SIGTERM');
    const code = await exited(child);
    note(`SIGTERM (backlog ${pendingAtTerm}) drained in ${Date.now() - termAt} ms, exit ${code}`);
    expect(code, output).toBe(0);
    child = startGatekeeperProcess(port);
    await healthy(port);

    const produced = await producing;
    await waitFor('backlog drained', async () => (await backlog()) === 0, 600_000, 1_000);
    note('backlog drained');

    await snap();
    // Outcomes by reason, topic and DAG; decision and end-to-end latency; redeliveries (every process
    // after the first got the unacked messages of the one before); routing table age.
    const topic = `persistent://${ns}/faults`;
    const last = snapshots.at(-1)!;
    expect(total('dagpact_gatekeeper_messages_total', { outcome: 'ACCEPT', topic, dag_id: 'fa' })).toBeGreaterThan(0);
    expect(total('dagpact_gatekeeper_messages_total', { outcome: 'QUARANTINE', reason: 'PAYLOAD_INVALID', topic, dag_id: 'fa' })).toBeGreaterThan(0);
    expect(total('dagpact_gatekeeper_messages_total', { outcome: 'REJECT', reason: 'PAYLOAD_INVALID', topic, dag_id: 'fb' })).toBeGreaterThan(0);
    expect(total('dagpact_gatekeeper_decision_seconds_count')).toBeGreaterThan(0);
    expect(total('dagpact_gatekeeper_end_to_end_seconds_count')).toBeGreaterThan(0);
    expect(total('dagpact_gatekeeper_redeliveries_total', { topic }), 'messages unacked by a killed process come back').toBeGreaterThan(0);
    expect(total('dagpact_gatekeeper_nacks_total', { topic }), 'the database outage nacked held messages').toBeGreaterThan(0);
    expect(metricValue(last, 'dagpact_gatekeeper_routing_table_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(metricValue(last, 'dagpact_gatekeeper_routing_table_age_seconds')).toBeLessThan(30);
    note(`metrics over all processes: ${['ACCEPT', 'QUARANTINE', 'REJECT'].map((o) => `${o}=${total('dagpact_gatekeeper_messages_total', { outcome: o })}`).join(' ')} ` +
      `redeliveries=${total('dagpact_gatekeeper_redeliveries_total')} nacks=${total('dagpact_gatekeeper_nacks_total')}`);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);

    const drained = await drain([`persistent://${ns}/trigger-fa`, `persistent://${ns}/trigger-fb`, `persistent://${ns}/dead-letter`, `persistent://${ns}/quarantine`], 5, SERVICE_URL);
    note(`drained ${drained.length} output messages`);
    const rows = (await db.database.db.execute(sql`select dag_id, disposition, reason_code, properties->>'seq' as seq from quarantine_records`)).rows as Array<{ dag_id: string; disposition: string; reason_code: string; seq: string }>;
    const seen = { fa: new Map<string, number>(), fb: new Map<string, number>(), dead: new Map<string, number>(), envelopes: new Map<string, number>() };
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const t of drained) {
      if (t.topic.endsWith('trigger-fa')) bump(seen.fa, t.properties.seq!);
      else if (t.topic.endsWith('trigger-fb')) bump(seen.fb, t.properties.seq!);
      else if (t.topic.endsWith('dead-letter')) bump(seen.dead, t.properties.seq!);
      else bump(seen.envelopes, (JSON.parse(Buffer.from(t.payload_b64, 'base64').toString()) as { source: { properties: { seq: string } } }).source.properties.seq);
    }
    const held = { fa: new Map(rows.filter((r) => r.dag_id === 'fa').map((r) => [r.seq, r])), fb: new Map(rows.filter((r) => r.dag_id === 'fb').map((r) => [r.seq, r])) };
    const lost: string[] = [];
    const wrong: string[] = [];
    let duplicates = 0;
    for (let i = 0; i < TOTAL; i++) {
      const seq = String(i);
      for (const dag of ['fa', 'fb'] as const) {
        const forwarded = seen[dag].get(seq) ?? 0;
        const row = held[dag].get(seq);
        if (forwarded > 1) duplicates += forwarded - 1;
        if (forwarded === 0 && !row) { lost.push(`${dag}:${seq}`); continue; }
        // As the contract says: valid → forwarded; invalid → held (fa) / rejected (fb). Every fault here is
        // an outage, which is retried and never counts toward poison: a valid message held as
        // PROCESSING_FAILED (instead of forwarded) is as wrong as one held for any other reason.
        if (invalid(i) && forwarded > 0) wrong.push(`${dag}:${seq} forwarded`);
        if (row && !invalid(i)) wrong.push(`${dag}:${seq} held as ${row.reason_code}`);
        else if (row && row.reason_code !== 'PROCESSING_FAILED' && (row.reason_code !== 'PAYLOAD_INVALID' || row.disposition !== (dag === 'fa' ? 'quarantine' : 'reject'))) {
          wrong.push(`${dag}:${seq} ${row.disposition} ${row.reason_code}`);
        }
        // A record's message on its side topic: the envelope (quarantine) or the original (dead letter).
        if (row && !(row.disposition === 'reject' ? seen.dead : seen.envelopes).has(seq)) lost.push(`${dag}:${seq} (${row.disposition} topic)`);
      }
    }
    const sideDuplicates = [...seen.dead.values(), ...seen.envelopes.values()].reduce((n, c) => n + c - 1, 0);
    const poison = rows.filter((r) => r.reason_code === 'PROCESSING_FAILED').length;
    const retried = produced.reduce((n, p) => n + p.retried, 0);
    console.log([
      `faults: ${TOTAL} messages × 2 DAGs in ${((Date.now() - t0) / 1000).toFixed(1)} s (producer re-sends ${retried})`,
      `forwarded fa=${seen.fa.size} fb=${seen.fb.size}; held fa=${held.fa.size} fb=${held.fb.size}; dead-letter=${seen.dead.size}; envelopes=${seen.envelopes.size}`,
      `duplicate forwards=${duplicates}; duplicate dead letters/envelopes=${sideDuplicates}; poison-held=${poison}; misrouted=${wrong.length}; lost=${lost.length}`,
      ...events,
    ].join('\n  '));
    expect(lost.slice(0, 20), output).toEqual([]);
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(poison, 'outages are retried, never held as poison (PROCESSING_FAILED)').toBe(0);
    expect(held.fa.size).toBeGreaterThanOrEqual(TOTAL / 10);
    expect(seen.dead.size).toBeGreaterThanOrEqual(TOTAL / 10 - poison);
  }, 1_200_000);
});
