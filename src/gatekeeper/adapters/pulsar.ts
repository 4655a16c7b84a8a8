// Adapts dagpact's Pulsar binary-protocol client (src/pulsar/) to the narrow interfaces the gatekeeper
// uses: ConsumerFactory (Shared subscriptions from the earliest position, receive/ack/nack, redelivery
// count, schema version), Publisher (one cached producer per topic, resolving on SEND_RECEIPT) and
// BrokerSchemaSource (GET_SCHEMA). Client errors become DagpactErrors; only transient ones are retriable.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DagpactError } from '../../core/errors.js';
import {
  messageIdToString, PulsarClient, PulsarClientError,
  type ClientOptions, type Consumer, type Message, type MessageId, type Producer,
} from '../../pulsar/index.js';
import type { BrokerSchemaSource, ConsumerFactory, OutgoingMessage, Publisher, SourceMessage, TopicConsumer, TriggerSchema } from '../types.js';

export interface PulsarTransport {
  consumers: ConsumerFactory;
  publisher: Publisher;
  brokerSchemas: BrokerSchemaSource;
  close(): Promise<void>;
}

/** Socket errors that mean "the broker is not there (now)", should one escape the client untranslated. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
]);

/**
 * The one translation of the Pulsar client's failures: UPSTREAM_UNAVAILABLE (retriable) for an outage,
 * UPSTREAM_REJECTED for a refusal that will come again. The gatekeeper branches on these codes only.
 */
