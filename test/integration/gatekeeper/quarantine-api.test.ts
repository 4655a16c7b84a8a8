// The quarantine inspection API on a real app and the real PostgreSQL: filters, cursor pagination,
// decoded payloads, discard (once), replay without Pulsar configured (503), bulk discard, audit.
import avro from 'avsc';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewQuarantineRecord } from '../../../src/core/quarantine/types.js';
import { makeQuarantineStore } from '../../../src/store/quarantine-store.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

const ORDER = { type: 'record', name: 'Order', namespace: 'qa', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }] };

let t: TestApp;
let schemaId: number;

function record(over: Partial<NewQuarantineRecord>): NewQuarantineRecord {
  return {
    sourceTopic: 'persistent://public/default/qa-orders', messageId: '1:1:-1:-1', dagId: 'orders', dagVersion: 'v1',
    environment: 'prod', disposition: 'quarantine', reasonCode: 'SCHEMA_MISMATCH', reason: 'test', payload: new Uint8Array([1]),
    properties: { a: 'b' }, messageKey: null, publishTime: new Date(), eventTime: null, pulsarSchemaVersion: null,
    expectedSchemaId: null, detectedSchemaId: null, history: [], ...over,
  };
}

beforeAll(async () => {
  t = await buildTestApp();
  const reg = await t.app.inject({ method: 'POST', url: '/ccompat/subjects/qa-orders-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(ORDER) } });
  expect(reg.statusCode).toBe(200);
  schemaId = reg.json<{ id: number }>().id;
  const store = makeQuarantineStore(t.db.database.db);
  const avroPayload = avro.Type.forSchema(ORDER as never).toBuffer({ id: 42, sku: 'A-1' });
  const prefixed = Buffer.concat([Buffer.from([0, 0, 0, 0, schemaId]), avroPayload]);
  await store.insert({ record: record({ messageId: 'm1', payload: avroPayload, detectedSchemaId: schemaId }) });
  await store.insert({ record: record({ messageId: 'm2', payload: prefixed, detectedSchemaId: schemaId, dagId: 'billing', reasonCode: 'PAYLOAD_INVALID' }) });
  await store.insert({ record: record({ messageId: 'm3', payload: Buffer.from('{"x":1}'), dagId: 'billing', dagVersion: 'v2', disposition: 'reject' }) });
  for (let i = 0; i < 7; i++) await store.insert({ record: record({ messageId: `bulk-${i}`, sourceTopic: 'persistent://public/default/qa-bulk', reasonCode: 'UNKNOWN_SCHEMA' }) });
  // The same (topic, message, dag) again: ON CONFLICT DO NOTHING returns the existing row.
  const again = await store.insert({ record: record({ messageId: 'm1', payload: avroPayload, detectedSchemaId: schemaId }) });
  expect(again.inserted).toBe(false);
});

afterAll(async () => { await t?.close(); });

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: adminHeaders });
const post = (url: string, payload?: object) => t.app.inject({ method: 'POST', url, headers: adminHeaders, ...(payload ? { payload } : {}) });

