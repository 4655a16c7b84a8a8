// The admin client against the real broker: a topic gets an Avro schema and reads it back.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makePulsarAdmin } from '../../../src/pulsar-admin/admin-client.js';
import { waitFor } from '../../support/wait-for.js';

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
    await expect(admin.postSchema(topic, { type: 'AVRO', schema: userBroken })).rejects.toMatchObject({ code: 'INCOMPATIBLE_SCHEMA', details: { status: 409 } });
    expect(await admin.postSchema(topic, { type: 'AVRO', schema: userV2 })).toBe(1);
    expect((await admin.getAllSchemas(topic)).map((s) => s.version)).toEqual([0, 1]);
  });

  it('reports an unreachable admin API as retriable', async () => {
    const dead = makePulsarAdmin({ url: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await expect(dead.ping()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true });
  });

  it("reads a topic's own schema policies: none before the topic exists, the namespace's until one is set on the topic", async () => {
    const ns = `public/tp-${randomBytes(4).toString('hex')}`;
    await admin.createNamespace(ns);
    await admin.setSchemaCompatibilityStrategy(ns, 'BACKWARD_TRANSITIVE');
    const topic = `persistent://${ns}/events`;
    expect(await admin.getTopicSchemaPolicies(topic)).toBeUndefined();

    // A schema alone does not create the topic; topic policies need the topic.
    await admin.postSchema(topic, { type: 'AVRO', schema: userV1 });
    expect(await admin.getTopicSchemaPolicies(topic)).toBeUndefined();
    expect((await fetch(`${adminUrl}/admin/v2/persistent/${ns}/events`, { method: 'PUT' })).status).toBeLessThan(300);
    expect(await admin.getTopicSchemaPolicies(topic)).toEqual({
      strategyOverride: null, appliedStrategy: 'BACKWARD_TRANSITIVE', schemaValidationEnforced: false,
    });

    // Topic policies travel through a system topic, so the broker applies them shortly after the PUT.
    const set = await fetch(`${adminUrl}/admin/v2/persistent/${ns}/events/schemaCompatibilityStrategy`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify('FORWARD'),
    });
    expect(set.status).toBeLessThan(300);
    const policies = await waitFor('the topic policy applied', async () => {
      const p = await admin.getTopicSchemaPolicies(topic);
      return p?.strategyOverride === 'FORWARD' && p;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(policies).toEqual({ strategyOverride: 'FORWARD', appliedStrategy: 'FORWARD', schemaValidationEnforced: false });
    // ...and the broker judges schemas on the topic by it: FORWARD refuses a new schema the old one cannot read.
    const verdict = await admin.testCompatibility(topic, { type: 'AVRO', schema: userBroken });
    expect(verdict).toMatchObject({ compatible: false });
  });
});
