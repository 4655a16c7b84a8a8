// Delivery semantics on the real broker: negative acks and redelivery counts, partitioned topics,
// acknowledgements (individual, batch-aware, cumulative) surviving a re-subscribe, subscription types
// and initial positions.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, type Message } from '../../../src/pulsar/index.js';
import { waitFor } from '../../support/wait-for.js';
import { admin, python, receiveAll, serviceUrl, uniqueName } from './support.js';

let client: PulsarClient;
beforeAll(() => { client = new PulsarClient({ serviceUrl: serviceUrl() }); });
afterAll(async () => { await client.close(); });

describe('negative acknowledgement', () => {
  it('redelivers a nacked message after the delay with a growing redelivery count', async () => {
    const topic = uniqueName('nack');
    const consumer = await client.subscribe({ topic, subscription: 's', subscriptionType: 'Shared', negativeAckRedeliveryDelayMs: 300 });
    const producer = await client.createProducer({ topic });
    await producer.send({ payload: 'poison' });
    await producer.send({ payload: 'fine' });
    const counts: number[] = [];
    const started = Date.now();
    while (counts.length < 3) {
      const m = await consumer.receive(10_000);
      expect(m, 'a delivery').toBeDefined();
      if (m!.payload.toString() === 'fine') { await consumer.ack(m!); continue; }
      counts.push(m!.redeliveryCount);
      if (counts.length < 3) consumer.nack(m!); else await consumer.ack(m!);
    }
    expect(counts).toEqual([0, 1, 2]);
    // A lower bound only (two 300 ms delays): load can make it longer, never shorter, so it cannot flake,
    // and it fails if the client redelivers at once instead of after negativeAckRedeliveryDelayMs.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(await consumer.receive(1500)).toBeUndefined();
    await producer.close();
    await consumer.close();
  });
});

describe('partitioned topics', () => {
  it('a 4-partition topic delivers everything, keys stick to one partition', async () => {
    const topic = uniqueName('parts');
    const res = await admin('PUT', `/admin/v2/persistent/public/default/${topic}/partitions`, 4);
    expect(res.status, await res.clone().text()).toBe(204);
    const consumer = await client.subscribe({ topic, subscription: 's', subscriptionType: 'Shared', receiverQueueSize: 50 });
    const producer = await client.createProducer({ topic });
    const sends = [];
    for (let i = 0; i < 400; i++) sends.push(producer.send(i % 2 === 0 ? { payload: `k-${i}`, key: `key-${(i / 2) % 10}` } : { payload: `rr-${i}` }));
    const ids = await Promise.all(sends);
    expect(new Set(ids.map((id) => id.partition))).toEqual(new Set([0, 1, 2, 3]));
    const got = await receiveAll(consumer, 400);
    for (const m of got) await consumer.ack(m);
    expect(new Set(got.map((m) => m.payload.toString())).size).toBe(400);
    const partitionOfKey = new Map<string, Set<number>>();
    for (const m of got) {
      if (!m.key) continue;
      partitionOfKey.set(m.key, (partitionOfKey.get(m.key) ?? new Set()).add(m.messageId.partition));
      expect(m.topic).toBe(`persistent://public/default/${topic}-partition-${m.messageId.partition}`);
    }
    expect(partitionOfKey.size).toBe(10);
    for (const parts of partitionOfKey.values()) expect(parts.size).toBe(1);
    expect(await consumer.receive(500)).toBeUndefined();
    await producer.close();
    await consumer.close();
  });
});

