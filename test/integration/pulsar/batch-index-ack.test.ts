// Batch-index acknowledgements (`batchIndexAck`, CommandAck.ack_set) against a real broker. Pulsar only
// keeps per-index acks with acknowledgmentAtBatchIndexLevelEnabled=true (default false), so this file starts
// a private broker with that setting (PULSAR_EXTRA_CONF). A consumer acks some indexes of a batch, closes,
// and a new consumer of the subscription must get exactly the un-acked indexes: the broker remembers the
// acked ones and sends the entry with an ack_set, which the client uses to skip them.
// The difference, documented: without batchIndexAck the client acks an entry only once every index of it
// is acked, so a partly acked batch comes back whole; and on a broker without the setting (the shared test
// broker, Pulsar 4.0.7) the broker ignores an ack that carries an ack_set, so batchIndexAck there behaves as
// if it were off — the whole batch comes back, acked indexes included (not lost: at least once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, type Consumer, type Message, type MessageId, type SubscriptionType } from '../../../src/pulsar/index.js';
import { waitFor } from '../../support/wait-for.js';
import { admin, serviceUrl, startOwnBroker, uniqueName, type OwnBroker } from './support.js';

const BATCH = 10;
let broker: OwnBroker;
let client: PulsarClient;

beforeAll(async () => {
  broker = await startOwnBroker({
    name: 'test-client-bidx', brokerPort: 6672, webPort: 8112, bkPort: 3270,
    extraConf: 'acknowledgmentAtBatchIndexLevelEnabled=true',
  });
  client = new PulsarClient({ serviceUrl: broker.serviceUrl, operationTimeoutMs: 10_000 });
}, 240_000);

afterAll(async () => {
  await client?.close();
  await broker?.stop();
}, 60_000);

const label = (id: MessageId) => `${id.entryId}:${id.batchIndex}`;

/** Produces `batches` batches of exactly BATCH messages (one entry each); payload `b<batch>m<index>`. */
async function produceBatches(c: PulsarClient, topic: string, batches: number): Promise<MessageId[][]> {
  // A long delay and a full batch flush: each group of BATCH sends becomes one entry.
  const producer = await c.createProducer({ topic, batchingMaxMessages: BATCH, batchingMaxDelayMs: 5_000 });
  const out: MessageId[][] = [];
  for (let b = 0; b < batches; b++) {
    out.push(await Promise.all(Array.from({ length: BATCH }, (_, i) => producer.send({ payload: `b${b}m${i}` }))));
  }
  await producer.close();
  for (const ids of out) {
    expect(new Set(ids.map((id) => `${id.ledgerId}:${id.entryId}`)).size, 'one entry per batch').toBe(1);
    expect(ids.map((id) => [id.batchIndex, id.batchSize])).toEqual(ids.map((_, i) => [i, BATCH]));
  }
  return out;
}

async function subscribe(c: PulsarClient, topic: string, subscriptionType: SubscriptionType, batchIndexAck: boolean): Promise<Consumer> {
  return c.subscribe({ topic, subscription: 'bidx', subscriptionType, initialPosition: 'earliest', batchIndexAck, receiverQueueSize: 100 });
}

/** Receives until `expected` messages arrived, then waits `quietMs` more to catch any extra one. */
async function receiveAll(consumer: Consumer, expected: number, quietMs = 1_500): Promise<Message[]> {
  const out: Message[] = [];
  // On a timeout the caller's assertions show what did arrive.
  await waitFor(`${expected} messages`, async () => {
    const m = await consumer.receive(1_000);
    if (m) out.push(m);
    return out.length >= expected;
  }, { timeoutMs: 30_000, intervalMs: 0 }).catch(() => undefined);
  for (let m = await consumer.receive(quietMs); m; m = await consumer.receive(quietMs)) out.push(m);
  return out;
}

/** Closes the consumer (its un-acked messages go back to the subscription) and subscribes anew. */
async function resubscribe(c: PulsarClient, consumer: Consumer, topic: string, subscriptionType: SubscriptionType, batchIndexAck: boolean): Promise<Consumer> {
  // Acks are fire-and-forget commands on the same connection as CLOSE_CONSUMER, so they reach the broker first.
  await consumer.close();
  return subscribe(c, topic, subscriptionType, batchIndexAck);
}

const labels = (ms: Message[]) => ms.map((m) => label(m.messageId)).sort();
const payloadOf = (ms: Message[]) => Object.fromEntries(ms.map((m) => [label(m.messageId), m.payload.toString()]));

