// Issue 11, "held payloads can be encrypted at rest": with DAGPACT_PAYLOAD_KEY the message's properties
// (which carry `authorization` and tokens) and its key are sealed too, in the same row and with the same
// key as the payload. Shown: the raw PostgreSQL row holds no clear text of them; the API shows them to
// payload:read and redacts the configured names for others, as before; rows sealed before (properties in
// clear) and rows under a rotated key stay readable; and replay forwards the original properties and key
// to the real Pulsar broker, read back with the official Python client.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTokenService } from '../../../src/core/auth.js';
import type { NewQuarantineRecord } from '../../../src/core/quarantine/types.js';
import { buildApp } from '../../../src/http/app.js';
import { makeServices } from '../../../src/start/services.js';
import { makeLazyForwarder } from '../../../src/start/replay-forwarder.js';
import { makePayloadCipher } from '../../../src/store/payload-cipher.js';
import { makeQuarantineStore } from '../../../src/store/quarantine-store.js';
import { makeAuditLog, makeTokenStore } from '../../../src/store/token-store.js';
import { adminHeaders, TEST_ADMIN_TOKEN } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { createNamespace, deploy, drain, SERVICE_URL, seedDagVersion } from '../gatekeeper/support.js';

const EVENT = { type: 'object', properties: { user: { type: 'string' }, n: { type: 'integer' } }, required: ['user', 'n'] };
const SECRET = `Bearer sealed-${randomBytes(6).toString('hex')}`;
const SESSION = `sess-${randomBytes(6).toString('hex')}`;
const KEY = `customer-${randomBytes(4).toString('hex')}`;
const PROPERTIES = { Authorization: SECRET, 'x-session-token': SESSION, trace: 'keep-me' };
const PAYLOAD = Buffer.from(JSON.stringify({ user: 'u1', n: 1 }));

const oldKey = randomBytes(32);
const key = randomBytes(32);
const cipher = makePayloadCipher({ key, previousKeys: [oldKey] });
const forwarder = makeLazyForwarder({ serviceUrl: SERVICE_URL, triggerTopicPattern: 'persistent://public/default/unused-{dag_id}', log: pino({ level: 'silent' }) });

let t: { app: FastifyInstance; db: TestDatabase };
let ns = '';
let topic = '';
let trigger = '';
const secrets: Record<string, string> = {};

function record(over: Partial<NewQuarantineRecord>): NewQuarantineRecord {
  return {
    sourceTopic: topic, messageId: `m-${randomBytes(4).toString('hex')}`, dagId: 'sealed_dag', dagVersion: 'v1', environment: 'prod',
    disposition: 'quarantine', reasonCode: 'NO_ROUTE', reason: 'held before the DAG was deployed', payload: PAYLOAD,
    properties: PROPERTIES, messageKey: KEY, publishTime: null, eventTime: null, pulsarSchemaVersion: null,
    expectedSchemaId: null, detectedSchemaId: null, history: [], ...over,
  };
}

async function rawRow(id: number): Promise<{ text: string; properties: unknown; message_key: string | null; sealed: Buffer | null; payload_key_id: string | null }> {
  const res = await t.db.database.db.execute(sql`select q::text as text, properties, message_key, sealed, payload_key_id from quarantine_records q where id = ${id}`);
  return res.rows[0] as never;
}

beforeAll(async () => {
  // The server's wiring (src/start/server.ts) with DAGPACT_PAYLOAD_KEY and PULSAR_SERVICE_URL set.
  const db = await createTestDatabase();
  const audit = makeAuditLog(db.database.db);
  const app = await buildApp({
    database: db.database, audit, metrics: new Registry(), authReads: true,
    tokens: makeTokenService({ store: makeTokenStore(db.database.db), adminToken: TEST_ADMIN_TOKEN }),
    services: makeServices({ database: db.database, audit, payloadCipher: cipher, forwarder: forwarder.forwarder }),
  });
  await app.ready();
  t = { app, db };
  ns = await createNamespace();
  topic = `persistent://${ns}/sealed-events`;
  trigger = `persistent://${ns}/sealed-trigger`;
  const reg = await t.app.inject({ method: 'POST', url: '/v1/subjects/sealed-events-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(EVENT), format: 'JSON' } });
  expect(reg.statusCode, reg.body).toBe(201);
  const versionId = await seedDagVersion(t.db.database.db, {
    dagId: 'sealed_dag', version: 'v1', consumes: [{ topic, subject: 'sealed-events-value', subjectVersion: 1, schemaId: reg.json().id, triggerTopic: trigger }],
  });
  await deploy(t.db.database.db, { environment: 'prod', dagId: 'sealed_dag', dagVersionId: versionId });
  for (const role of ['read', 'payload:read:prod']) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: role, scopes: [role] } });
    secrets[role] = res.json().token;
  }
}, 120_000);
afterAll(async () => {
  await forwarder.close();
  await t?.app.close();
  await t?.db.drop();
});

