// Entries the client cannot unpack, through the real broker: a chunked message from the official Python
// client, and payloads whose compression is corrupt (single and batched). Each arrives as one raw message
// saying why, so an application can hold it and acknowledge it; nothing is dropped unseen, and the
// consumer's flow control keeps going.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient } from '../../../src/pulsar/index.js';
import { corruptCompression, python, receiveAll, serviceUrl, uniqueName } from './support.js';

let client: PulsarClient;
beforeAll(() => { client = new PulsarClient({ serviceUrl: serviceUrl() }); });
afterAll(async () => { await client.close(); });

describe('entries the client cannot unpack', () => {
  it('a chunked message from the Python client arrives as raw chunks that say so, and acking them settles them', async () => {
    const topic = uniqueName('chunked');
    const consumer = await client.subscribe({ topic, subscription: 'gk', subscriptionType: 'Shared', initialPosition: 'earliest' });
    const size = 7 * 1024 * 1024; // above the broker's 5 MB maxMessageSize: two chunks
    const [sent] = await python('produce-chunked', { service_url: serviceUrl(), topic, size }) as Array<{ message_id: string }>;
    expect(sent!.message_id).toBeTruthy();
    const chunks = await receiveAll(consumer, 2, 15_000);
    expect(chunks).toHaveLength(2);
    expect(chunks.map((c) => c.undecodable)).toEqual([
      expect.stringMatching(/^chunk 1 of 2 of chunked message .*does not reassemble chunks/),
      expect.stringMatching(/^chunk 2 of 2 of chunked message/),
    ]);
    // The raw chunks are the message's bytes, in order.
    const whole = Buffer.concat(chunks.map((c) => c.payload));
    expect(whole.length).toBe(size);
    expect(whole.every((b, i) => b === i % 251)).toBe(true);
    for (const c of chunks) await consumer.ack(c);
    await consumer.close();

    const again = await client.subscribe({ topic, subscription: 'gk', subscriptionType: 'Shared' });
    expect(await again.receive(1500), 'acknowledged chunks are not redelivered').toBeUndefined();
    await again.close();
  });

  it('a corrupt compressed entry, single or batched, arrives once as raw bytes; the messages around it flow normally', async () => {
    const topic = uniqueName('corrupt');
    const consumer = await client.subscribe({ topic, subscription: 's', subscriptionType: 'Shared', receiverQueueSize: 4 });
    const good = await client.createProducer({ topic });
    const bad = await client.createProducer({ topic });
    const badBatch = await client.createProducer({ topic, batchingMaxMessages: 5, batchingMaxDelayMs: 50 });
    const garbage = Buffer.from('definitely not an lz4 block');
    corruptCompression(bad, garbage);
    corruptCompression(badBatch, garbage);

    await good.send({ payload: 'before' });
    await bad.send({ payload: 'lost in compression' });
    await Promise.all(Array.from({ length: 5 }, (_, i) => badBatch.send({ payload: `batched ${i}`, properties: { i: String(i) } })));
    // More good messages than the receiver queue holds: flow control must keep granting permits.
    for (let i = 0; i < 12; i++) await good.send({ payload: `after ${i}` });

    const got = await receiveAll(consumer, 15, 15_000);
    expect(got).toHaveLength(15);
    const raw = got.filter((m) => m.undecodable);
    expect(raw).toHaveLength(2);
    for (const m of raw) {
      expect(m.undecodable).toMatch(/LZ4-compressed payload does not decompress/);
      expect(m.payload.equals(garbage)).toBe(true);
      expect(m.messageId.batchIndex).toBe(-1);
    }
    expect(got.filter((m) => !m.undecodable).map((m) => m.payload.toString()))
      .toEqual(['before', ...Array.from({ length: 12 }, (_, i) => `after ${i}`)]);
    for (const m of got) await consumer.ack(m);
    await consumer.close();

    const again = await client.subscribe({ topic, subscription: 's', subscriptionType: 'Shared' });
    expect(await again.receive(1500), 'everything was acknowledged, the raw entries included').toBeUndefined();
    await again.close();
    await Promise.all([good.close(), bad.close(), badBatch.close()]);
  });
});
