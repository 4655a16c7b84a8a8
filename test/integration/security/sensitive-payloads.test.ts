// Held payloads as each caller sees them: fields tagged in the schema (Confluent's confluent:tags, our
// dagpact.sensitive / x-dagpact-sensitive), paths a contract adds, and sensitive property names are
// "[redacted]" and the raw bytes omitted unless the caller holds payload:read for the record's
// environment. Payloads can be sealed at rest; replay still gets the original bytes.
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewQuarantineRecord } from '../../../src/core/quarantine/types.js';
import { makePayloadCipher } from '../../../src/store/payload-cipher.js';
import { makeQuarantineStore } from '../../../src/store/quarantine-store.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

const ORDER = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'card', type: 'string', 'dagpact.sensitive': true },
    { name: 'note', type: 'string' },
    { name: 'city', type: 'string' },
  ],
};
const EVENT = {
  type: 'object',
  properties: { user: { type: 'string' }, ssn: { type: 'string', 'x-dagpact-sensitive': true }, phone: { type: 'string', 'confluent:tags': ['PII'] } },
};

let t: TestApp;
const ids: Record<string, number> = {};
const secrets: Record<string, string> = {};
const value = { id: 7, email: 'ann@example.com', card: '4111111111111111', note: 'gift', city: 'Oslo' };
let avroBytes: Buffer;

function record(over: Partial<NewQuarantineRecord>): NewQuarantineRecord {
  return {
    sourceTopic: 'persistent://public/default/sp-orders', messageId: `m-${randomBytes(4).toString('hex')}`, dagId: 'sp_dag', dagVersion: 'v1',
    environment: 'prod', disposition: 'quarantine', reasonCode: 'SCHEMA_MISMATCH', reason: 'test', payload: Buffer.alloc(0),
    properties: { Authorization: 'Bearer top-secret', 'x-session-token': 'abc', trace: 'keep-me' }, messageKey: 'customer-7',
    publishTime: null, eventTime: null, pulsarSchemaVersion: null, expectedSchemaId: null, detectedSchemaId: null, history: [], ...over,
  };
}

beforeAll(async () => {
  t = await buildTestApp({ authReads: true });
  const reg = await t.app.inject({ method: 'POST', url: '/v1/subjects/sp-orders-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(ORDER), format: 'AVRO' } });
  expect(reg.statusCode, reg.body).toBe(201);
  const avroId = reg.json().id as number;
  const regJson = await t.app.inject({ method: 'POST', url: '/v1/subjects/sp-events-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(EVENT), format: 'JSON' } });
  expect(regJson.statusCode, regJson.body).toBe(201);
  const jsonId = regJson.json().id as number;
  // The contract adds `city` as sensitive for the orders topic.
  const dag = await t.app.inject({
    method: 'POST', url: '/v1/dags', headers: adminHeaders,
    payload: { manifest: { dag_id: 'sp_dag', version: 'v1', consumes: [{ topic: 'sp-orders', subject: 'sp-orders-value', version: 1, sensitive_fields: ['city'] }] } },
  });
  expect(dag.statusCode, dag.body).toBe(201);
  expect(dag.json().consumes[0].sensitive_fields).toEqual(['city']);

  avroBytes = Buffer.from(avro.Type.forSchema(ORDER as never).toBuffer(value));
  const store = makeQuarantineStore(t.db.database.db);
  ids.avroProd = (await store.insert({ record: record({ payload: avroBytes, detectedSchemaId: avroId }) })).id;
  ids.avroDev = (await store.insert({ record: record({ payload: avroBytes, detectedSchemaId: avroId, environment: 'dev' }) })).id;
  ids.json = (await store.insert({
    record: record({ sourceTopic: 'persistent://public/default/sp-events', dagVersion: null, payload: Buffer.from(JSON.stringify({ user: 'u1', ssn: '123-45', phone: '555' })), detectedSchemaId: jsonId }),
  })).id;
  for (const role of ['read', 'payload:read:prod', 'payload:read:*']) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: role, scopes: [role] } });
    secrets[role] = res.json().token;
  }
});
afterAll(async () => { await t?.close(); });