describe('acknowledgements', () => {
  it('acked messages are not redelivered after a re-subscribe; unacked ones are', async () => {
    const topic = uniqueName('acks');
    const sub = { topic, subscription: 's', subscriptionType: 'Shared' as const, initialPosition: 'earliest' as const };
    const producer = await client.createProducer({ topic });
    for (let i = 0; i < 20; i++) await producer.send({ payload: String(i) });
    const c1 = await client.subscribe(sub);
    const first = await receiveAll(c1, 20);
    expect(first).toHaveLength(20);
    for (const m of first) if (Number(m.payload.toString()) % 2 === 0) await c1.ack(m);
    await c1.close();
    const c2 = await client.subscribe(sub);
    const again = await receiveAll(c2, 10);
    expect(again.map((m) => Number(m.payload.toString())).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    for (const m of again) await c2.ack(m);
    expect(await c2.receive(800)).toBeUndefined();
    await c2.close();
    await producer.close();
  });

  it('a batch entry is acked once every message of the batch is (Python batches)', async () => {
    const topic = uniqueName('batch-acks');
    await python('produce', { service_url: serviceUrl(), cases: [{ topic, mode: 'json', batching: true, compression: 'NONE', count: 40 }] });
    const sub = { topic, subscription: 'ts', subscriptionType: 'Shared' as const, initialPosition: 'earliest' as const };
    const c1 = await client.subscribe(sub);
    const all = await receiveAll(c1, 41);
    expect(all).toHaveLength(41);
    const batched = all.filter((m) => m.messageId.batchSize > 1);
    expect(batched.length).toBeGreaterThan(0);
    // Ack everything except one message of one batch: only that batch's entry comes back.
    const keep = batched[0]!;
    for (const m of all) if (m !== keep) await c1.ack(m);
    await c1.close();
    const c2 = await client.subscribe(sub);
    const again = await receiveAll(c2, keep.messageId.batchSize, 3000);
    // Without broker-side batch-index acks the whole entry is redelivered; with them only `keep`.
    expect(again.length).toBeGreaterThanOrEqual(1);
    expect(again.every((m) => m.messageId.entryId === keep.messageId.entryId && m.messageId.ledgerId === keep.messageId.ledgerId)).toBe(true);
    expect(again.map((m) => m.properties.id)).toContain(keep.properties.id);
    for (const m of again) await c2.ack(m);
    expect(await c2.receive(800)).toBeUndefined();
    await c2.close();
  });

  it('a cumulative ack on an exclusive subscription acks everything up to the message', async () => {
    const topic = uniqueName('cumulative');
    const sub = { topic, subscription: 's', subscriptionType: 'Exclusive' as const, initialPosition: 'earliest' as const };
    const producer = await client.createProducer({ topic });
    for (let i = 0; i < 10; i++) await producer.send({ payload: String(i) });
    const c1 = await client.subscribe(sub);
    const got = await receiveAll(c1, 10);
    await c1.ackCumulative(got[5]!);
    await c1.close();
    const c2 = await client.subscribe(sub);
    const again = await receiveAll(c2, 4);
    expect(again.map((m) => m.payload.toString())).toEqual(['6', '7', '8', '9']);
    await expect(client.subscribe({ ...sub, subscription: 'shared', subscriptionType: 'Shared' }).then((c) => c.ackCumulative(again[0]!)))
      .rejects.toThrow(/cumulative acknowledgement is not allowed/);
    await c2.close();
    await producer.close();
  });
});

describe('topic unload (the broker sends CLOSE_PRODUCER / CLOSE_CONSUMER)', () => {
  it('producer and consumer re-attach and nothing is lost', async () => {
    const lines: string[] = [];
    const client = new PulsarClient({ serviceUrl: serviceUrl(),
      log: pino({ level: 'info' }, new Writable({ write(chunk, _e, done) { lines.push(String(chunk)); done(); } })) });
    const topic = uniqueName('unload');
    const consumer = await client.subscribe({ topic, subscription: 's', subscriptionType: 'Shared' });
    const producer = await client.createProducer({ topic });
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      sends.push(producer.send({ payload: String(i) }));
      if (i === 100) {
        const res = await admin('PUT', `/admin/v2/persistent/public/default/${topic}/unload`);
        expect(res.status, await res.clone().text()).toBe(204);
      }
    }
    await Promise.all(sends);
    const seen = new Set<string>();
    while (seen.size < 300) {
      const m = await consumer.receive(10_000);
      if (!m) break;
      seen.add(m.payload.toString());
      await consumer.ack(m);
    }
    expect(seen.size).toBe(300);
    // The producer re-attached: after CLOSE_PRODUCER, or — when a send reaches the broker between the
    // unload and that command — after the broker refuses the send (both paths reconnect and resend).
    expect(lines.some((l) => l.includes('pulsar producer reconnected')), lines.join('')).toBe(true);
    expect(lines.some((l) => l.includes('pulsar consumer re-subscribed'))).toBe(true);
    await client.close();
  });
});

