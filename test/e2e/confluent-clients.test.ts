// Confluent's own client libraries, unchanged, against the running server's /ccompat API on
// PostgreSQL: register Avro and JSON schemas, encode and decode messages, read schemas by id, and get
// a refused registration for an incompatible change.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  AvroDeserializer, AvroSerializer, JsonDeserializer, JsonSerializer, SchemaRegistryClient, SerdeType,
} from '@confluentinc/schemaregistry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN = 'confluent-e2e-admin-token-01';

const orderV1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const orderV2 = { ...orderV1, fields: [...orderV1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
const orderBroken = { ...orderV1, fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }] };

const userJsonV1 = {
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'User', type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id'],
};
const userJsonNarrowed = { ...userJsonV1, properties: { id: { type: 'string' }, name: { type: 'string' } } };

describe('Confluent clients against /ccompat', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    server = await startServerProcess({ DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  describe('@kafkajs/confluent-schema-registry', () => {
    const registry = () => new SchemaRegistry({ host: `${server.url}/ccompat`, auth: { username: 'ci', password: ADMIN } });

    it('registers Avro, encodes and decodes, reads by id, and is refused an incompatible change', async () => {
      const r = registry();
      const { id } = await r.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject: 'orders-value' });
      expect(id).toBeGreaterThan(0);
      const again = await r.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject: 'orders-value' });
      expect(again.id).toBe(id);

      const encoded = await r.encode(id, { id: 42, amount: 9.5 });
      expect(encoded[0]).toBe(0);
      expect(encoded.readInt32BE(1)).toBe(id);
      expect(await r.decode(encoded)).toEqual({ id: 42, amount: 9.5 });

      const fresh = registry(); // no cache: the schema must come from GET /schemas/ids/{id}
      const fetched = JSON.parse(JSON.stringify(await fresh.getSchema(id))) as { name: string; fields: Array<{ name: string }> };
      expect(fetched.name).toMatch(/Order$/);
      expect(fetched.fields.map((f) => f.name)).toEqual(['id', 'amount']);
      expect(await fresh.decode(encoded)).toEqual({ id: 42, amount: 9.5 });
      expect(await fresh.getLatestSchemaId('orders-value')).toBe(id);

      const { id: id2 } = await r.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV2) }, { subject: 'orders-value' });
      expect(id2).not.toBe(id);
      // A reader on v2 decodes data written with v1: the default fills the new field.
      const v2Reader = registry();
      const decodedWithV2 = await v2Reader.decode(encoded, { [SchemaType.AVRO]: { readerSchema: await v2Reader.getSchema(id2) } } as never);
      expect(decodedWithV2).toEqual({ id: 42, amount: 9.5, currency: 'EUR' });

      await expect(r.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderBroken) }, { subject: 'orders-value' }))
        .rejects.toThrow(/incompatible|409/i);
    });

    it('registers JSON Schema and validates on encode', async () => {
      const r = registry();
      const { id } = await r.register({ type: SchemaType.JSON, schema: JSON.stringify(userJsonV1) }, { subject: 'users-json-value' });
      const encoded = await r.encode(id, { id: 7, name: 'ada' });
      expect(await registry().decode(encoded)).toEqual({ id: 7, name: 'ada' });
      await expect(r.encode(id, { id: 'not-a-number' })).rejects.toThrow();
      await expect(r.register({ type: SchemaType.JSON, schema: JSON.stringify(userJsonNarrowed) }, { subject: 'users-json-value' }))
        .rejects.toThrow(/incompatible|409/i);
    });
  });

  describe('@confluentinc/schemaregistry', () => {
    const client = () => new SchemaRegistryClient({
      baseURLs: [`${server.url}/ccompat`],
      basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: `ci:${ADMIN}` },
      maxRetries: 0,
    });

    it('serializes and deserializes Avro with auto-registration and reads the schema by id', async () => {
      const c = client();
      const ser = new AvroSerializer(c, SerdeType.VALUE, { autoRegisterSchemas: true });
      const deser = new AvroDeserializer(client(), SerdeType.VALUE, {});
      // The serializer needs a schema: register it first, then serialize with the latest version.
      const id = await c.register('payments-value', { schemaType: 'AVRO', schema: JSON.stringify(orderV1) });
      const latestSer = new AvroSerializer(c, SerdeType.VALUE, { useLatestVersion: true });
      const bytes = await latestSer.serialize('payments', { id: 1, amount: 3.25 });
      expect(bytes.readInt32BE(1)).toBe(id);
      const back = await deser.deserialize('payments', bytes);
      expect(Number(back.id)).toBe(1);
      expect(back.amount).toBe(3.25);
      const info = await client().getBySubjectAndId('payments-value', id);
      expect(JSON.parse(info.schema)).toMatchObject({ name: 'Order' });
      // Auto-registration: the serializer registers the schema it infers from the value itself.
      const auto = await ser.serialize('auto', { sku: 'A-1', qty: 2 });
      const autoMeta = await client().getLatestSchemaMetadata('auto-value');
      expect(auto.readInt32BE(1)).toBe(autoMeta.id);
      expect(await deser.deserialize('auto', auto)).toEqual({ sku: 'A-1', qty: 2 });
      const meta = await client().getLatestSchemaMetadata('payments-value');
      expect(meta.id).toBe(id);
      expect(meta.version).toBe(1);
    });

    it('serializes JSON Schema messages and refuses an incompatible registration', async () => {
      const c = client();
      const id = await c.register('people-value', { schemaType: 'JSON', schema: JSON.stringify(userJsonV1) });
      const ser = new JsonSerializer(c, SerdeType.VALUE, { useLatestVersion: true, validate: true });
      const bytes = await ser.serialize('people', { id: 5, name: 'grace' });
      expect(bytes.readInt32BE(1)).toBe(id);
      const deser = new JsonDeserializer(client(), SerdeType.VALUE, { validate: true });
      expect(await deser.deserialize('people', bytes)).toEqual({ id: 5, name: 'grace' });
      expect(await c.testCompatibility('people-value', 1, { schemaType: 'JSON', schema: JSON.stringify(userJsonNarrowed) })).toBe(false);
      await expect(c.register('people-value', { schemaType: 'JSON', schema: JSON.stringify(userJsonNarrowed) })).rejects.toThrow(/409|incompatible/i);
    });
  });
});
