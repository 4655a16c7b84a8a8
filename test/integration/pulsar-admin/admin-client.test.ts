// The admin client against the real broker: a topic gets an Avro schema and reads it back.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makePulsarAdmin } from '../../../src/pulsar-admin/admin-client.js';

const adminUrl = process.env.TEST_PULSAR_ADMIN_URL ?? process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const admin = makePulsarAdmin({ url: adminUrl, token: process.env.PULSAR_ADMIN_TOKEN });

const userV1 = JSON.stringify({ type: 'record', name: 'User', namespace: 'dagpact.test', fields: [{ name: 'id', type: 'long' }] });
const userV2 = JSON.stringify({ type: 'record', name: 'User', namespace: 'dagpact.test', fields: [{ name: 'id', type: 'long' }, { name: 'email', type: ['null', 'string'], default: null }] });
const userBroken = JSON.stringify({ type: 'record', name: 'User', namespace: 'dagpact.test', fields: [{ name: 'id', type: 'string' }] });

describe('Pulsar admin API (real broker)', () => {
  it('creates a topic with an Avro schema and reads it back', async () => {
    const topic = `persistent://public/default/admin-avro-${randomBytes(4).toString('hex')}`;
    expect(await admin.getSchema(topic)).toBeUndefined();
    const version = await admin.postSchema(topic, { type: 'AVRO', schema: userV1 });
    expect(version).toBe(0);
    const info = await admin.getSchema(topic);
    expect(info).toMatchObject({ version: 0, type: 'AVRO' });
    expect(JSON.parse(info!.schema)).toEqual(JSON.parse(userV1));
  });

  it("reports the broker's compatibility verdict and refuses an incompatible schema", async () => {
    const ns = `public/compat-${randomBytes(3).toString('hex')}`;
    await admin.createNamespace(ns);
    await admin.setSchemaCompatibilityStrategy(ns, 'BACKWARD');
    expect(await admin.getSchemaCompatibilityStrategy(ns)).toBe('BACKWARD');
    const topic = `persistent://${ns}/users`;
    await admin.postSchema(topic, { type: 'AVRO', schema: userV1 });
    expect(await admin.testCompatibility(topic, { type: 'AVRO', schema: userV2 })).toMatchObject({ compatible: true });
    expect(await admin.testCompatibility(topic, { type: 'AVRO', schema: userBroken })).toMatchObject({ compatible: false });
    await expect(admin.postSchema(topic, { type: 'AVRO', schema: userBroken })).rejects.toThrow(/HTTP 409/);
    expect(await admin.postSchema(topic, { type: 'AVRO', schema: userV2 })).toBe(1);
    expect((await admin.getAllSchemas(topic)).map((s) => s.version)).toEqual([0, 1]);
  });

  it('reports an unreachable admin API as retriable', async () => {
    const dead = makePulsarAdmin({ url: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await expect(dead.ping()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true });
  });
});
