// 50,000 messages through the gatekeeper while it is SIGKILLed five times and its broker restarted
// once. Every source message must be found afterwards — forwarded to its DAG's trigger topic, or held
// in the quarantine (DB record), or rejected (DB record + dead-letter topic) — with duplicates counted
// and reported, and none lost. Runs the built CLI (`node dist/src/cli/main.js gatekeeper`) as a child
// process against its own broker instance (scripts/pulsar/harness.sh, PULSAR_NAME=gk-faults).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { freePort } from '../../support/server-process.js';
import { createNamespace, deploy, drain, produce, seedDagVersion, waitFor } from './support.js';

const run = promisify(execFile);
const TOTAL = Number(process.env.DAGPACT_FAULTS_MESSAGES ?? 50_000);
const BROKER_ENV = { PULSAR_NAME: 'gk-faults', PULSAR_BROKER_PORT: '6850', PULSAR_WEB_PORT: '8280', PULSAR_BK_PORT: '3381' };
const SERVICE_URL = 'pulsar://127.0.0.1:6850';
const ADMIN_URL = 'http://127.0.0.1:8280';
const SUBSCRIPTION = 'gk-faults';
const harness = (cmd: string) => run('bash', ['scripts/pulsar/harness.sh', cmd], { env: { ...process.env, ...BROKER_ENV }, timeout: 300_000 });

const CONTRACT = { type: 'object', properties: { seq: { type: 'integer' }, v: { type: 'string' } }, required: ['seq', 'v'] };

let db: TestDatabase;
let api: TestApp;
let ns: string;
let child: ChildProcess | undefined;
let output = '';

function startGatekeeperProcess(port: number) {
  const c = spawn(process.execPath, ['dist/src/cli/main.js', 'gatekeeper'], {
    env: {
      ...process.env, DATABASE_URL: db.url, PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: 'faults',
      DAGPACT_GATEKEEPER_PORT: String(port), DAGPACT_GATEKEEPER_SUBSCRIPTION: SUBSCRIPTION, DAGPACT_LOG_LEVEL: 'warn',
      DAGPACT_ROUTING_REFRESH_MS: '2000', DAGPACT_QUARANTINE_TOPIC: `persistent://${ns}/quarantine`,
      DAGPACT_DEAD_LETTER_TOPIC: `persistent://${ns}/dead-letter`, DAGPACT_TRIGGER_TOPIC_PATTERN: `persistent://${ns}/trigger-{dag_id}`,
      DAGPACT_POISON_REDELIVERIES: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  c.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  return c;
}

async function backlog(): Promise<number> {
  const res = await fetch(`${ADMIN_URL}/admin/v2/persistent/${ns}/faults/stats`);
  if (!res.ok) return Number.POSITIVE_INFINITY;
  const stats = await res.json() as { subscriptions: Record<string, { msgBacklog: number; unackedMessages: number }> };
  const sub = stats.subscriptions[SUBSCRIPTION];
  return sub ? sub.msgBacklog + sub.unackedMessages : Number.POSITIVE_INFINITY;
}

beforeAll(async () => {
  await harness('start');
  db = await createTestDatabase();
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
  await api?.close();
  await db?.drop();
  await harness('stop').catch(() => undefined);
}, 300_000);

describe('gatekeeper under faults', () => {
  it(`loses none of ${TOTAL} messages across 5 SIGKILLs and a broker restart`, async () => {
    const port = await freePort();
    child = startGatekeeperProcess(port);
    await waitFor('gatekeeper subscribed', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<{ topics: string[] }>)).topics.length === 1, 60_000);
    // Every 10th message is invalid for the contract: quarantined by fa, rejected by fb.
    const messages = Array.from({ length: TOTAL }, (_, i) => ({
      payload_b64: Buffer.from(JSON.stringify(i % 10 === 9 ? { seq: i, v: 1 } : { seq: i, v: 'ok' })).toString('base64'),
      properties: { seq: String(i) },
    }));
    const producing = produce([{ topic: `persistent://${ns}/faults`, mode: 'bytes', messages }], SERVICE_URL);

    for (let kill = 1; kill <= 5; kill++) {
      await new Promise((r) => setTimeout(r, 6_000));
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      if (kill === 3) await harness('restart');
      child = startGatekeeperProcess(port);
    }
    await producing;
    await waitFor('backlog drained', async () => (await backlog()) === 0, 600_000, 2_000);

    const triggers = await drain([`persistent://${ns}/trigger-fa`, `persistent://${ns}/trigger-fb`, `persistent://${ns}/dead-letter`], 5, SERVICE_URL);
    const rows = (await db.database.db.execute(sql`select dag_id, disposition, properties->>'seq' as seq from quarantine_records`)).rows as Array<{ dag_id: string; disposition: string; seq: string }>;
    const seen = { fa: new Map<string, number>(), fb: new Map<string, number>(), dead: new Map<string, number>() };
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const t of triggers) {
      const seq = t.properties.seq!;
      if (t.topic.endsWith('trigger-fa')) bump(seen.fa, seq);
      else if (t.topic.endsWith('trigger-fb')) bump(seen.fb, seq);
      else bump(seen.dead, seq);
    }
    const held = { fa: new Set(rows.filter((r) => r.dag_id === 'fa').map((r) => r.seq)), fb: new Set(rows.filter((r) => r.dag_id === 'fb').map((r) => r.seq)) };
    const lost: string[] = [];
    let duplicates = 0;
    for (let i = 0; i < TOTAL; i++) {
      const seq = String(i);
      for (const dag of ['fa', 'fb'] as const) {
        const forwarded = seen[dag].get(seq) ?? 0;
        if (forwarded > 1) duplicates += forwarded - 1;
        if (forwarded === 0 && !held[dag].has(seq)) lost.push(`${dag}:${seq}`);
      }
    }
    const deadDup = [...seen.dead.values()].reduce((n, c) => n + c - 1, 0);
    const poison = rows.filter((r) => r.disposition === 'quarantine' && r.dag_id === 'fb').length;
    console.log(`faults: ${TOTAL} messages × 2 DAGs; forwarded fa=${seen.fa.size} fb=${seen.fb.size}; held fa=${held.fa.size} fb=${held.fb.size}; ` +
      `dead-letter=${seen.dead.size}; duplicate forwards=${duplicates}; duplicate dead letters=${deadDup}; poison-held=${poison}; lost=${lost.length}`);
    expect(lost.slice(0, 20), output).toEqual([]);
    // Every invalid message was held for fa and rejected (dead letter) for fb.
    expect(held.fa.size).toBeGreaterThanOrEqual(TOTAL / 10);
    expect(seen.dead.size).toBeGreaterThanOrEqual(TOTAL / 10 - poison);
  }, 1_200_000);
});
