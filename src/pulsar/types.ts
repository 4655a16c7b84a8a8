// The public types of dagpact's Pulsar client: options, messages, ids and the one error class.
import type { Logger } from 'pino';

export type CompressionType = 'NONE' | 'LZ4' | 'ZLIB' | 'ZSTD' | 'SNAPPY';
export type SubscriptionType = 'Exclusive' | 'Shared' | 'Failover' | 'KeyShared';
export type InitialPosition = 'latest' | 'earliest';

export interface ClientOptions {
  /** pulsar://host:port or pulsar+ssl://host:port */
  serviceUrl: string;
  /** JWT for token authentication (auth_method_name "token"). A function is called on each connect. */
  token?: string | (() => string | Promise<string>);
  /** Extra options for TLS connections (CA, client certificate, rejectUnauthorized, ...). */
  tls?: import('node:tls').ConnectionOptions;
  /** Timeout of every request to the broker (lookup, producer, subscribe, ...). Default 30 s. */
  operationTimeoutMs?: number;
  /** Timeout of the TCP/TLS connect plus handshake. Default 10 s. */
  connectionTimeoutMs?: number;
  /** Interval of keep-alive PINGs; a connection with no traffic for twice this long is closed. Default 30 s. */
  keepAliveIntervalMs?: number;
  log?: Logger;
}

export interface ProducerSchema {
  type: 'AVRO' | 'JSON' | 'PROTOBUF' | 'STRING' | 'BYTES' | 'NONE' | string;
  /** Schema definition (Avro/JSON schema text). */
  data?: string | Uint8Array;
  name?: string;
  properties?: Record<string, string>;
}

export interface ProducerOptions {
  topic: string;
  producerName?: string;
  schema?: ProducerSchema;
  compression?: CompressionType;
  /** Maximum messages awaiting their receipt; send() waits beyond it. Default 1000. */
  maxPendingMessages?: number;
  /** Timeout of one send (from enqueue to receipt), 0 = none. Default 30 s. */
  sendTimeoutMs?: number;
  /**
   * Partitioned topics: a message with a key goes to murmur3(key) % partitions (as Pulsar's Java client
   * does); without a key, 'round-robin' (default) spreads messages over partitions, 'single-partition'
   * picks one partition at random for the producer's lifetime.
   */
  routing?: 'round-robin' | 'single-partition';
  /**
   * Batching: up to this many messages share one entry (1 = off, the default). Messages of a batch
   * are not routed by key inside the entry, so do not batch for Key_Shared consumers.
   */
  batchingMaxMessages?: number;
  /** A partial batch is sent after this delay. Default 10 ms. */
  batchingMaxDelayMs?: number;
  /** A batch is sent before its payloads exceed this size. Default 128 KiB. */
  batchingMaxBytes?: number;
}

export interface OutgoingMessage {
  /** Not copied: do not modify it until the send resolves (a resend after a reconnect reads it again). */
  payload: Uint8Array | string;
  /** Encoded on each (re)send: do not modify the object until the send resolves. */
  properties?: Record<string, string>;
  key?: string;
  eventTime?: Date | number;
}

export interface MessageId {
  ledgerId: bigint;
  entryId: bigint;
  partition: number;
  /** -1 when the message was not part of a batch. */
  batchIndex: number;
  /** Number of messages in the batch (0 when not batched). */
  batchSize: number;
}

export interface Message {
  topic: string;
  messageId: MessageId;
  payload: Buffer;
  properties: Record<string, string>;
  key?: string;
  publishTime: Date;
  eventTime?: Date;
  redeliveryCount: number;
  /** The raw MessageMetadata.schema_version bytes (8-byte big-endian long on Pulsar's registry). */
  schemaVersion?: Uint8Array;
  producerName: string;
  sequenceId: bigint;
  /**
   * Set when the entry could not be unpacked (a chunk of a chunked message, an unknown compression, a
   * payload that does not decompress, a corrupt batch): why, in one sentence. The message is then the whole
   * entry as stored (`payload` raw, possibly compressed or batched; `messageId` without a batch index;
   * properties from its metadata), so that acknowledging it settles the entry and nothing is dropped unseen.
   */
  undecodable?: string;
}

