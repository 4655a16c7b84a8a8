// Grouped acknowledgements on the real broker: a group leaves when its window passes, when it is full,
// when the consumer closes, and after a reconnect (before new permits, so the broker does not
// redeliver what was acknowledged while the consumer was away); receiveBatch and the async iterator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, type Consumer } from '../../../src/pulsar/index.js';
import { admin, receiveAll, serviceUrl, uniqueName } from './support.js';

let client: PulsarClient;
beforeAll(() => { client = new PulsarClient({ serviceUrl: serviceUrl() }); });
afterAll(async () => { await client.close(); });

async function backlog(topic: string, subscription = 's'): Promise<number> {
  const res = await admin('GET', `/admin/v2/persistent/public/default/${topic}/stats`);
  const stats = await res.json() as { subscriptions: Record<string, { msgBacklog: number }> };
  return stats.subscriptions[subscription]?.msgBacklog ?? Number.NaN;
}

async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produced(topic: string, n: number): Promise<void> {
  const producer = await client.createProducer({ topic });
  await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ payload: String(i) })));
  await producer.close();
}

async function subscribe(topic: string, grouping: { ackGroupingTimeMs?: number; ackGroupingMaxSize?: number }): Promise<Consumer> {
  return client.subscribe({ topic, subscription: 's', subscriptionType: 'Shared', initialPosition: 'earliest', ...grouping });
}

describe('grouped acknowledgements', () => {
  it('are held for the window, then sent together', async () => {
    const topic = uniqueName('ackwin');
    await produced(topic, 8);
    const consumer = await subscribe(topic, { ackGroupingTimeMs: 300 });
    const got = await receiveAll(consumer, 8);
    for (const m of got) await consumer.ack(m);
    expect(consumer.pendingAcks).toBe(8);
    await until('the window to pass', () => consumer.pendingAcks, (n) => n === 0);
    await until('the broker to see the acks', () => backlog(topic), (n) => n === 0);
    await consumer.close();
  });

  it('a full group leaves at once, the rest waits for its window', async () => {
    const topic = uniqueName('acksize');
    await produced(topic, 25);
    const consumer = await subscribe(topic, { ackGroupingTimeMs: 600_000, ackGroupingMaxSize: 10 });
    const got = await receiveAll(consumer, 25);
    for (const m of got) await consumer.ack(m);
    expect(consumer.pendingAcks).toBe(5);
    expect(await until('two full groups on the broker', () => backlog(topic), (n) => n === 5)).toBe(5);
    await consumer.close();
  });

  it('are flushed on close', async () => {
    const topic = uniqueName('ackclose');
    await produced(topic, 10);
    const consumer = await subscribe(topic, { ackGroupingTimeMs: 600_000 });
    for (const m of await receiveAll(consumer, 10)) await consumer.ack(m);
    expect(consumer.pendingAcks).toBe(10);
    expect(await backlog(topic)).toBe(10);
    await consumer.close();
    expect(await until('the acks of the closed consumer', () => backlog(topic), (n) => n === 0)).toBe(0);
  });

  it('a window of 0 acks each message at once', async () => {
    const topic = uniqueName('ackzero');
    await produced(topic, 3);
    const consumer = await subscribe(topic, { ackGroupingTimeMs: 0 });
    for (const m of await receiveAll(consumer, 3)) await consumer.ack(m);
    expect(consumer.pendingAcks).toBe(0);
    await until('the acks on the broker', () => backlog(topic), (n) => n === 0);
    await consumer.close();
  });

  it('survive a reconnect and are sent before new permits: acked messages are not redelivered', async () => {
    const topic = uniqueName('ackreconnect');
    await produced(topic, 10);
    const consumer = await subscribe(topic, { ackGroupingTimeMs: 600_000 });
    for (const m of await receiveAll(consumer, 10)) await consumer.ack(m);
    expect(consumer.pendingAcks).toBe(10);
    // Unloading the topic closes the consumer on the broker: the acks could not have been sent before.
    const res = await admin('PUT', `/admin/v2/persistent/public/default/${topic}/unload`);
    expect(res.status, await res.clone().text()).toBe(204);
    await until('the acks to be sent on the new connection', () => consumer.pendingAcks, (n) => n === 0);
    await produced(topic, 1); // payload "0" again, after the ten: the first thing the broker may deliver now
    const next = await consumer.receive(10_000);
    expect(next?.redeliveryCount).toBe(0);
    expect(await until('the backlog', () => backlog(topic), (n) => n === 1)).toBe(1);
    await consumer.ack(next!);
    await consumer.close();
    expect(await until('an empty backlog', () => backlog(topic), (n) => n === 0)).toBe(0);
  });
});

describe('batch receive', () => {
  it('receiveBatch takes what is queued in one call; the iterator reads until close', async () => {
    const topic = uniqueName('recvbatch');
    await produced(topic, 50);
    const consumer = await subscribe(topic, {});
    await until('the queue to fill', () => consumer.queued, (n) => n === 50);
    const first = await consumer.receiveBatch(30);
    expect(first).toHaveLength(30);
    const seen = first.map((m) => m.payload.toString());
    for (const m of first) await consumer.ack(m);
    for await (const m of consumer) {
      seen.push(m.payload.toString());
      await consumer.ack(m);
      if (seen.length === 50) void consumer.close();
    }
    expect(new Set(seen).size).toBe(50);
    expect(await consumer.receiveBatch(10, 50)).toEqual([]);
    expect(await until('the acks on the broker', () => backlog(topic), (n) => n === 0)).toBe(0);
  });
});
