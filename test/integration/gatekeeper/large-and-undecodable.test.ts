// Messages at the edges, through the real broker, PostgreSQL and the gatekeeper: a chunked message from
// the official Python client (chunks cannot be reassembled on a Shared subscription), an entry whose
// compressed payload is corrupt, and a payload so large that carrying it in the quarantine envelope or
// the dead-letter copy would exceed the broker's 5 MB limit. Each must end held with its bytes in the
// database and its source acknowledged; none may loop, be dropped, or block the valid message behind it.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startGatekeeper } from '../../../src/start/gatekeeper.js';
import { PulsarClient } from '../../../src/pulsar/index.js';
import { buildTestApp, adminHeaders, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { corruptCompression, python } from '../pulsar/support.js';
import { createNamespace, deploy, drain, seedDagVersion, SERVICE_URL, startTestGatekeeper, waitFor } from './support.js';

const EVENT = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
const ENV = 'prod';
const CHUNKED_SIZE = 7 * 1024 * 1024;
const LARGE_SIZE = Math.floor(4.5 * 1024 * 1024);

let db: TestDatabase;
let api: TestApp;
let ns: string;
let client: PulsarClient;
let gk: Awaited<ReturnType<typeof startGatekeeper>>;
const topic = (name: string) => `persistent://${ns}/${name}`;

interface Row { dag_id: string; reason_code: string; disposition: string; size: number; message_id: string }

beforeAll(async () => {
  db = await createTestDatabase();
  api = await buildTestApp({ db });
  ns = await createNamespace();
  const reg = await api.app.inject({ method: 'POST', url: '/ccompat/subjects/events-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(EVENT), schemaType: 'JSON' } });
  expect(reg.statusCode, reg.body).toBe(200);
  const schemaId = reg.json<{ id: number }>().id;
  const d = db.database.db;
  const binding = { topic: topic('events'), subject: 'events-value', subjectVersion: 1, schemaId };
  const ingest = await seedDagVersion(d, { dagId: 'ingest', version: 'v1', consumes: [{ ...binding, triggerTopic: topic('trigger-ingest') }] });
  const audit = await seedDagVersion(d, { dagId: 'audit', version: 'v1', consumes: [{ ...binding, onMismatch: 'reject', triggerTopic: topic('trigger-audit') }] });
  await deploy(d, { environment: ENV, dagId: 'ingest', dagVersionId: ingest });
  await deploy(d, { environment: ENV, dagId: 'audit', dagVersionId: audit });
  gk = await startTestGatekeeper({ databaseUrl: db.url!, environment: ENV, ns, subscribedTo: 1 });
  client = new PulsarClient({ serviceUrl: SERVICE_URL });
}, 180_000);

afterAll(async () => {
  await gk?.stop();
  await client?.close();
  await api?.close();
  await db?.drop();
});

describe('messages at the edges', () => {
  it('holds chunks, corrupt entries and oversized payloads with their bytes, acks them, and forwards the valid message', async () => {
    const [chunked] = await python('produce-chunked', { service_url: SERVICE_URL, topic: topic('events'), size: CHUNKED_SIZE }) as Array<{ message_id: string }>;
    expect(chunked!.message_id).toMatch(/;/); // the Python client reports the first and the last chunk
    const corrupt = await client.createProducer({ topic: topic('events') });
    corruptCompression(corrupt, Buffer.from('not an lz4 block at all'));
    await corrupt.send({ payload: JSON.stringify({ n: 2 }), properties: { seq: 'corrupt' } });
    const plain = await client.createProducer({ topic: topic('events') });
    await plain.send({ payload: Buffer.alloc(LARGE_SIZE, 0x61), properties: { seq: 'large' } }); // not JSON: PAYLOAD_INVALID
    await plain.send({ payload: JSON.stringify({ n: 1 }), properties: { seq: 'valid' } });
    await Promise.all([corrupt.close(), plain.close()]);

    const rows = await waitFor('8 records', async () => {
      const res = await db.database.db.execute(sql`select dag_id, reason_code, disposition, length(payload)::int as size, message_id
        from quarantine_records order by dag_id, size desc`);
      return res.rows.length === 8 ? res.rows as unknown as Row[] : undefined;
    }, 120_000, 500);
    for (const dag of ['audit', 'ingest']) {
      const mine = rows.filter((r) => r.dag_id === dag);
      expect(mine.map((r) => r.reason_code).sort()).toEqual(['PAYLOAD_INVALID', 'UNDECODABLE_MESSAGE', 'UNDECODABLE_MESSAGE', 'UNDECODABLE_MESSAGE']);
      expect(new Set(mine.map((r) => r.disposition))).toEqual(new Set([dag === 'audit' ? 'reject' : 'quarantine']));
      const chunks = mine.filter((r) => r.reason_code === 'UNDECODABLE_MESSAGE' && r.size > 1000);
      expect(chunks.reduce((n, r) => n + r.size, 0), 'the chunks\' bytes add up to the message').toBe(CHUNKED_SIZE);
      expect(mine.find((r) => r.reason_code === 'PAYLOAD_INVALID')!.size).toBe(LARGE_SIZE);
    }

    const side = await drain([topic('quarantine'), topic('dead-letter'), topic('trigger-ingest'), topic('trigger-audit')], 3);
    const envelopes = side.filter((m) => m.topic.endsWith('/quarantine')).map((m) => JSON.parse(Buffer.from(m.payload_b64, 'base64').toString()) as Record<string, any>);
    expect(envelopes).toHaveLength(4);
    for (const e of envelopes) {
      expect(e.envelope_version).toBe(4);
      if (e.payload_size > 1024 * 1024) expect(e.payload_base64).toBeNull();
      else expect(Buffer.from(e.payload_base64, 'base64').length).toBe(e.payload_size);
    }
    expect(envelopes.filter((e) => e.reason_code === 'UNDECODABLE_MESSAGE').map((e) => e.reason))
      .toEqual(expect.arrayContaining([expect.stringMatching(/chunk 1 of 2/), expect.stringMatching(/LZ4-compressed payload does not decompress/)]));
    const dead = side.filter((m) => m.topic.endsWith('/dead-letter'));
    expect(dead).toHaveLength(4);
    const omitted = dead.filter((m) => m.properties['dagpact-payload-omitted']);
    expect(omitted.map((m) => Buffer.from(m.payload_b64, 'base64').length)).toEqual([0, 0]); // the 5 MB chunk and the 4.5 MB payload
    expect(side.filter((m) => m.topic.includes('/trigger-')).map((m) => m.properties.seq)).toEqual(['valid', 'valid']);

    // Everything was acknowledged: a new consumer on the gatekeeper's subscription finds nothing left.
    const stats = await fetch(`${process.env.TEST_PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080'}/admin/v2/persistent/${ns}/events/stats`).then((r) => r.json() as Promise<{ subscriptions: Record<string, { msgBacklog: number }> }>);
    expect(Object.values(stats.subscriptions).map((s) => s.msgBacklog)).toEqual([0]);
  });
});