export function translate(error: unknown, what: string): DagpactError {
  if (error instanceof DagpactError) return error;
  if (error instanceof PulsarClientError) {
    // A retriable client error is an outage (retried, never held as poison); a non-retriable one
    // (authorization, schema refused, topic missing, producer fenced) will fail again on every
    // delivery, so it counts toward the poison threshold.
    return new DagpactError(error.retriable ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED', `${what}: ${error.message}`, { cause: error });
  }
  // Anything else: a socket error is an outage; the rest is a failure that retrying will not fix.
  const code = (error as { code?: unknown } | undefined)?.code;
  return new DagpactError(typeof code === 'string' && NETWORK_CODES.has(code) ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED',
    `${what}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

function toSourceMessage(message: Message): SourceMessage {
  const out: SourceMessage = {
    topic: message.topic,
    messageId: messageIdToString(message.messageId),
    payload: message.payload,
    properties: message.properties,
    redeliveryCount: message.redeliveryCount,
    publishTime: message.publishTime,
  };
  if (message.key !== undefined) out.key = message.key;
  if (message.schemaVersion !== undefined) out.schemaVersion = message.schemaVersion;
  if (message.eventTime !== undefined) out.eventTime = message.eventTime;
  if (message.undecodable !== undefined) out.undecodable = message.undecodable;
  return out;
}

/**
 * The gatekeeper hands back the SourceMessage; the full id (batch size included) and the consumer that
 * received it ride on it as two symbol fields, set on every message alike (one shape for all topics).
 * A WeakMap entry per message cost an ephemeron for the garbage collector to trace.
 */
const kId = Symbol('pulsar message id');
const kReceivedBy = Symbol('received by');
type Carrying = SourceMessage & { [kId]?: MessageId; [kReceivedBy]?: Consumer };

function topicConsumer(topic: string, consumer: Consumer): TopicConsumer {
  const idOf = (message: SourceMessage): MessageId => {
    const carrying = message as Carrying;
    const id = carrying[kReceivedBy] === consumer ? carrying[kId] : undefined;
    if (!id) throw new DagpactError('INTERNAL', `message ${message.messageId} was not received by this consumer of ${topic}`);
    return id;
  };
  return {
    topic,
    async receive() {
      const message = await consumer.receive();
      if (!message) return undefined;
      const source = toSourceMessage(message) as Carrying;
      source[kId] = message.messageId;
      source[kReceivedBy] = consumer;
      return source;
    },
    async ack(message) {
      await consumer.ack(idOf(message));
    },
    nack(message) {
      consumer.nack(idOf(message));
    },
    close: () => consumer.close(),
  };
}

export async function openPulsarTransport(args: { serviceUrl: string; token?: ClientOptions['token']; log: Logger }): Promise<PulsarTransport> {
  const client = new PulsarClient({ serviceUrl: args.serviceUrl, token: args.token, log: args.log });
  // Fail fast on a wrong URL or token instead of at the first subscription.
  try {
    await client.serviceConnection();
  } catch (error) {
    await client.close();
    throw translate(error, `connecting to Pulsar at ${args.serviceUrl}`);
  }

  const consumers: ConsumerFactory = {
    async subscribe({ topic, subscription }) {
      try {
        const consumer = await client.subscribe({ topic, subscription, subscriptionType: 'Shared', initialPosition: 'earliest' });
        return topicConsumer(topic, consumer);
      } catch (error) {
        throw translate(error, `subscribing ${subscription} to ${topic}`);
      }
    },
  };

  // One producer per (topic, declared schema): a trigger topic whose contract changed gets a producer
  // declaring the new reader schema, which the broker checks under the topic's compatibility policy.
  // Found per message by the topic and a digest of the schema (a string computed once per schema object,
  // so no key is built per send), and used without waiting once it is open. Equal schemas in different
  // objects (a refreshed cache) share a producer.
  interface Slot { producer: Promise<Producer>; open?: Producer }
  const producers = new Map<string, Map<string, Slot>>();
  const schemaKeys = new WeakMap<TriggerSchema, string>();
  const schemaKeyOf = (schema: TriggerSchema | undefined): string => {
    if (!schema) return '';
    let key = schemaKeys.get(schema);
    if (key === undefined) schemaKeys.set(schema, (key = createHash('sha256').update(`${schema.type}\n${schema.definition}`).digest('hex').slice(0, 32)));
    return key;
  };
  const slotFor = (topic: string, schema: TriggerSchema | undefined): Slot => {
    let byTopic = producers.get(topic);
    if (!byTopic) { byTopic = new Map(); producers.set(topic, byTopic); }
    const schemaKey = schemaKeyOf(schema);
    let slot = byTopic.get(schemaKey);
    if (!slot) {
      const created: Slot = { producer: client.createProducer({ topic, ...(schema ? { schema: { type: schema.type, data: schema.definition } } : {}) }) };
      created.producer.then((p) => { created.open = p; }, () => { if (byTopic.get(schemaKey) === created) byTopic.delete(schemaKey); });
      byTopic.set(schemaKey, created);
      slot = created;
    }
    return slot;
  };
  const publisher: Publisher = {
    async send(topic: string, message: OutgoingMessage) {
      let producer: Producer | undefined;
      const slot = slotFor(topic, message.schema);
      try {
        producer = slot.open ?? await slot.producer;
        const id = await producer.send({ payload: message.payload, properties: message.properties, key: message.key, eventTime: message.eventTime });
        return { messageId: messageIdToString(id) };
      } catch (error) {
        // A producer that failed for good (closed, fenced, schema refused) is replaced on the next send.
        if (producer && error instanceof PulsarClientError && !error.retriable) {
          const byTopic = producers.get(topic);
          const schemaKey = schemaKeyOf(message.schema);
          if (byTopic?.get(schemaKey) === slot) byTopic.delete(schemaKey);
          void producer.close().catch(() => undefined);
        }
        throw translate(error, `publishing to ${topic}`);
      }
    },
    async close() {
      const all = [...producers.values()].flatMap((byTopic) => [...byTopic.values()]);
      producers.clear();
      await Promise.allSettled(all.map(async (slot) => (await slot.producer).close()));
    },
  };

  const brokerSchemas: BrokerSchemaSource = {
    async getSchema(topic, version) {
      try {
        const info = await client.getSchema(topic, version);
        return info ? { type: info.type, data: info.data.toString('utf8') } : undefined;
      } catch (error) {
        throw translate(error, `reading the schema of ${topic} from the broker`);
      }
    },
  };

  return {
    consumers,
    publisher,
    brokerSchemas,
    async close() {
      await publisher.close();
      await client.close();
    },
  };
}