describe('batch-index acknowledgements on a broker with acknowledgmentAtBatchIndexLevelEnabled=true', () => {
  it('runs the private broker with the setting (PULSAR_EXTRA_CONF reached standalone.conf)', async () => {
    const res = await admin('GET', '/admin/v2/brokers/configuration/runtime', undefined, broker.adminUrl);
    expect(res.status).toBe(200);
    const conf = (await res.json()) as Record<string, string>;
    expect(String(conf.acknowledgmentAtBatchIndexLevelEnabled)).toBe('true');
  });

  it.each(['Shared', 'Exclusive'] as const)('%s: exactly the un-acked indexes are redelivered, none of the acked ones', async (type) => {
    const topic = uniqueName(`persistent://public/default/bidx-${type.toLowerCase()}`);
    let consumer = await subscribe(client, topic, type, true);
    const [first, second] = (await produceBatches(client, topic, 2)) as [MessageId[], MessageId[]];

    const all = await receiveAll(consumer, 2 * BATCH);
    expect(labels(all)).toEqual([...first, ...second].map(label).sort());
    // Batch one: every third index acked (0, 3, 6, 9). Batch two: all but the last index acked.
    const acked = all.filter((m) => (m.messageId.entryId === first[0]!.entryId ? m.messageId.batchIndex % 3 === 0 : m.messageId.batchIndex !== BATCH - 1));
    for (const m of acked) await consumer.ack(m);
    const pending = all.filter((m) => !acked.includes(m));
    expect(pending).toHaveLength(7);

    consumer = await resubscribe(client, consumer, topic, type, true);
    const again = await receiveAll(consumer, pending.length);
    expect(labels(again)).toEqual(labels(pending));
    expect(again.filter((m) => acked.some((a) => label(a.messageId) === label(m.messageId)))).toEqual([]);
    // The same messages (payloads) at the same ids, and the ids still carry the batch size for further acks.
    expect(payloadOf(again)).toEqual(payloadOf(pending));
    expect(again.every((m) => m.messageId.batchSize === BATCH)).toBe(true);

    // Ack part of what came back: the broker combines it with what it already had.
    const [ackNow, ...rest] = again.filter((m) => m.messageId.entryId === first[0]!.entryId);
    await consumer.ack(ackNow!);
    consumer = await resubscribe(client, consumer, topic, type, true);
    const third = await receiveAll(consumer, pending.length - 1);
    expect(labels(third)).toEqual(labels([...rest, ...again.filter((m) => m.messageId.entryId === second[0]!.entryId)]));

    // Acking the rest completes both entries: nothing is left.
    for (const m of third) await consumer.ack(m);
    consumer = await resubscribe(client, consumer, topic, type, true);
    expect(labels(await receiveAll(consumer, 0))).toEqual([]);
    await consumer.close();
  }, 120_000);

  it('Exclusive: a cumulative ack inside a batch keeps the later indexes (and individual acks after it)', async () => {
    const topic = uniqueName('persistent://public/default/bidx-cumulative');
    let consumer = await subscribe(client, topic, 'Exclusive', true);
    const [first, second] = (await produceBatches(client, topic, 2)) as [MessageId[], MessageId[]];
    const all = await receiveAll(consumer, 2 * BATCH);
    const byLabel = new Map(all.map((m) => [label(m.messageId), m]));
    await consumer.ack(byLabel.get(label(second[7]!))!);
    await consumer.ackCumulative(byLabel.get(label(second[4]!))!);

    consumer = await resubscribe(client, consumer, topic, 'Exclusive', true);
    const again = await receiveAll(consumer, 4);
    expect(labels(again)).toEqual([5, 6, 8, 9].map((i) => label(second[i]!)).sort());
    expect(again.some((m) => m.messageId.entryId === first[0]!.entryId)).toBe(false);
    await consumer.close();
  }, 120_000);

  it('without batchIndexAck a partly acked batch is redelivered whole (the entry is acked only when all indexes are)', async () => {
    const topic = uniqueName('persistent://public/default/bidx-off');
    let consumer = await subscribe(client, topic, 'Shared', false);
    const [ids] = (await produceBatches(client, topic, 1)) as [MessageId[]];
    const all = await receiveAll(consumer, BATCH);
    for (const m of all) if (m.messageId.batchIndex % 2 === 0) await consumer.ack(m);

    consumer = await resubscribe(client, consumer, topic, 'Shared', false);
    const again = await receiveAll(consumer, BATCH);
    expect(labels(again), 'all ten indexes, the five acked ones included').toEqual(ids.map(label).sort());

    for (const m of again) await consumer.ack(m);
    consumer = await resubscribe(client, consumer, topic, 'Shared', false);
    expect(labels(await receiveAll(consumer, 0))).toEqual([]);
    await consumer.close();
  }, 120_000);
});

describe('batchIndexAck on a broker without the setting (the shared test broker, Pulsar defaults)', () => {
  it('the broker ignores an ack_set ack: the whole batch, acked indexes included, is redelivered; the full ack still works', async () => {
    const res = await admin('GET', '/admin/v2/brokers/configuration/runtime');
    const conf = (await res.json()) as Record<string, string>;
    expect(String(conf.acknowledgmentAtBatchIndexLevelEnabled), 'the shared broker runs with Pulsar\'s default').toBe('false');

    const shared = new PulsarClient({ serviceUrl: serviceUrl(), operationTimeoutMs: 10_000 });
    try {
      const topic = uniqueName('persistent://public/default/bidx-default-broker');
      let consumer = await subscribe(shared, topic, 'Shared', true);
      const [ids] = (await produceBatches(shared, topic, 1)) as [MessageId[]];
      const all = await receiveAll(consumer, BATCH);
      for (const m of all) if (m.messageId.batchIndex % 2 === 0) await consumer.ack(m);

      consumer = await resubscribe(shared, consumer, topic, 'Shared', true);
      const again = await receiveAll(consumer, BATCH);
      expect(labels(again), 'all ten indexes: the five ack_set acks were ignored').toEqual(ids.map(label).sort());

      // The client's fresh state for the redelivered entry has every index pending; acking them all sends a
      // plain whole-entry ack, which this broker does apply.
      for (const m of again) await consumer.ack(m);
      consumer = await resubscribe(shared, consumer, topic, 'Shared', true);
      expect(labels(await receiveAll(consumer, 0))).toEqual([]);
      await consumer.close();
    } finally {
      await shared.close();
    }
  }, 120_000);
});
