// dagpact's Pulsar client against the official Python client (C++ core) on the real broker:
// schema-registered Avro and JSON messages in every compression, batched or not, read by dagpact with
// identical payloads, properties, keys and schema versions; and dagpact's messages read by Python.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, schemaVersionNumber, type CompressionType, type Message } from '../../../src/pulsar/index.js';
import { python, serviceUrl, uniqueName } from './support.js';

interface PyMessage { id: string; payload_b64: string; properties: Record<string, string>; key: string; schema_version_hex: string }
interface PyCase { topic: string; messages: PyMessage[] }

const COMPRESSIONS: CompressionType[] = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'];
const COUNT = 30;

let client: PulsarClient;
beforeAll(() => { client = new PulsarClient({ serviceUrl: serviceUrl() }); });
afterAll(async () => { await client.close(); });

async function drain(topic: string, expected: number): Promise<Message[]> {
  const consumer = await client.subscribe({ topic, subscription: 'dagpact-check', initialPosition: 'earliest', subscriptionType: 'Exclusive' });
  const out: Message[] = [];
  try {
    while (out.length < expected) {
      const m = await consumer.receive(15_000);
      if (!m) break;
      out.push(m);
      await consumer.ack(m);
    }
  } finally {
    await consumer.close();
  }
  return out;
}

describe('messages produced by the Python client', () => {
  const cases = (['avro', 'json'] as const).flatMap((mode) => [false, true].flatMap((batching) =>
    COMPRESSIONS.map((compression) => ({ mode, batching, compression, topic: uniqueName(`py-${mode}-${batching ? 'batch' : 'single'}-${compression.toLowerCase()}`) }))));
  let produced: Map<string, PyCase>;

  beforeAll(async () => {
    const lines = await python('produce', { service_url: serviceUrl(), cases: cases.map((c) => ({ ...c, count: COUNT })) }) as PyCase[];
    produced = new Map(lines.map((l) => [l.topic, l]));
  }, 180_000);

  it.each(cases)('$mode, batching=$batching, $compression: same payloads, properties, keys and schema versions', async (c) => {
    const py = produced.get(c.topic);
    expect(py, 'the Python producer reported this case').toBeDefined();
    expect(py!.messages).toHaveLength(COUNT + 1);
    const got = await drain(`persistent://public/default/${c.topic}`, COUNT + 1);
    expect(got).toHaveLength(COUNT + 1);
    const byId = new Map(got.map((m) => [m.properties.id, m]));
    for (const p of py!.messages) {
      const m = byId.get(p.id);
      expect(m, `message ${p.id}`).toBeDefined();
      expect(m!.payload.toString('base64')).toBe(p.payload_b64);
      expect(m!.properties).toEqual(p.properties);
      expect(m!.key).toBe(p.key);
      expect(Buffer.from(m!.schemaVersion ?? []).toString('hex')).toBe(p.schema_version_hex);
      expect(m!.publishTime.getTime()).toBeGreaterThan(Date.now() - 600_000);
    }
    // The topic has two schema versions (v1 for message 0, v2 after): the check cannot pass by accident.
    expect(schemaVersionNumber(byId.get('0')!.schemaVersion)).toBe(0n);
    expect(schemaVersionNumber(byId.get('1')!.schemaVersion)).toBe(1n);
    if (c.mode === 'json') expect(JSON.parse(byId.get('7')!.payload.toString())).toMatchObject({ id: 7, name: 'n7' });
    if (c.batching) expect(got.some((m) => m.messageId.batchSize > 1), 'some messages arrived in a batch').toBe(true);
    else expect(got.every((m) => m.messageId.batchIndex === -1)).toBe(true);

    // GET_SCHEMA returns the definition behind each version.
    const v1 = await client.getSchema(c.topic, byId.get('1')!.schemaVersion);
    expect(v1?.type).toBe(c.mode === 'avro' ? 'AVRO' : 'JSON');
    expect(JSON.parse(v1!.data.toString()).fields.map((f: { name: string }) => f.name)).toEqual(['id', 'name', 'value']);
    const v0 = await client.getSchema(c.topic, 0);
    expect(JSON.parse(v0!.data.toString()).fields.map((f: { name: string }) => f.name)).toEqual(['id', 'name']);
  });
});

