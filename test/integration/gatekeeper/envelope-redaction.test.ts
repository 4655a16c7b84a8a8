// The quarantine envelope of a sensitive payload, through the real broker, PostgreSQL and gatekeeper,
// read back with the official Python client: an Avro message whose schema tags a field PII, held for a
// schema mismatch, shows its other fields' values and the PII field "[redacted]", never the raw bytes
// (envelope v4: value_redacted, redacted_paths). A payload that cannot be decoded (no identified writer,
// bytes that do not decode with the writer the Confluent frame names) says so instead.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startGatekeeper } from '../../../src/start/gatekeeper.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { createNamespace, deploy, drain, produce, seedDagVersion, startTestGatekeeper, waitFor } from './support.js';

const ENV = 'prod';
const WRITER = {
  type: 'record', name: 'Customer', namespace: 'crm',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'city', type: 'string' },
  ],
};
// The contract's reader needs a field the writer lacks (no default): SCHEMA_MISMATCH.
const READER = { ...WRITER, fields: [...WRITER.fields, { name: 'tier', type: 'string' }] };
const SECRET_EMAIL = 'ann.secret@example.com';

let db: TestDatabase;
let api: TestApp;
let ns: string;
let gk: Awaited<ReturnType<typeof startGatekeeper>>;
let writerId: number;
const topic = (name: string) => `persistent://${ns}/${name}`;

async function register(subject: string, schema: object) {
  const res = await api.app.inject({ method: 'POST', url: `/ccompat/subjects/${subject}/versions`, headers: adminHeaders, payload: { schema: JSON.stringify(schema) } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ id: number }>().id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  api = await buildTestApp({ db });
  ns = await createNamespace();
  const readerId = await register('customers-value', READER);
  writerId = await register('customers-writer-value', WRITER);
  const d = db.database.db;
  const v1 = await seedDagVersion(d, {
    dagId: 'crm_sync', version: 'v1',
    consumes: [
      { topic: topic('customers'), subject: 'customers-value', subjectVersion: 1, schemaId: readerId, triggerTopic: topic('trigger-crm') },
      { topic: topic('customers-raw'), subject: 'customers-value', subjectVersion: 1, schemaId: readerId, triggerTopic: topic('trigger-crm') },
    ],
  });
  await deploy(d, { environment: ENV, dagId: 'crm_sync', dagVersionId: v1 });
  gk = await startTestGatekeeper({ databaseUrl: db.url!, environment: ENV, ns, subscribedTo: 2 });
}, 180_000);

afterAll(async () => {
  await gk?.stop();
  await api?.close();
  await db?.drop();
});

describe('quarantine envelope of a sensitive payload', () => {
  it('shows the decoded value with the PII field redacted and no raw bytes; says why when it cannot decode', async () => {
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(writerId, 1);
    await produce([
      { topic: topic('customers'), mode: 'avro', schema: WRITER, messages: [{ value: { id: 42, email: SECRET_EMAIL, city: 'Oslo' }, properties: { seq: 'avro' } }] },
      {
        topic: topic('customers-raw'), mode: 'bytes', messages: [
          { payload_b64: Buffer.from('not avro, no writer').toString('base64'), properties: { seq: 'no-writer' } },
          // Confluent frame naming the writer, then a long whose varint never ends: does not decode.
          { payload_b64: Buffer.concat([frame, Buffer.from([0xff, 0xff, 0xff])]).toString('base64'), properties: { seq: 'corrupt' } },
        ],
      },
    ]);

    // The envelope is sent after the record is committed; each drain reads the topic from its start.
    const envelopes = await waitFor('three envelopes on the quarantine topic', async () => {
      const got = (await drain([topic('quarantine')], 2)).map((m) => {
        const raw = Buffer.from(m.payload_b64, 'base64').toString();
        const env = JSON.parse(raw) as Record<string, any>;
        return { raw, env, seq: env.source.properties.seq as string };
      });
      return got.length >= 3 ? got : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    // Every envelope is what schemas/quarantine-envelope.schema.json describes.
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const valid = ajv.compile(JSON.parse(readFileSync('schemas/quarantine-envelope.schema.json', 'utf8')) as object);
    for (const e of envelopes) expect(valid(e.env), `${e.seq}: ${JSON.stringify(valid.errors)}`).toBe(true);
    const bySeq = new Map(envelopes.map((e) => [e.seq, e]));
    expect([...bySeq.keys()].sort()).toEqual(['avro', 'corrupt', 'no-writer']);

    const avro = bySeq.get('avro')!;
    expect(avro.env).toMatchObject({
      envelope_version: 4, reason_code: 'SCHEMA_MISMATCH', identified_by: 'pulsar', payload_base64: null,
      value_redacted: { id: 42, email: '[redacted]', city: 'Oslo' }, redacted_paths: ['$.email'],
    });
    expect(avro.env.payload_withheld).toMatch(/sensitive/);
    expect(avro.env.value_schema_id).toBe(avro.env.detected_schema_id);
    expect(avro.env.value_unavailable).toBeUndefined();
    expect(avro.raw, 'the PII value appears nowhere in the envelope').not.toContain(SECRET_EMAIL);
    expect(avro.raw).not.toContain(Buffer.from(SECRET_EMAIL).toString('base64').slice(0, 12));

    const noWriter = bySeq.get('no-writer')!.env;
    expect(noWriter).toMatchObject({ envelope_version: 4, payload_base64: null, detected_schema_id: null });
    expect(noWriter.value_redacted).toBeUndefined();
    expect(noWriter.value_unavailable).toMatch(/writer schema .* not identified/);

    const corrupt = bySeq.get('corrupt')!.env;
    expect(corrupt).toMatchObject({ envelope_version: 4, payload_base64: null, detected_schema_id: writerId, identified_by: 'confluent' });
    expect(corrupt.value_redacted).toBeUndefined();
    expect(corrupt.value_unavailable).toMatch(new RegExp(`does not decode with schema ${writerId}`));
  }, 240_000);
});
