// The narrow interfaces the gatekeeper needs from the outside world. The Pulsar binary-protocol
// client (src/pulsar/) and the contracts service (src/core/contracts/) satisfy them through the small
// adapters in ./adapters/; tests can satisfy them directly.
import type { SchemaFormat } from '../core/formats/types.js';

export type { MismatchPolicy, Route, RoutingSource, RoutingTable } from '../core/gatekeeper/routes.js';

/** A message as received from a source topic. */
export interface SourceMessage {
  topic: string;
  /** Pulsar's message id rendered as text (ledger:entry:partition:batch). */
  messageId: string;
  payload: Uint8Array;
  properties: Record<string, string>;
  key?: string;
  /** Pulsar's per-message schema version (opaque bytes; 8-byte big-endian long on the broker). */
  schemaVersion?: Uint8Array;
  redeliveryCount: number;
  publishTime?: Date;
  eventTime?: Date;
  /** Set when the client could not unpack the entry (a chunk, a corrupt compressed payload): why. `payload` is then the raw entry. */
  undecodable?: string;
}

/** A schema as the broker's own registry holds it (GET_SCHEMA). */
export interface BrokerSchema {
  /** Pulsar's schema type: AVRO, JSON, PROTOBUF, STRING, ... */
  type: string;
  /** The schema definition text. */
  data: string;
}

export interface BrokerSchemaSource {
  /** The schema behind a topic's schema version; undefined when the broker has none. Throws retriable errors. */
  getSchema(topic: string, version: Uint8Array): Promise<BrokerSchema | undefined>;
}

/** A Pulsar schema a producer declares (the broker registers it on the topic). */
export interface TriggerSchema {
  type: 'AVRO';
  definition: string;
}

/** What a forward, quarantine or dead-letter publish sends. */
export interface OutgoingMessage {
  payload: Uint8Array;
  properties: Record<string, string>;
  key?: string;
  eventTime?: Date;
  /** The schema the topic's producer declares; absent = no schema (bytes). */
  schema?: TriggerSchema;
}

/** Publishes to any topic and resolves once the broker has persisted the message (send receipt). */
export interface Publisher {
  send(topic: string, message: OutgoingMessage): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

/** One subscription on one topic. */
export interface TopicConsumer {
  readonly topic: string;
  /** Next message; undefined once the consumer is closed. */
  receive(): Promise<SourceMessage | undefined>;
  ack(message: SourceMessage): Promise<void>;
  /** Negative acknowledgement: the broker redelivers the message later, counting the redelivery. */
  nack(message: SourceMessage): void;
  close(): Promise<void>;
}

export interface ConsumerFactory {
  subscribe(args: { topic: string; subscription: string }): Promise<TopicConsumer>;
}

/** A writer schema the registry knows. */
export interface KnownWriter {
  schemaId: number;
  format: SchemaFormat;
}