describe('messages produced by dagpact', () => {
  it('carry the schema version of the producer\'s registered schema to the Python client', async () => {
    const topic = uniqueName('ts-schema-to-py');
    const definition = { type: 'record', name: 'Reading', namespace: 'dagpact.test', fields: [{ name: 'id', type: 'int' }, { name: 'name', type: ['null', 'string'] }] };
    const producer = await client.createProducer({ topic, schema: { type: 'AVRO', data: JSON.stringify(definition) } });
    expect(producer.schemaVersion).toBeDefined();
    // Avro binary of {id: 5, name: "five"}: zigzag 5 = 0x0a, union branch 1 = 0x02, string length 4 = 0x08.
    const payload = Buffer.concat([Buffer.from([0x0a, 0x02, 0x08]), Buffer.from('five')]);
    await producer.send({ payload, properties: { id: '5' }, key: 'k5' });
    await producer.close();
    const [result] = await python('consume', { service_url: serviceUrl(), topic, subscription: 'py', count: 1 }) as { messages: { payload_b64: string; key: string; schema_version_hex: string }[] }[];
    expect(result!.messages).toHaveLength(1);
    expect(result!.messages[0]!.payload_b64).toBe(payload.toString('base64'));
    expect(result!.messages[0]!.key).toBe('k5');
    expect(result!.messages[0]!.schema_version_hex).toBe(Buffer.from(producer.schemaVersion!).toString('hex'));
    const info = await client.getSchema(topic);
    expect(info?.type).toBe('AVRO');
    expect(JSON.parse(info!.data.toString())).toEqual(definition);
  });

  it.each([
    ...(['NONE', 'LZ4', 'ZLIB', 'SNAPPY'] as CompressionType[]).map((compression) => ({ compression, batching: false })),
    { compression: 'NONE' as CompressionType, batching: true },
    { compression: 'ZLIB' as CompressionType, batching: true },
  ])('are read intact by the Python client ($compression, batching=$batching)', async ({ compression, batching }) => {
    const topic = uniqueName(`ts-to-py-${compression.toLowerCase()}`);
    const producer = await client.createProducer({ topic, compression, ...(batching ? { batchingMaxMessages: 10, batchingMaxDelayMs: 50 } : {}) });
    const sent = Array.from({ length: 25 }, (_, i) => ({
      payload: Buffer.from(`{"n":${i},"pad":"${'x'.repeat(i * 40)}"}`),
      properties: { n: String(i), kind: 'ts' },
      key: `key-${i % 3}`,
    }));
    const ids = await Promise.all(sent.map((m) => producer.send({ ...m, eventTime: new Date() })));
    await producer.close();
    if (batching) {
      expect(ids.some((id) => id.batchSize > 1 && id.batchIndex > 0), 'dagpact sent batches').toBe(true);
      // dagpact reads its own batches back too, with the ids the receipts announced.
      const own = await drain(`persistent://public/default/${topic}`, sent.length);
      expect(own.map((m) => `${m.messageId.entryId}:${m.messageId.batchIndex}`).sort()).toEqual(ids.map((id) => `${id.entryId}:${id.batchIndex}`).sort());
      expect(own.map((m) => m.payload.toString()).sort()).toEqual(sent.map((m) => m.payload.toString()).sort());
    } else {
      expect(ids.every((id) => id.batchIndex === -1)).toBe(true);
    }
    const [result] = await python('consume', { service_url: serviceUrl(), topic, subscription: 'py', count: sent.length }) as { messages: { payload_b64: string; properties: Record<string, string>; key: string }[] }[];
    expect(result!.messages).toHaveLength(sent.length);
    const byN = new Map(result!.messages.map((m) => [m.properties.n, m]));
    for (const s of sent) {
      const m = byN.get(s.properties.n);
      expect(m).toBeDefined();
      expect(Buffer.from(m!.payload_b64, 'base64').equals(s.payload)).toBe(true);
      expect(m!.properties).toEqual(s.properties);
      expect(m!.key).toBe(s.key);
    }
  });
});