const get = (url: string, role: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secrets[role]}` } });

describe('sensitive payloads', () => {
  it('a read token sees tagged fields, contract paths, the key and sensitive properties redacted, and no raw bytes', async () => {
    const res = await get(`/v1/quarantine/${ids.avroProd}`, 'read');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.decoded.value).toEqual({ id: 7, email: '[redacted]', card: '[redacted]', note: 'gift', city: '[redacted]' });
    expect(body.properties).toEqual({ Authorization: '[redacted]', 'x-session-token': '[redacted]', trace: 'keep-me' });
    expect(body.message_key).toBe('[redacted]');
    expect(body.payload_base64).toBeUndefined();
    expect(body.payload_visible).toBe(false);
    expect(body.redacted).toEqual(expect.arrayContaining(['$.email', '$.card', '$.city', 'properties.Authorization', 'message_key']));
    expect(res.body).not.toContain('ann@example.com');
    expect(res.body).not.toContain('top-secret');
  });

  it('JSON Schema keywords are honoured the same way', async () => {
    const body = (await get(`/v1/quarantine/${ids.json}`, 'read')).json();
    expect(body.decoded.value).toEqual({ user: 'u1', ssn: '[redacted]', phone: '[redacted]' });
  });

  it('the list redacts properties and keys too', async () => {
    const body = (await get('/v1/quarantine?topic=persistent://public/default/sp-orders', 'read')).json();
    for (const r of body.records) {
      expect(r.properties.Authorization).toBe('[redacted]');
      expect(r.message_key).toBe('[redacted]');
    }
    const full = (await get('/v1/quarantine?topic=persistent://public/default/sp-orders&environment=prod', 'payload:read:prod')).json();
    expect(full.records[0].properties.Authorization).toBe('Bearer top-secret');
  });

  it('payload:read for the record\'s environment shows everything; for another environment it does not', async () => {
    const prod = (await get(`/v1/quarantine/${ids.avroProd}`, 'payload:read:prod')).json();
    expect(prod.decoded.value).toEqual(value);
    expect(prod.properties.Authorization).toBe('Bearer top-secret');
    expect(prod.message_key).toBe('customer-7');
    expect(Buffer.from(prod.payload_base64, 'base64')).toEqual(avroBytes);
    expect(prod.payload_visible).toBe(true);

    const dev = (await get(`/v1/quarantine/${ids.avroDev}`, 'payload:read:prod')).json();
    expect(dev.decoded.value.email).toBe('[redacted]');
    expect(dev.payload_base64).toBeUndefined();
    const any = (await get(`/v1/quarantine/${ids.avroDev}`, 'payload:read:*')).json();
    expect(any.decoded.value.email).toBe('ann@example.com');
  });

  it('payloads sealed at rest are stored as ciphertext with their key id and read back whole; a rotated key still opens old rows', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealing = makeQuarantineStore(t.db.database.db, { cipher: makePayloadCipher({ key: oldKey }) });
    const { id } = await sealing.insert({ record: record({ payload: avroBytes, messageId: 'sealed-1' }) });
    const raw = await t.db.database.db.execute(sql`select payload, payload_key_id from quarantine_records where id = ${id}`);
    const row = raw.rows[0] as { payload: Buffer; payload_key_id: string };
    expect(row.payload_key_id).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(row.payload).includes(Buffer.from('ann@example.com'))).toBe(false);
    expect(Buffer.from((await sealing.get({ id }))!.payload)).toEqual(avroBytes);

    const rotated = makeQuarantineStore(t.db.database.db, { cipher: makePayloadCipher({ key: newKey, previousKeys: [oldKey] }) });
    expect(Buffer.from((await rotated.get({ id }))!.payload)).toEqual(avroBytes);
    const { id: id2 } = await rotated.insert({ record: record({ payload: avroBytes, messageId: 'sealed-2' }) });
    const raw2 = await t.db.database.db.execute(sql`select payload_key_id from quarantine_records where id = ${id2}`);
    expect((raw2.rows[0] as { payload_key_id: string }).payload_key_id).not.toBe(row.payload_key_id);

    const withoutOld = makeQuarantineStore(t.db.database.db, { cipher: makePayloadCipher({ key: newKey }) });
    await expect(withoutOld.get({ id })).rejects.toThrow(/sealed with key [0-9a-f]{16}, which is not configured/);
  });
});