export interface ConsumerOptions {
  topic: string;
  subscription: string;
  subscriptionType?: SubscriptionType;
  initialPosition?: InitialPosition;
  consumerName?: string;
  /** Prefetch queue size (FLOW permits); refilled when half is consumed. Default 1000. */
  receiverQueueSize?: number;
  /** Delay before a negatively acknowledged message is redelivered. Default 1 s. */
  negativeAckRedeliveryDelayMs?: number;
  /**
   * Acknowledge single indexes of a batch on the broker with ack_set. Only when the broker runs with
   * acknowledgmentAtBatchIndexLevelEnabled=true; otherwise the client acks the entry once every index is acked.
   */
  batchIndexAck?: boolean;
  /**
   * Acknowledgements are grouped for this long (ms) and sent as one ACK command, as the C++ and Java
   * clients do; 0 sends each at once. Grouped acks are written before a close, a redelivery request
   * and, after a reconnect, before new permits. Default 100.
   */
  ackGroupingTimeMs?: number;
  /** A group of this many acks is sent without waiting for the window. Default 1000. */
  ackGroupingMaxSize?: number;
}

export interface SchemaInfo {
  /** AVRO, JSON, PROTOBUF, STRING, ... */
  type: string;
  name: string;
  data: Buffer;
  properties: Record<string, string>;
  /** The version the broker answered with (raw bytes). */
  version?: Uint8Array;
}

export type PulsarErrorCode =
  | 'CONNECTION_FAILED'
  | 'CONNECTION_CLOSED'
  | 'PROTOCOL_ERROR'
  | 'TIMEOUT'
  | 'AUTHENTICATION_FAILED'
  | 'AUTHORIZATION_FAILED'
  | 'INCOMPATIBLE_SCHEMA'
  | 'TOPIC_NOT_FOUND'
  | 'LOOKUP_FAILED'
  | 'BROKER_ERROR'
  | 'PRODUCER_CLOSED'
  | 'CONSUMER_CLOSED'
  | 'CLIENT_CLOSED'
  | 'SEND_FAILED'
  | 'INVALID_ARGUMENT';

const RETRIABLE: ReadonlySet<PulsarErrorCode> = new Set([
  'CONNECTION_FAILED', 'CONNECTION_CLOSED', 'PROTOCOL_ERROR', 'TIMEOUT', 'LOOKUP_FAILED',
]);

/** Every failure of the client. `retriable` says whether repeating the operation later may succeed. */
export class PulsarClientError extends Error {
  readonly retriable: boolean;
  constructor(readonly code: PulsarErrorCode, message: string, options?: { retriable?: boolean; serverError?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PulsarClientError';
    this.retriable = options?.retriable ?? RETRIABLE.has(code);
    this.serverError = options?.serverError;
  }
  readonly serverError: string | undefined;
}

/** Maps a broker ServerError name to an error code and whether a retry (after reconnect) may help. */
export function serverError(name: string, message: string, what: string): PulsarClientError {
  const text = `${what}: ${name}: ${message}`;
  switch (name) {
    case 'AuthenticationError': return new PulsarClientError('AUTHENTICATION_FAILED', text, { serverError: name });
    case 'AuthorizationError': return new PulsarClientError('AUTHORIZATION_FAILED', text, { serverError: name });
    case 'IncompatibleSchema': return new PulsarClientError('INCOMPATIBLE_SCHEMA', text, { serverError: name });
    case 'TopicNotFound': return new PulsarClientError('TOPIC_NOT_FOUND', text, { serverError: name });
    case 'ServiceNotReady': case 'MetadataError': case 'PersistenceError': case 'TooManyRequests':
    case 'ProducerBusy': case 'ConsumerBusy': case 'UnknownError':
      return new PulsarClientError('BROKER_ERROR', text, { serverError: name, retriable: true });
    default: return new PulsarClientError('BROKER_ERROR', text, { serverError: name, retriable: false });
  }
}