describe('quarantine API', () => {
  it('lists newest first with filters and a cursor that walks every record once', async () => {
    const all = await get('/v1/quarantine?limit=500');
    expect(all.statusCode).toBe(200);
    expect(all.json().records).toHaveLength(10);
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const page = await get(`/v1/quarantine?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      const body = page.json<{ records: Array<{ id: number }>; next_cursor: number | null }>();
      seen.push(...body.records.map((r) => r.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);

    expect((await get('/v1/quarantine?dag_id=billing')).json().records).toHaveLength(2);
    expect((await get('/v1/quarantine?dag_id=billing&dag_version=v2')).json().records).toHaveLength(1);
    expect((await get('/v1/quarantine?reason=UNKNOWN_SCHEMA')).json().records).toHaveLength(7);
    expect((await get('/v1/quarantine?topic=persistent://public/default/qa-orders')).json().records).toHaveLength(3);
    expect((await get(`/v1/quarantine?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json().records).toHaveLength(0);
    expect((await get('/v1/quarantine?status=bogus')).statusCode).toBe(400);
  });

  it('shows a record with its payload decoded by the writer schema (raw and Confluent-prefixed) and base64', async () => {
    const list = (await get('/v1/quarantine?topic=persistent://public/default/qa-orders')).json<{ records: Array<{ id: number; message_id: string }> }>().records;
    for (const messageId of ['m1', 'm2']) {
      const id = list.find((r) => r.message_id === messageId)!.id;
      const res = await get(`/v1/quarantine/${id}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.decoded).toEqual({ schema_id: schemaId, value: { id: 42, sku: 'A-1' } });
      expect(Buffer.from(body.payload_base64, 'base64').length).toBe(body.payload_size);
    }
    const json = await get(`/v1/quarantine/${list.find((r) => r.message_id === 'm3')!.id}`);
    expect(json.json().decoded.value).toEqual({ x: 1 });
    expect((await get('/v1/quarantine/999999')).json().error_code).toBe('QUARANTINE_RECORD_NOT_FOUND');
  });

  it('discards once: a second discard is 409 and both are in history and the audit log', async () => {
    const [first] = (await get('/v1/quarantine?dag_id=orders&topic=persistent://public/default/qa-orders')).json<{ records: Array<{ id: number }> }>().records;
    const res = await post(`/v1/quarantine/${first!.id}/discard`, { reason: 'bad producer, fixed upstream' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('discarded');
    const again = await post(`/v1/quarantine/${first!.id}/discard`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error_code).toBe('INVALID_STATE');
    const shown = (await get(`/v1/quarantine/${first!.id}`)).json();
    expect(shown.history.map((h: { action: string }) => h.action)).toEqual(['discard']);
    const audit = await t.db.database.db.execute(sql`select action from audit_events where target_type = 'quarantine_record' and target_id = ${String(first!.id)}`);
    expect((audit.rows as Array<{ action: string }>).map((r) => r.action)).toEqual(['quarantine.discard']);
  });

  it('answers 503 on replay when this server has no Pulsar', async () => {
    const [first] = (await get('/v1/quarantine?dag_id=billing')).json<{ records: Array<{ id: number }> }>().records;
    const res = await post(`/v1/quarantine/${first!.id}/replay`);
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toMatch(/PULSAR_SERVICE_URL/);
  });

  it('discards by filter, only held records, and reports each', async () => {
    const res = await post('/v1/quarantine/discard', { reason: 'UNKNOWN_SCHEMA', limit: 5 });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toHaveLength(5);
    expect(res.json().results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    const rest = await post('/v1/quarantine/discard', { reason: 'UNKNOWN_SCHEMA' });
    expect(rest.json().results).toHaveLength(2);
    expect((await get('/v1/quarantine?reason=UNKNOWN_SCHEMA&status=held')).json().records).toHaveLength(0);
  });

  it('keeps one record per environment for the same source message and DAG', async () => {
    const store = makeQuarantineStore(t.db.database.db);
    const envRecord = (environment: string) => record({ sourceTopic: 'persistent://public/default/qa-envs', messageId: 'e1', environment });
    const prod = await store.insert({ record: envRecord('prod') });
    const staging = await store.insert({ record: envRecord('staging') });
    expect(prod.inserted).toBe(true);
    expect(staging.inserted).toBe(true);
    expect(staging.id).not.toBe(prod.id);
    // A redelivery in either environment finds that environment's row.
    expect(await store.insert({ record: envRecord('staging') })).toEqual({ id: staging.id, inserted: false });
    expect(await store.insert({ record: envRecord('prod') })).toEqual({ id: prod.id, inserted: false });
    const listed = (await get('/v1/quarantine?topic=persistent://public/default/qa-envs&environment=staging')).json<{ records: Array<{ id: number }> }>().records;
    expect(listed.map((r) => r.id)).toEqual([staging.id]);
  });
});