describe('flow control', () => {
  it('a full pending queue makes send() wait, keeping order; the receiver queue bounds prefetch', async () => {
    const topic = uniqueName('flow');
    const consumer = await client.subscribe({ topic, subscription: 's', receiverQueueSize: 10 });
    const producer = await client.createProducer({ topic, maxPendingMessages: 5 });
    let maxPending = 0;
    const sends = Array.from({ length: 300 }, (_, i) => producer.send({ payload: String(i) }).then((id) => {
      maxPending = Math.max(maxPending, producer.pendingCount);
      return id;
    }));
    expect(producer.pendingCount).toBe(5);
    const ids = await Promise.all(sends);
    expect(maxPending).toBeLessThanOrEqual(5);
    // Receipts (and so the entries) follow the order of the send() calls.
    for (let i = 1; i < ids.length; i++) expect(ids[i]!.entryId > ids[i - 1]!.entryId || ids[i]!.ledgerId > ids[i - 1]!.ledgerId).toBe(true);
    // Prefetch is bounded by the permits the consumer grants, not by how fast the broker is: once its
    // queue is full, the broker's own count of messages dispatched plus permits left equals 10.
    await waitFor('the receiver queue to fill', () => consumer.queued >= 10, { timeoutMs: 30_000, intervalMs: 20 });
    const stats = await (await admin('GET', `/admin/v2/persistent/public/default/${topic}/stats`)).json() as
      { subscriptions: Record<string, { consumers: Array<{ msgOutCounter: number; availablePermits: number }> }> };
    const [broker] = stats.subscriptions.s!.consumers;
    expect(broker!.msgOutCounter + broker!.availablePermits, 'permits granted before any receive').toBe(10);
    expect(consumer.queued).toBe(10);
    const got: string[] = [];
    let maxQueued = 0;
    while (got.length < 300) {
      const m = await consumer.receive(5000);
      if (!m) break;
      maxQueued = Math.max(maxQueued, consumer.queued);
      got.push(m.payload.toString());
      await consumer.ack(m);
    }
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    expect(maxQueued).toBeLessThanOrEqual(10);
    await producer.close();
    await consumer.close();
  });
});

describe('subscriptions', () => {
  it('initial position latest skips earlier messages; earliest reads them', async () => {
    const topic = uniqueName('positions');
    const producer = await client.createProducer({ topic });
    await producer.send({ payload: 'old' });
    const latest = await client.subscribe({ topic, subscription: 'latest', initialPosition: 'latest' });
    const earliest = await client.subscribe({ topic, subscription: 'earliest', initialPosition: 'earliest' });
    await producer.send({ payload: 'new' });
    expect((await receiveAll(latest, 1))[0]?.payload.toString()).toBe('new');
    expect((await receiveAll(earliest, 2)).map((m) => m.payload.toString())).toEqual(['old', 'new']);
    await Promise.all([producer.close(), latest.close(), earliest.close()]);
  });

  it('an exclusive subscription refuses a second consumer; failover and key_shared accept several', async () => {
    const topic = uniqueName('types');
    const a = await client.subscribe({ topic, subscription: 'ex', subscriptionType: 'Exclusive' });
    await expect(client.subscribe({ topic, subscription: 'ex', subscriptionType: 'Exclusive' })).rejects.toMatchObject({ serverError: 'ConsumerBusy' });
    const f1 = await client.subscribe({ topic, subscription: 'fo', subscriptionType: 'Failover' });
    const f2 = await client.subscribe({ topic, subscription: 'fo', subscriptionType: 'Failover' });
    const k1 = await client.subscribe({ topic, subscription: 'ks', subscriptionType: 'KeyShared' });
    const k2 = await client.subscribe({ topic, subscription: 'ks', subscriptionType: 'KeyShared' });
    const producer = await client.createProducer({ topic });
    for (let i = 0; i < 40; i++) await producer.send({ payload: String(i), key: `k${i % 8}` });
    const fromK1 = await receiveAll(k1, 40, 1500);
    const fromK2 = await receiveAll(k2, 40, 1500);
    expect(fromK1.length + fromK2.length).toBe(40);
    // Key_Shared: a key is delivered to one consumer only.
    const keys1 = new Set(fromK1.map((m) => m.key));
    expect(fromK2.filter((m) => keys1.has(m.key))).toEqual([]);
    // Failover: one active consumer gets everything.
    const fromF = [await receiveAll(f1, 40, 1500), await receiveAll(f2, 40, 1500)].map((l) => l.length).sort((x, y) => x - y);
    expect(fromF).toEqual([0, 40]);
    await Promise.all([a, f1, f2, k1, k2, producer].map((x) => x.close()));
  });
});
