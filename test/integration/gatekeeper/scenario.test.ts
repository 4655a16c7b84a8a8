// The gatekeeper end to end on the real broker and PostgreSQL: two DAGs (several versions) over Avro
// messages with registered Pulsar schemas, schema-less JSON, `dagpact-schema-id` properties and
// Confluent wire-format payloads, all produced by the official Python client. Every message must end
// forwarded, quarantined or rejected exactly as the contracts say — also after a deployment switches
// the active version mid-stream — and replay after the fix forwards held messages exactly once.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startGatekeeper } from '../../../src/start/gatekeeper.js';
import { Registry } from 'prom-client';
import { makeTokenService } from '../../../src/core/auth.js';
import type { Forwarder } from '../../../src/gatekeeper/adapters/replayer.js';
import { buildApp } from '../../../src/http/app.js';
import { makeServices } from '../../../src/start/services.js';
import { makeAuditLog, makeTokenStore } from '../../../src/store/token-store.js';
import { adminHeaders, buildTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import {
  createNamespace, deploy, drain, metricValue, produce, quarantineCounts, runCli, seedDagVersion, startTestGatekeeper, waitFor, type Drained,
} from './support.js';

const ORDER_V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const ORDER_V2 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
const ORDER_V3 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string' }] };
const CLICK = { type: 'object', properties: { user: { type: 'string' }, n: { type: 'integer' } }, required: ['user', 'n'] };
const ENV = 'prod';

let db: TestDatabase;
let api: TestApp;
let ns: string;
let gk: Awaited<ReturnType<typeof startGatekeeper>>;
const ids: Record<string, number> = {};
const topic = (name: string) => `persistent://${ns}/${name}`;
const trigger = (dag: string) => topic(`trigger-${dag}`);

async function register(subject: string, schema: object, schemaType?: 'JSON') {
  const res = await api.app.inject({ method: 'POST', url: `/ccompat/subjects/${subject}/versions`, headers: adminHeaders, payload: { schema: JSON.stringify(schema), ...(schemaType ? { schemaType } : {}) } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ id: number }>().id;
}

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');
const confluent = (id: number, body: Buffer) => { const h = Buffer.alloc(5); h.writeUInt32BE(id, 1); return Buffer.concat([h, body]); };

beforeAll(async () => {
  db = await createTestDatabase();
  api = await buildTestApp({ db });
  ns = await createNamespace();
  ids.v1 = await register('orders-value', ORDER_V1);
  ids.v2 = await register('orders-value', ORDER_V2);
  ids.v3 = await register('orders-value', ORDER_V3);
  ids.click = await register('clicks-value', CLICK, 'JSON');
  const d = db.database.db;
  const ordersV1 = await seedDagVersion(d, { dagId: 'orders_etl', version: 'v1', consumes: [{ topic: topic('orders'), subject: 'orders-value', subjectVersion: 1, schemaId: ids.v1!, triggerTopic: trigger('orders_etl') }] });
  const fraudV1 = await seedDagVersion(d, { dagId: 'fraud', version: 'v1', consumes: [{ topic: topic('orders'), subject: 'orders-value', subjectVersion: 3, schemaId: ids.v3!, triggerTopic: trigger('fraud') }] });
  ids.fraudV2 = await seedDagVersion(d, { dagId: 'fraud', version: 'v2', consumes: [{ topic: topic('orders'), subject: 'orders-value', subjectVersion: 2, schemaId: ids.v2!, triggerTopic: trigger('fraud') }] });
  const clicksV1 = await seedDagVersion(d, { dagId: 'fraud_clicks', version: 'v1', consumes: [{ topic: topic('clicks'), subject: 'clicks-value', subjectVersion: 1, schemaId: ids.click!, onMismatch: 'reject', triggerTopic: trigger('fraud_clicks') }] });
  await deploy(d, { environment: ENV, dagId: 'orders_etl', dagVersionId: ordersV1 });
  await deploy(d, { environment: ENV, dagId: 'fraud', dagVersionId: fraudV1 });
  await deploy(d, { environment: ENV, dagId: 'fraud_clicks', dagVersionId: clicksV1 });
  // A deployment elsewhere must not route here.
  await deploy(d, { environment: 'staging', dagId: 'orders_etl', dagVersionId: null });

  gk = await startTestGatekeeper({
    databaseUrl: db.url!, environment: ENV, ns, env: { DAGPACT_TRIGGER_TOPIC_PATTERN: `persistent://${ns}/default-trigger-{dag_id}` },
  });
}, 180_000);

afterAll(async () => {
  await gk?.stop();
  await api?.close();
  await db?.drop();
});

/** The API over the same database, with the gatekeeper's producers as its replay forwarder. */
async function buildReplayApp(forwarder: Forwarder) {
  const audit = makeAuditLog(db.database.db);
  const app = await buildApp({
    database: db.database, audit, metrics: new Registry(), authReads: false,
    tokens: makeTokenService({ store: makeTokenStore(db.database.db), adminToken: TEST_ADMIN_TOKEN }),
    services: makeServices({ database: db.database, audit, forwarder }),
  });
  await app.ready();
  return { app };
}

const bySeq = (rows: Drained[]) => new Map(rows.map((r) => [r.properties.seq!, r]));

describe('gatekeeper scenario', () => {
  it('routes every message as the contracts say, follows a mid-stream deployment, and replays exactly once', async () => {
    // Phase 1: orders written with Avro v1 (Pulsar schema) → orders_etl accepts, fraud (v3 reader needs currency) quarantines.
    await produce([
      { topic: topic('orders'), mode: 'avro', schema: ORDER_V1, messages: Array.from({ length: 10 }, (_, i) => ({ value: { id: i, amount: i * 1.5 }, properties: { seq: `o1-${i}` } })) },
      { topic: topic('orders'), mode: 'avro', schema: ORDER_V2, messages: Array.from({ length: 5 }, (_, i) => ({ value: { id: 100 + i, amount: 1, currency: 'USD' }, properties: { seq: `o2-${i}` } })) },
      // Confluent wire format on the same topic: v2 id (both accept) and the unknown id 987654 (garbage → UNKNOWN_SCHEMA for both).
      { topic: topic('orders'), mode: 'bytes', messages: [
        { payload_b64: b64(confluent(ids.v2!, Buffer.from([0x02, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x06, 0x55, 0x53, 0x44]))), properties: { seq: 'oc-ok' } },
        { payload_b64: b64(confluent(987654, Buffer.from('nonsense'))), properties: { seq: 'oc-unknown' } },
      ] },
      { topic: topic('clicks'), mode: 'bytes', messages: [
        { payload_b64: b64(JSON.stringify({ user: 'a', n: 1 })), properties: { seq: 'c-ok' } },
        { payload_b64: b64(JSON.stringify({ user: 'a', n: 'x' })), properties: { seq: 'c-bad' } },
        { payload_b64: b64(JSON.stringify({ user: 'b', n: 2 })), properties: { seq: 'c-prop', 'dagpact-schema-id': String(ids.click) } },
        { payload_b64: b64(JSON.stringify({ user: 'b', n: 2 })), properties: { seq: 'c-unknown', 'dagpact-schema-id': '999999' } },
      ] },
      { topic: topic('clicks'), mode: 'json', schema: { type: 'record', name: 'Click', fields: [{ name: 'user', type: 'string' }, { name: 'n', type: 'int' }] },
        messages: [{ value: { user: 'c', n: 3 }, properties: { seq: 'c-pulsar-json' } }] },
    ]);
    // Phase 1: 17 orders × 2 DAGs + 5 clicks = 39 decisions.
    await waitFor('phase 1 settled', async () => {
      const q = (await quarantineCounts(db.database.db)).reduce((n, r) => n + r.n, 0);
      return q === 10 + 2 + 2 || undefined; // fraud: 10 v1 msgs + oc-unknown ×2 DAGs; clicks: c-bad, c-unknown
    }, 90_000);

    // Phase 2: deploy fraud v2 (reads v2, currency has a default) mid-stream, then more v1 messages: now accepted.
    await deploy(db.database.db, { environment: ENV, dagId: 'fraud', dagVersionId: ids.fraudV2! });
    await waitFor('routing follows the deployment', async () => gk.gatekeeper.routes().some((r) => r.dagId === 'fraud' && r.dagVersion === 'v2'), 10_000);
    await produce([{ topic: topic('orders'), mode: 'avro', schema: ORDER_V1, messages: Array.from({ length: 5 }, (_, i) => ({ value: { id: 200 + i, amount: 2 }, properties: { seq: `o3-${i}` } })) }]);

    // On a timeout the assertions below run on the last drain, so the failure shows what is missing.
    let triggers: Drained[] = [];
    await waitFor('all forwards', async () => {
      triggers = await drain([trigger('orders_etl'), trigger('fraud'), trigger('fraud_clicks')], 2);
      return triggers.length >= 21 + 11 + 3 || undefined;
    }, 60_000, 1000).catch(() => undefined);
    const etl = bySeq(triggers.filter((r) => r.topic.endsWith('trigger-orders_etl')));
    const fraud = bySeq(triggers.filter((r) => r.topic.endsWith('trigger-fraud')));
    const clicks = bySeq(triggers.filter((r) => r.topic.endsWith('trigger-fraud_clicks')));
    const seqs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    const heldNow = JSON.stringify(await quarantineCounts(db.database.db));
    expect([...etl.keys()].sort(), heldNow).toEqual([...seqs('o1', 10), ...seqs('o2', 5), ...seqs('o3', 5), 'oc-ok'].sort());
    expect([...fraud.keys()].sort(), heldNow).toEqual([...seqs('o2', 5), ...seqs('o3', 5), 'oc-ok'].sort());
    expect([...clicks.keys()].sort(), heldNow).toEqual(['c-ok', 'c-prop', 'c-pulsar-json'].sort());
    // Forwards name the DAG, its version, the contract and the source message.
    expect(fraud.get('o3-0')!.properties).toMatchObject({ 'dagpact-dag-id': 'fraud', 'dagpact-dag-version': 'v2', 'dagpact-contract-subject': 'orders-value', 'dagpact-contract-version': '2' });
    expect(fraud.get('o2-0')!.properties['dagpact-dag-version']).toBe('v1');
    expect(etl.get('o1-0')!.properties['dagpact-source-message-id']).toBeTruthy();
    expect(etl.get('o1-0')!.properties['dagpact-writer-schema-id']).toBe(String(ids.v1));

    expect(await quarantineCounts(db.database.db)).toEqual([
      { dag_id: 'fraud', reason_code: 'SCHEMA_MISMATCH', disposition: 'quarantine', status: 'held', n: 10 },
      { dag_id: 'fraud', reason_code: 'UNKNOWN_SCHEMA', disposition: 'quarantine', status: 'held', n: 1 },
      { dag_id: 'fraud_clicks', reason_code: 'PAYLOAD_INVALID', disposition: 'reject', status: 'held', n: 1 },
      { dag_id: 'fraud_clicks', reason_code: 'UNKNOWN_SCHEMA', disposition: 'reject', status: 'held', n: 1 },
      { dag_id: 'orders_etl', reason_code: 'UNKNOWN_SCHEMA', disposition: 'quarantine', status: 'held', n: 1 },
    ]);
    const side = await drain([topic('quarantine'), topic('dead-letter')], 2);
    expect(side.filter((r) => r.topic.endsWith('/quarantine'))).toHaveLength(12);
    const dead = side.filter((r) => r.topic.endsWith('/dead-letter'));
    expect(dead.map((r) => r.properties.seq).sort()).toEqual(['c-bad', 'c-unknown']);
    const envelope = JSON.parse(Buffer.from(side.find((r) => r.topic.endsWith('/quarantine'))!.payload_b64, 'base64').toString()) as Record<string, unknown>;
    expect(envelope).toMatchObject({ envelope_version: 4, environment: ENV });
    expect(Buffer.from(envelope.payload_base64 as string, 'base64').length).toBe(envelope.payload_size);

    // Metrics of this run, exactly: one per-DAG decision per message, by outcome, reason, topic and DAG.
    const text = await gk.metrics.registry.metrics();
    const count = (labels: Record<string, string>) => metricValue(text, 'dagpact_gatekeeper_messages_total', labels);
    expect(count({ outcome: 'ACCEPT', topic: topic('orders'), dag_id: 'orders_etl' })).toBe(21);
    expect(count({ outcome: 'ACCEPT', topic: topic('orders'), dag_id: 'fraud' })).toBe(11);
    expect(count({ outcome: 'QUARANTINE', reason: 'SCHEMA_MISMATCH', dag_id: 'fraud' })).toBe(10);
    expect(count({ outcome: 'QUARANTINE', reason: 'UNKNOWN_SCHEMA' })).toBe(2);
    expect(count({ outcome: 'ACCEPT', topic: topic('clicks'), dag_id: 'fraud_clicks' })).toBe(3);
    expect(count({ outcome: 'REJECT', topic: topic('clicks') })).toBe(2);
    expect(metricValue(text, 'dagpact_gatekeeper_decision_seconds_count')).toBe(22 * 2 + 5);
    expect(metricValue(text, 'dagpact_gatekeeper_end_to_end_seconds_count'), 'one ack per source message').toBe(22 + 5);
    const health = await fetch(`http://127.0.0.1:${gk.http.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', routing_ok: true, topics: [topic('orders'), topic('clicks')].sort() });

    // Replay: fraud v2 is active now, so the held v1 messages pass; each is forwarded exactly once, through
    // the API (concurrent requests for one record: one forwards, the other is refused) and the CLI.
    const replayApp = await buildReplayApp(gk.forwarder);
    try {
      await replayApp.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(replayApp.app.server.address() as AddressInfo).port}`;
      const cli = async (...args: string[]) => {
        const r = await runCli(['quarantine', ...args, '--url', url, '--token', TEST_ADMIN_TOKEN, '--output', 'json']);
        return { ...r, json: r.stdout.trim() ? JSON.parse(r.stdout) as Record<string, any> : undefined };
      };
      const listed = await cli('list', '--dag-id', 'fraud', '--reason', 'SCHEMA_MISMATCH');
      expect(listed.code, listed.stderr).toBe(0);
      const held = listed.json!.records as Array<{ id: number; status: string; dag_version: string; properties: Record<string, string> }>;
      expect(held.map((r) => r.properties.seq).sort()).toEqual(seqs('o1', 10).sort());
      expect(held.every((r) => r.status === 'held' && r.dag_version === 'v1')).toBe(true);
      const shown = await cli('show', String(held[0]!.id));
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.json!.decoded.schema_id).toBe(ids.v1);
      expect(shown.json!.reason).toContain('fraud@v1');

      const racing = held.slice(0, 5).flatMap((r) => [r.id, r.id]);
      const answers = await Promise.all(racing.map((id) => replayApp.app.inject({ method: 'POST', url: `/v1/quarantine/${id}/replay`, headers: adminHeaders })));
      expect(answers.map((a) => a.statusCode).sort(), answers.map((a) => a.body).join('\n')).toEqual([...Array(5).fill(200), ...Array(5).fill(409)]);
      expect(answers.filter((a) => a.statusCode === 200).every((a) => a.json().result.outcome === 'forwarded')).toBe(true);

      const bulk = await cli('replay', '--all', '--dag-id', 'fraud', '--reason', 'SCHEMA_MISMATCH');
      expect(bulk.code, bulk.stderr).toBe(0);
      const results = bulk.json!.results as Array<{ id: number; ok: boolean; result: { outcome: string } }>;
      expect(results).toHaveLength(5);
      expect(results.every((r) => r.ok && r.result.outcome === 'forwarded')).toBe(true);
      const again = await cli('replay', String(held[0]!.id));
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('INVALID_STATE');

      // orders_etl's unknown-schema message is still unreadable: replay keeps it held; then it is discarded.
      const [unknown] = (await cli('list', '--dag-id', 'orders_etl')).json!.records as Array<{ id: number }>;
      const stillHeld = await cli('replay', String(unknown!.id));
      expect(stillHeld.code).toBe(1);
      expect(stillHeld.json!.result).toMatchObject({ outcome: 'held', reason_code: 'UNKNOWN_SCHEMA' });
      const discarded = await cli('discard', String(unknown!.id), '--reason-text', 'producer fixed');
      expect(discarded.code, discarded.stderr).toBe(0);
      expect(discarded.json!.status).toBe('discarded');
    } finally {
      await replayApp.app.close();
    }
    const fraudAfter = (await drain([trigger('fraud')], 2)).filter((r) => r.properties.seq?.startsWith('o1-'));
    expect(fraudAfter.map((r) => r.properties.seq).sort()).toEqual(seqs('o1', 10).sort());
    expect(fraudAfter.every((r) => r.properties['dagpact-replayed-from'])).toBe(true);
    const after = await quarantineCounts(db.database.db);
    expect(after.find((r) => r.dag_id === 'fraud' && r.reason_code === 'SCHEMA_MISMATCH')).toMatchObject({ status: 'replayed', n: 10 });
    expect(after.find((r) => r.dag_id === 'orders_etl')).toMatchObject({ status: 'discarded', n: 1 });
  });
});
