// The gatekeeper forwarding to the real Airflow 3 (scripts/airflow/harness.sh) on the real broker and
// PostgreSQL: every accepted (message, DAG) becomes exactly one DAG run whose conf is the message as
// that DAG's contract reads it plus its provenance; mismatching messages are quarantined and trigger
// nothing; and the whole topic delivered again (subscription cursor reset, a new gatekeeper: what a
// crash before the ack or a replayed backlog looks like) creates no second run. Replaying the held
// messages from the quarantine once a fixed DAG version is deployed triggers each exactly once.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirflowClient, DagRun } from '../../../src/airflow/client.js';
import { parseGatekeeperConfig } from '../../../src/config/gatekeeper-config.js';
import { dagRunIdFor } from '../../../src/gatekeeper/airflow-sink.js';
import type { startGatekeeper } from '../../../src/start/gatekeeper.js';
import { makeTokenService } from '../../../src/core/auth.js';
import { buildApp } from '../../../src/http/app.js';
import { makeServices } from '../../../src/start/services.js';
import { makeAuditLog, makeTokenStore } from '../../../src/store/token-store.js';
import { adminHeaders, buildTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import {
  ADMIN_URL, createNamespace, deploy, metricValue, produce, quarantineCounts, runCli, seedDagVersion, SERVICE_URL, startTestGatekeeper, waitFor,
} from '../gatekeeper/support.js';
import { airflowClient, airflowConnection, DAGS } from './support.js';

const ORDER_V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const ORDER_V2 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
const ORDER_V3 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string' }] };
// Unique per run: the Airflow instance keeps its runs between test runs; run ids start with the environment.
const ENV = `it-${randomBytes(4).toString('hex')}`;
const SUBSCRIPTION = 'dagpact-gatekeeper';

let db: TestDatabase;
let api: TestApp;
let ns: string;
let airflow: AirflowClient;
let gk: Awaited<ReturnType<typeof startGatekeeper>> | undefined;
const ids: Record<string, number> = {};
const topic = (name: string) => `persistent://${ns}/${name}`;

async function register(subject: string, schema: object) {
  const res = await api.app.inject({ method: 'POST', url: `/ccompat/subjects/${subject}/versions`, headers: adminHeaders, payload: { schema: JSON.stringify(schema) } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ id: number }>().id;
}

async function startAirflowGatekeeper() {
  const c = await airflowConnection();
  return startTestGatekeeper({
    databaseUrl: db.url!, environment: ENV, ns,
    env: {
      DAGPACT_GATEKEEPER_SUBSCRIPTION: SUBSCRIPTION,
      DAGPACT_FORWARD_TO: 'airflow', AIRFLOW_URL: c.url, AIRFLOW_USERNAME: c.username, AIRFLOW_PASSWORD: c.password,
    },
  });
}

/** This run's DAG runs of a DAG (run ids start with dagpact__<ENV>__). */
async function runsOf(dagId: string): Promise<DagRun[]> {
  const { runs, total } = await airflow.listDagRuns({ dagId, runIdPattern: `dagpact__${ENV}__`, limit: 1000 });
  expect(runs.length).toBe(total);
  return runs;
}

const bySeq = (runs: DagRun[]) => new Map(runs.map((r) => [(r.conf as { dagpact: { properties: { seq: string } } }).dagpact.properties.seq, r]));
const decisions = async () => metricValue(await gk!.metrics.registry.metrics(), 'dagpact_gatekeeper_messages_total');

beforeAll(async () => {
  airflow = await airflowClient();
  db = await createTestDatabase();
  api = await buildTestApp({ db });
  ns = await createNamespace();
  ids.v1 = await register('orders-value', ORDER_V1);
  ids.v2 = await register('orders-value', ORDER_V2);
  ids.v3 = await register('orders-value', ORDER_V3);
  const d = db.database.db;
  const orders = await seedDagVersion(d, { dagId: DAGS.orders, version: 'v1', consumes: [{ topic: topic('orders'), subject: 'orders-value', subjectVersion: 1, schemaId: ids.v1! }] });
  const fraud = await seedDagVersion(d, { dagId: DAGS.fraud, version: 'v7', consumes: [{ topic: topic('orders'), subject: 'orders-value', subjectVersion: 3, schemaId: ids.v3! }] });
  await d.execute(sql`update dag_versions set airflow_version_number = 1 where id = ${orders}`);
  await deploy(d, { environment: ENV, dagId: DAGS.orders, dagVersionId: orders });
  await deploy(d, { environment: ENV, dagId: DAGS.fraud, dagVersionId: fraud });
  gk = await startAirflowGatekeeper();
}, 900_000);

afterAll(async () => {
  await gk?.stop();
  await api?.close();
  await db?.drop();
});

describe('gatekeeper → Airflow (real Pulsar, PostgreSQL and Airflow 3)', () => {
  it('triggers one DAG run per accepted message and DAG, with the decoded message and its provenance as conf', async () => {
    await produce([
      // Avro v1: dagpact_orders (reads v1) accepts; dagpact_fraud (reads v3: currency, no default) cannot read it.
      { topic: topic('orders'), mode: 'avro', schema: ORDER_V1, messages: Array.from({ length: 5 }, (_, i) => ({ value: { id: i, amount: i * 1.5 }, properties: { seq: `a-${i}` }, key: `k${i}` })) },
      // Avro v2: both accept; each DAG gets the record in its own reader's shape.
      { topic: topic('orders'), mode: 'avro', schema: ORDER_V2, messages: [{ value: { id: 100, amount: 2.5, currency: 'USD' }, properties: { seq: 'b-0' } }] },
      // Not Avro at all: held for both DAGs.
      { topic: topic('orders'), mode: 'bytes', messages: [{ payload_b64: Buffer.from('garbage!').toString('base64'), properties: { seq: 'bad' } }] },
    ]);

    let orders: DagRun[] = [];
    let fraud: DagRun[] = [];
    await waitFor('runs and quarantine rows', async () => {
      [orders, fraud] = await Promise.all([runsOf(DAGS.orders), runsOf(DAGS.fraud)]);
      const held = (await quarantineCounts(db.database.db)).reduce((n, r) => n + r.n, 0);
      return (orders.length >= 6 && fraud.length >= 1 && held >= 7) || undefined;
    }, 90_000, 1000).catch(() => undefined);

    const o = bySeq(orders);
    const f = bySeq(fraud);
    expect([...o.keys()].sort()).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'b-0']);
    expect(orders).toHaveLength(6);
    expect([...f.keys()]).toEqual(['b-0']);
    expect(fraud).toHaveLength(1);
    expect(await quarantineCounts(db.database.db)).toEqual([
      // Bytes with no schema on an Avro topic: the writer is unknown, so they are never tried with the reader.
      { dag_id: DAGS.fraud, reason_code: 'SCHEMA_MISMATCH', disposition: 'quarantine', status: 'held', n: 5 },
      { dag_id: DAGS.fraud, reason_code: 'UNKNOWN_SCHEMA', disposition: 'quarantine', status: 'held', n: 1 },
      { dag_id: DAGS.orders, reason_code: 'UNKNOWN_SCHEMA', disposition: 'quarantine', status: 'held', n: 1 },
    ]);

    // The conf: the message as the DAG's contract reads it, and where it came from.
    const a2 = o.get('a-2')!;
    expect(a2.conf).toEqual({
      message: { id: 2, amount: 3 },
      dagpact: {
        environment: ENV, source_topic: topic('orders'), message_id: expect.stringMatching(/^\d+:\d+:-?\d+:-?\d+$/),
        key: 'k2', publish_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), event_time: null, properties: { seq: 'a-2' },
        dag_id: DAGS.orders, dag_version: 'v1', airflow_version_number: 1,
        contract_subject: 'orders-value', contract_version: 1, reader_schema_id: ids.v1, writer_schema_id: ids.v1, identified_by: 'pulsar', deployed_by: 'test',
      },
    });
    expect(a2).toMatchObject({ logical_date: null, run_type: 'manual' });
    // The run id is the deterministic one of (environment, source topic, message id, DAG).
    const provenance = (a2.conf as { dagpact: { source_topic: string; message_id: string } }).dagpact;
    expect(a2.dag_run_id).toBe(dagRunIdFor({ environment: ENV, sourceTopic: provenance.source_topic, messageId: provenance.message_id, dagId: DAGS.orders }));
    // One v2 message, two readers: v1 drops the currency, v3 keeps it.
    expect((o.get('b-0')!.conf as { message: unknown }).message).toEqual({ id: 100, amount: 2.5 });
    expect(f.get('b-0')!.conf).toMatchObject({
      message: { id: 100, amount: 2.5, currency: 'USD' },
      dagpact: { dag_id: DAGS.fraud, dag_version: 'v7', airflow_version_number: null, contract_version: 3, reader_schema_id: ids.v3, writer_schema_id: ids.v2 },
    });
  });

  it('the same messages delivered again (cursor reset, new gatekeeper) create no second run and no second record', async () => {
    const before = new Map((await runsOf(DAGS.orders)).concat(await runsOf(DAGS.fraud)).map((r) => [r.dag_run_id, JSON.stringify(r.conf)]));
    expect(before.size).toBe(7);
    await gk!.stop();
    gk = undefined;
    // Every message of the topic, already acked, is delivered again from the start.
    const [tenant, namespace] = ns.split('/');
    const reset = await fetch(`${ADMIN_URL}/admin/v2/persistent/${tenant}/${namespace}/orders/subscription/${SUBSCRIPTION}/resetcursor/0`, { method: 'POST' });
    expect(reset.status, await reset.text()).toBe(204);
    gk = await startAirflowGatekeeper();
    // 7 messages × 2 DAGs decided and settled again by the new gatekeeper.
    await waitFor('the topic processed again', async () => (await decisions()) >= 14 || undefined, 90_000);
    await waitFor('everything acked', async () => {
      const stats = await (await fetch(`${ADMIN_URL}/admin/v2/persistent/${tenant}/${namespace}/orders/stats`)).json() as { subscriptions: Record<string, { msgBacklog: number; unackedMessages: number }> };
      const sub = stats.subscriptions[SUBSCRIPTION];
      return (sub && sub.msgBacklog === 0 && sub.unackedMessages === 0) || undefined;
    }, 60_000);
    expect(metricValue(await gk!.metrics.registry.metrics(), 'dagpact_gatekeeper_messages_total', { outcome: 'ACCEPT' })).toBe(7);

    const after = new Map((await runsOf(DAGS.orders)).concat(await runsOf(DAGS.fraud)).map((r) => [r.dag_run_id, JSON.stringify(r.conf)]));
    expect(after).toEqual(before);
    expect((await quarantineCounts(db.database.db)).reduce((n, r) => n + r.n, 0)).toBe(7);
  });

  it('replaying held messages after a fix triggers each once, with the same run id a live forward would use', async () => {
    // dagpact_fraud v8 reads v2 (currency has a default): the held v1 messages pass now.
    const d = db.database.db;
    const fixed = await seedDagVersion(d, { dagId: DAGS.fraud, version: 'v8', consumes: [{ topic: topic('orders'), subject: 'orders-value', subjectVersion: 2, schemaId: ids.v2! }] });
    await deploy(d, { environment: ENV, dagId: DAGS.fraud, dagVersionId: fixed });
    const audit = makeAuditLog(d);
    const app = await buildApp({
      database: db.database, audit, metrics: new Registry(), authReads: false, logger: (await import('pino')).pino({ level: 'error' }),
      tokens: makeTokenService({ store: makeTokenStore(d), adminToken: TEST_ADMIN_TOKEN }),
      services: makeServices({ database: db.database, audit, forwarder: gk!.forwarder }),
    });
    try {
      const listed = await app.inject({ method: 'GET', url: `/v1/quarantine?dag_id=${DAGS.fraud}&reason=SCHEMA_MISMATCH&limit=100`, headers: adminHeaders });
      expect(listed.statusCode, listed.body).toBe(200);
      const held = listed.json<{ records: Array<{ id: number; status: string; source_topic: string; message_id: string }> }>().records;
      expect(held).toHaveLength(5);
      // Each record twice at once: one replay triggers, the other finds it replayed (409).
      const answers = await Promise.all(held.flatMap((r) => [r, r]).map((r) => app.inject({ method: 'POST', url: `/v1/quarantine/${r.id}/replay`, headers: adminHeaders })));
      expect(answers.map((a) => a.statusCode).sort(), answers.map((a) => a.body).join('\n')).toEqual([...Array(5).fill(200), ...Array(5).fill(409)]);
      const results = answers.filter((a) => a.statusCode === 200).map((a) => a.json<{ result: { outcome: string; trigger_topic: string; forwarded_message_id: string } }>().result);
      expect(results.every((r) => r.outcome === 'forwarded' && r.trigger_topic === `airflow:${DAGS.fraud}`)).toBe(true);
      const expected = held.map((r) => dagRunIdFor({ environment: ENV, sourceTopic: r.source_topic, messageId: r.message_id, dagId: DAGS.fraud })).sort();
      expect(results.map((r) => r.forwarded_message_id).sort()).toEqual(expected);
    } finally {
      await app.close();
    }
    const fraud = bySeq(await runsOf(DAGS.fraud));
    expect([...fraud.keys()].sort()).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'b-0']);
    expect(fraud.get('a-3')!.conf).toMatchObject({
      message: { id: 3, amount: 4.5, currency: 'EUR' },
      dagpact: { dag_id: DAGS.fraud, dag_version: 'v8', contract_version: 2, reader_schema_id: ids.v2, writer_schema_id: ids.v1, replayed_from_record: expect.any(Number) },
    });
    expect((await quarantineCounts(db.database.db)).find((r) => r.dag_id === DAGS.fraud && r.reason_code === 'SCHEMA_MISMATCH')).toMatchObject({ status: 'replayed', n: 5 });
  });

  it('refuses to start with credentials Airflow refuses, in one line (the built CLI)', async () => {
    const c = await airflowConnection();
    const result = await runCli(['gatekeeper'], {
      DATABASE_URL: db.url!, PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: ENV, DAGPACT_GATEKEEPER_PORT: '0',
      DAGPACT_FORWARD_TO: 'airflow', AIRFLOW_URL: c.url, AIRFLOW_USERNAME: c.username, AIRFLOW_PASSWORD: `${c.password}-wrong`, DAGPACT_LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `dagpact gatekeeper: configuration error: AIRFLOW_URL ${c.url}: Airflow refused the credentials of dagpact (401): check AIRFLOW_USERNAME and AIRFLOW_PASSWORD`,
    ]);
  });
});
