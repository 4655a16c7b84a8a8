// Token authentication against a private broker started with PULSAR_AUTH=token (never the shared one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, PulsarClientError } from '../../../src/pulsar/index.js';
import { startOwnBroker, uniqueName, type OwnBroker } from './support.js';

let broker: OwnBroker;

beforeAll(async () => {
  broker = await startOwnBroker({ name: 'test-client-auth', brokerPort: 6671, webPort: 8111, bkPort: 3230, auth: 'token' });
  expect(broker.adminToken).toMatch(/^ey/);
}, 240_000);

afterAll(async () => { await broker?.stop(); }, 60_000);

describe('token authentication', () => {
  it('accepts the right token: produce and consume work', async () => {
    const client = new PulsarClient({ serviceUrl: broker.serviceUrl, token: async () => broker.adminToken! });
    try {
      const topic = uniqueName('auth');
      const consumer = await client.subscribe({ topic, subscription: 's' });
      const producer = await client.createProducer({ topic });
      await producer.send({ payload: 'secret', properties: { a: 'b' } });
      const m = await consumer.receive(10_000);
      expect(m?.payload.toString()).toBe('secret');
      expect(m?.properties).toEqual({ a: 'b' });
    } finally {
      await client.close();
    }
  });

  it.each([
    ['a wrong token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLW5vdC12YWxpZA'],
    ['no token', undefined],
  ])('refuses %s with a clear error', async (_name, token) => {
    const client = new PulsarClient({ serviceUrl: broker.serviceUrl, token, connectionTimeoutMs: 5000 });
    try {
      const err = await client.createProducer({ topic: uniqueName('auth-refused') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PulsarClientError);
      expect((err as PulsarClientError).code).toBe('AUTHENTICATION_FAILED');
      expect((err as PulsarClientError).retriable).toBe(false);
      expect((err as Error).message).toMatch(/AuthenticationError/);
    } finally {
      await client.close();
    }
  });
});
