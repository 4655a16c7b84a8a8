// The gatekeeper's Pulsar transport (src/gatekeeper/adapters/pulsar.ts) over dagpact's client, on the
// real broker with messages from the official Python client.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DagpactError } from '../../../src/core/errors.js';
import { openPulsarTransport, type PulsarTransport } from '../../../src/gatekeeper/adapters/pulsar.js';
import { PulsarClient } from '../../../src/pulsar/index.js';
import { waitFor } from '../../support/wait-for.js';
import { python, serviceUrl, uniqueName } from './support.js';

let transport: PulsarTransport;
beforeAll(async () => { transport = await openPulsarTransport({ serviceUrl: serviceUrl(), log: pino({ level: 'silent' }) }); });
afterAll(async () => { await transport.close(); });

describe('gatekeeper Pulsar transport', () => {
  it('receives schema-versioned messages, resolves their schema, nacks and acks', async () => {
    const topic = uniqueName('gk-adapter');
    const full = `persistent://public/default/${topic}`;
    await python('produce', { service_url: serviceUrl(), cases: [{ topic, mode: 'avro', batching: true, compression: 'LZ4', count: 5 }] });
    const consumer = await transport.consumers.subscribe({ topic: full, subscription: 'gatekeeper' });
    const first = await consumer.receive();
    expect(first?.topic).toBe(full);
    expect(first?.messageId).toMatch(/^\d+:\d+:-1:\d+$/);
    expect(first?.redeliveryCount).toBe(0);
    expect(first?.properties.id).toBe('0');
    expect(first?.key).toBe('k0');
    expect(Buffer.from(first!.schemaVersion!).toString('hex')).toBe('0000000000000000');
    const schema = await transport.brokerSchemas.getSchema(full, first!.schemaVersion!);
    expect(schema?.type).toBe('AVRO');
    expect(JSON.parse(schema!.data)).toMatchObject({ type: 'record', name: 'Reading' });
    expect(await transport.brokerSchemas.getSchema(`persistent://public/default/${uniqueName('no-schema')}`, new Uint8Array(8))).toBeUndefined();

    consumer.nack(first!);
    const seen = new Map<string, number>();
    await waitFor('all six messages, the nacked one redelivered', async () => {
      const m = await consumer.receive();
      if (!m) throw new Error('the consumer closed');
      seen.set(m.properties.id!, Math.max(seen.get(m.properties.id!) ?? 0, m.redeliveryCount));
      await consumer.ack(m);
      return seen.get('0')! >= 1 && seen.size === 6;
    }, { timeoutMs: 20_000, intervalMs: 0 });
    expect(seen.size).toBe(6);
    expect(seen.get('0')).toBeGreaterThanOrEqual(1);
    const closed = consumer.close();
    expect(await consumer.receive()).toBeUndefined();
    await closed;
  });

  it('publishes and resolves on the send receipt', async () => {
    const topic = `persistent://public/default/${uniqueName('gk-publish')}`;
    const client = new PulsarClient({ serviceUrl: serviceUrl() });
    try {
      const reader = await client.subscribe({ topic, subscription: 'check' });
      const a = await transport.publisher.send(topic, { payload: Buffer.from('one'), properties: { p: '1' }, key: 'k', eventTime: new Date(1_700_000_000_000) });
      const b = await transport.publisher.send(topic, { payload: Buffer.from('two'), properties: {} });
      expect(a.messageId).toMatch(/^\d+:\d+:-1:-1$/);
      expect(b.messageId).not.toBe(a.messageId);
      const m1 = await reader.receive(10_000);
      expect(m1?.payload.toString()).toBe('one');
      expect(m1?.properties).toEqual({ p: '1' });
      expect(m1?.key).toBe('k');
      expect(m1?.eventTime?.getTime()).toBe(1_700_000_000_000);
      expect(m1?.producerName).toBe((await reader.receive(10_000))?.producerName); // one cached producer
    } finally {
      await client.close();
    }
  });

  it('fails with a retriable error when the broker is unreachable', async () => {
    const err = await openPulsarTransport({ serviceUrl: 'pulsar://127.0.0.1:1', log: pino({ level: 'silent' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DagpactError);
    expect((err as DagpactError).retriable).toBe(true);
    expect((err as Error).message).toMatch(/connecting to Pulsar at pulsar:\/\/127.0.0.1:1/);
  });
});