const get = (url: string, role: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secrets[role]}` } });

describe('held message properties and keys sealed at rest (issue 11)', () => {
  it('the row in PostgreSQL holds no clear text of a property value or the key; the API shows them to payload:read and redacts them for others', async () => {
    const store = makeQuarantineStore(t.db.database.db, { cipher });
    const { id } = await store.insert({ record: record({}) });
    const row = await rawRow(id);
    expect(row.payload_key_id).toBe(cipher.keyId);
    expect(row.sealed).not.toBeNull();
    expect(row.properties).toEqual({});
    expect(row.message_key).toBeNull();
    for (const clear of [SECRET, SESSION, KEY, 'keep-me', 'Authorization', 'u1']) expect(row.text).not.toContain(clear);

    const full = await get(`/v1/quarantine/${id}`, 'payload:read:prod');
    expect(full.statusCode, full.body).toBe(200);
    expect(full.json().properties).toEqual(PROPERTIES);
    expect(full.json().message_key).toBe(KEY);

    const redacted = await get(`/v1/quarantine/${id}`, 'read');
    expect(redacted.json().properties).toEqual({ Authorization: '[redacted]', 'x-session-token': '[redacted]', trace: 'keep-me' });
    expect(redacted.json().message_key).toBe('[redacted]');
    expect(redacted.body).not.toContain(SECRET);
    const listed = await get(`/v1/quarantine?topic=${encodeURIComponent(topic)}`, 'read');
    expect(listed.body).not.toContain(SECRET);
    expect(listed.body).not.toContain(KEY);
  });

  it('rows written before (properties in clear, payload sealed or not) and rows sealed with a previous key stay readable', async () => {
    const clearStore = makeQuarantineStore(t.db.database.db);
    const { id: clearId } = await clearStore.insert({ record: record({}) });
    expect((await rawRow(clearId)).sealed).toBeNull();
    const oldStore = makeQuarantineStore(t.db.database.db, { cipher: makePayloadCipher({ key: oldKey }) });
    const { id: oldId } = await oldStore.insert({ record: record({}) });
    // A row sealed before properties were: payload sealed, properties and key in their columns.
    const { id: legacyId } = await oldStore.insert({ record: record({}) });
    await t.db.database.db.execute(sql`update quarantine_records set sealed = null, properties = ${JSON.stringify(PROPERTIES)}::jsonb, message_key = ${KEY} where id = ${legacyId}`);
    for (const id of [clearId, oldId, legacyId]) {
      const res = await get(`/v1/quarantine/${id}`, 'payload:read:prod');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().properties).toEqual(PROPERTIES);
      expect(res.json().message_key).toBe(KEY);
    }
    // Without the key that sealed them, the server says which key is missing (never the values).
    const withoutOld = makeQuarantineStore(t.db.database.db, { cipher: makePayloadCipher({ key }) });
    await expect(withoutOld.get({ id: oldId })).rejects.toThrow(/sealed with key [0-9a-f]{16}, which is not configured/);
  });

  it('replay forwards the original properties and key to the broker', async () => {
    const store = makeQuarantineStore(t.db.database.db, { cipher });
    const { id } = await store.insert({ record: record({ messageId: 'replay-me' }) });
    const res = await t.app.inject({ method: 'POST', url: `/v1/quarantine/${id}/replay`, headers: adminHeaders });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().result).toMatchObject({ outcome: 'forwarded', trigger_topic: trigger });
    const received = await drain([trigger], 3);
    const replayed = received.filter((m) => m.properties['dagpact-replayed-from'] === String(id));
    expect(replayed).toHaveLength(1);
    expect(replayed[0]!.properties).toMatchObject(PROPERTIES);
    expect(replayed[0]!.key).toBe(KEY);
    expect(Buffer.from(replayed[0]!.payload_b64, 'base64')).toEqual(PAYLOAD);
  });
});
