// The narrow interfaces the gatekeeper needs from the outside world. The Pulsar binary-protocol
// client (src/pulsar/) and the contracts service (src/core/contracts/) satisfy them through the small
// adapters in ./adapters/; tests can satisfy them directly.
import type { SchemaFormat } from '../core/formats/types.js';

export type MismatchPolicy = 'quarantine' | 'reject';

/** One (topic → DAG) binding of a DAG version active in the environment: who reads what. */
export interface Route {
  topic: string;
  dagId: string;
  dagVersion: string;
  dagVersionId: number;
  subject: string;
  subjectVersion: number;
  /** The reader schema: the registry id the contract names for this topic. */
  schemaId: number;
  onMismatch: MismatchPolicy;
  /** The binding's trigger topic; null → the configured pattern. */
  triggerTopic: string | null;
  /** The binding's forward target from its manifest; undefined → the gatekeeper's DAGPACT_FORWARD_TO / DAGPACT_AIRFLOW_DAGS. */
  forwardTo?: 'topic' | 'airflow';
  /** The DAG version's `airflow_version_number` from its manifest, when it gave one (provenance in a DAG run's conf). */
  airflowVersionNumber?: number | null;
  /** The DAG version's contract hash (what a DAG file declares with its `dagpact-contract:<hash>` tag). */
  contractHash?: string;
}

export interface RoutingTable {
  routes: Route[];
  /** Changes whenever a deployment changes the table (lets callers skip re-subscribing). */
  marker: string;
}

export interface RoutingSource {
  routingTable(args: { environment: string }): Promise<RoutingTable>;
}

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
