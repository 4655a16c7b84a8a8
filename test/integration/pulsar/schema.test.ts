// A producer created with a schema registers it on the broker's registry, gets the version back, and
// is refused with a clear error when the schema is incompatible under the namespace's strategy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, PulsarClientError, schemaVersionNumber } from '../../../src/pulsar/index.js';
import { admin, serviceUrl, uniqueName } from './support.js';

const record = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Order', namespace: 'dagpact.test', fields });
const V1 = record([{ name: 'id', type: 'long' }, { name: 'item', type: 'string' }]);
const V2 = record([{ name: 'id', type: 'long' }, { name: 'item', type: 'string' }, { name: 'qty', type: 'int', default: 1 }]);
const V2_NO_DEFAULT = record([{ name: 'id', type: 'long' }, { name: 'item', type: 'string' }, { name: 'note', type: 'string' }]);
const ID_AS_STRING = record([{ name: 'id', type: 'string' }, { name: 'item', type: 'string' }]);

const namespace = `public/${uniqueName('dagpact-schema')}`;
let client: PulsarClient;

beforeAll(async () => {
  client = new PulsarClient({ serviceUrl: serviceUrl() });
  const created = await admin('PUT', `/admin/v2/namespaces/${namespace}`, {});
  expect(created.status, await created.clone().text()).toBe(204);
  const strategy = await admin('PUT', `/admin/v2/namespaces/${namespace}/schemaCompatibilityStrategy`, 'BACKWARD');
  expect(strategy.status, await strategy.clone().text()).toBe(204);
  const read = await admin('GET', `/admin/v2/namespaces/${namespace}/schemaCompatibilityStrategy`);
  expect(await read.json()).toBe('BACKWARD');
});

afterAll(async () => {
  await client.close();
  await admin('DELETE', `/admin/v2/namespaces/${namespace}?force=true`).catch(() => undefined);
});

describe('producer schemas', () => {
  it('registers the schema on a new topic and reports its version', async () => {
    const topic = `persistent://${namespace}/orders-${Date.now()}`;
    const producer = await client.createProducer({ topic, schema: { type: 'AVRO', data: V1, properties: { owner: 'dagpact' } } });
    expect(schemaVersionNumber(producer.schemaVersion)).toBe(0n);
    const res = await admin('GET', `/admin/v2/schemas/${namespace}/${topic.split('/').pop()}/schema`);
    expect(res.status).toBe(200);
    const body = await res.json() as { type: string; data: string; version: number; properties: Record<string, string> };
    expect(body.type).toBe('AVRO');
    expect(JSON.parse(body.data)).toEqual(JSON.parse(V1));
    expect(body.version).toBe(0);
    expect(body.properties).toEqual({ owner: 'dagpact' });

    // A message carries the producer's schema version.
    await producer.send({ payload: Buffer.from([2, 6, 0x61, 0x62, 0x63]) });
    const consumer = await client.subscribe({ topic, subscription: 's', initialPosition: 'earliest' });
    const m = await consumer.receive(10_000);
    expect(schemaVersionNumber(m?.schemaVersion)).toBe(0n);
    await consumer.close();

    // A backward-compatible evolution gets version 1.
    const p2 = await client.createProducer({ topic, schema: { type: 'AVRO', data: V2 } });
    expect(schemaVersionNumber(p2.schemaVersion)).toBe(1n);
    const v1 = await client.getSchema(topic, 1);
    expect(JSON.parse(v1!.data.toString())).toEqual(JSON.parse(V2));
    await producer.close();
    await p2.close();
  });

  it.each([
    ['a new field without a default', V2_NO_DEFAULT],
    ['a changed field type', ID_AS_STRING],
  ])('refuses a producer whose schema is incompatible under BACKWARD (%s)', async (_name, incompatible) => {
    const topic = `persistent://${namespace}/orders-${uniqueName('x')}`;
    const first = await client.createProducer({ topic, schema: { type: 'AVRO', data: V1 } });
    const err = await client.createProducer({ topic, schema: { type: 'AVRO', data: incompatible } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PulsarClientError);
    expect((err as PulsarClientError).code).toBe('INCOMPATIBLE_SCHEMA');
    expect((err as PulsarClientError).retriable).toBe(false);
    expect((err as PulsarClientError).message).toMatch(/creating a producer on .*IncompatibleSchema/);
    // The registry still holds only version 0.
    const res = await admin('GET', `/admin/v2/schemas/${namespace}/${topic.split('/').pop()}/schema`);
    expect((await res.json() as { version: number }).version).toBe(0);
    await first.close();
  });
});
