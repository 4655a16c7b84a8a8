// Token authentication against a private broker started with PULSAR_AUTH=token (never the shared one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, PulsarClientError } from '../../../src/pulsar/index.js';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readTokenFile } from '../../../src/support/token-file.js';
import { root, startOwnBroker, uniqueName, type OwnBroker } from './support.js';

/** An HS256 token for `sub` the broker's AuthenticationProviderToken accepts with this secret key. */
function brokerToken(key: Buffer, sub: string): string {
  const b64 = (x: string | Buffer) => Buffer.from(x).toString('base64url');
  const unsigned = `${b64('{"alg":"HS256"}')}.${b64(JSON.stringify({ sub }))}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

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

  // Last: it changes the broker's secret key.
  it('re-reads PULSAR_TOKEN_FILE on reconnect: the broker restarts accepting only a new key, the same client carries on, nothing is lost', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagpact-token-'));
    const file = path.join(dir, 'pulsar.token');
    writeFileSync(file, `${broker.adminToken!}\n`);
    const client = new PulsarClient({ serviceUrl: broker.serviceUrl, token: readTokenFile(file), connectionTimeoutMs: 5000 });
    try {
      const topic = uniqueName('auth-rotate');
      const consumer = await client.subscribe({ topic, subscription: 's' });
      const producer = await client.createProducer({ topic });
      await producer.send({ payload: 'before' });

      // Rotate: a new secret key for the broker, and a token signed with it in the file; then restart.
      const newKey = randomBytes(32);
      writeFileSync(path.join(root, '.tmp/pulsar/test-client-auth/secret.key'), newKey);
      writeFileSync(file, brokerToken(newKey, 'admin'));
      await broker.restart();

      // The producer reconnects with back-off (re-reading the file); a send that times out meanwhile is retried.
      const deadline = Date.now() + 150_000;
      for (;;) {
        try { await producer.send({ payload: 'after' }); break; } catch (error) {
          if ((error as PulsarClientError).code !== 'TIMEOUT' || Date.now() > deadline) throw error;
        }
      }
      const got = [await consumer.receive(60_000), await consumer.receive(60_000)].map((m) => m?.payload.toString());
      expect(got).toEqual(['before', 'after']);

      const stale = new PulsarClient({ serviceUrl: broker.serviceUrl, token: broker.adminToken!, connectionTimeoutMs: 5000 });
      try {
        const err = await stale.createProducer({ topic: uniqueName('auth-stale') }).catch((e: unknown) => e);
        expect((err as PulsarClientError).code).toBe('AUTHENTICATION_FAILED');
      } finally {
        await stale.close();
      }
    } finally {
      await client.close();
    }
  }, 420_000);
});
