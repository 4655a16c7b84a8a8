// Reliability across a broker restart: a private broker (never the shared one) is restarted while
// 20,000 messages are produced; the producer resends what was pending, the consumer re-subscribes,
// and every message id arrives at least once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import { PulsarClient } from '../../../src/pulsar/index.js';
import { waitFor } from '../../support/wait-for.js';
import { startOwnBroker, uniqueName, type OwnBroker } from './support.js';

const TOTAL = 20_000;
let broker: OwnBroker;
let client: PulsarClient;
const logLines: string[] = [];
const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));

beforeAll(async () => {
  broker = await startOwnBroker({ name: 'test-client-restart', brokerPort: 6670, webPort: 8110, bkPort: 3210 });
  client = new PulsarClient({ serviceUrl: broker.serviceUrl, operationTimeoutMs: 10_000, keepAliveIntervalMs: 5_000, log });
}, 240_000);

afterAll(async () => {
  await client?.close();
  await broker?.stop();
}, 60_000);

describe('a broker restart mid-stream', () => {
  it('loses no message: the producer resends pending ones and the consumer re-subscribes', async () => {
    const topic = uniqueName('restart');
    const consumer = await client.subscribe({ topic, subscription: 'sub', subscriptionType: 'Shared', initialPosition: 'earliest', receiverQueueSize: 500 });
    const producer = await client.createProducer({ topic, maxPendingMessages: 500, sendTimeoutMs: 0, compression: 'LZ4' });
    // Half of the messages go through a batching producer: batches are resent whole after the restart.
    const batching = await client.createProducer({ topic, maxPendingMessages: 500, sendTimeoutMs: 0, compression: 'ZLIB', batchingMaxMessages: 50, batchingMaxDelayMs: 5 });

    const seen = new Set<number>();
    let deliveries = 0;
    let consuming = true;
    const consumed = (async () => {
      while (consuming && seen.size < TOTAL) {
        const m = await consumer.receive(1000);
        if (!m) continue;
        deliveries++;
        seen.add(Number(m.payload.toString().slice(3)));
        await consumer.ack(m);
      }
    })();

    let receipts = 0;
    let restarted: Promise<void> | undefined;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < TOTAL; i++) {
      sends.push((i % 2 === 0 ? batching : producer).send({ payload: `id:${i}`, properties: { i: String(i) } }).then(() => {
        receipts++;
        if (receipts === 4000 && !restarted) restarted = broker.restart();
      }));
      // Keep producing while the broker is down: send() blocks once 500 are pending.
    }
    const results = await Promise.allSettled(sends);
    expect(restarted, 'the broker was restarted mid-stream').toBeDefined();
    await restarted;
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    // On a timeout the assertions below name the missing ids.
    await waitFor(`all ${TOTAL} ids consumed`, () => seen.size >= TOTAL, { timeoutMs: 120_000, intervalMs: 200 }).catch(() => undefined);
    consuming = false;
    await consumed;
    const missing = [];
    for (let i = 0; i < TOTAL && missing.length < 20; i++) if (!seen.has(i)) missing.push(i);
    expect(missing).toEqual([]);
    expect(seen.size).toBe(TOTAL);
    expect(deliveries).toBeGreaterThanOrEqual(TOTAL);
    // The client really went through a reconnect on both sides.
    expect(logLines.some((l) => l.includes('pulsar producer reconnected'))).toBe(true);
    expect(logLines.some((l) => l.includes('pulsar consumer re-subscribed'))).toBe(true);
    await producer.close();
    await batching.close();
    await consumer.close();
  }, 240_000);
});
