// The client: owns the connection pool, resolves which broker serves a topic (LOOKUP with redirects,
// through a proxy when the broker says so), reads partition counts and schemas, and creates producers
// and consumers. Every producer and consumer is tracked so close() leaves no socket or timer behind.
import pino, { type Logger } from 'pino';
import { fullName, readTopicName } from '../core/pulsar-names.js';
import { Connection, ConnectionPool, parseServiceUrl } from './connection.js';
import { CommandType, has, long, propertiesOf, SchemaTypeName, ServerErrorName, type Decoded } from './proto.js';
import { PulsarClientError, serverError, type ClientOptions, type ConsumerOptions, type ProducerOptions, type SchemaInfo } from './types.js';
import { Producer } from './producer.js';
import { Consumer } from './consumer.js';

const MAX_REDIRECTS = 20;

/** A topic name in full, by the one rule set (core/pulsar-names.ts); INVALID_ARGUMENT when it is not one. */
export function fullTopicName(topic: string): string {
  const read = readTopicName(topic);
  if ('problem' in read) throw new PulsarClientError('INVALID_ARGUMENT', `not a topic name: ${read.problem}`);
  return fullName(read);
}

export function partitionTopic(topic: string, index: number): string {
  return `${topic}-partition-${index}`;
}

export interface BrokerAddress {
  logicalUrl: string;
  physicalUrl: string;
}

export class PulsarClient {
  readonly log: Logger;
  readonly options: Required<Pick<ClientOptions, 'operationTimeoutMs' | 'connectionTimeoutMs' | 'keepAliveIntervalMs'>> & ClientOptions;
  private readonly pool: ConnectionPool;
  private readonly secure: boolean;
  private nextProducerId = 1n;
  private nextConsumerId = 1n;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(options: ClientOptions) {
    this.secure = parseServiceUrl(options.serviceUrl).tls;
    this.options = { operationTimeoutMs: 30_000, connectionTimeoutMs: 10_000, keepAliveIntervalMs: 30_000, ...options };
    this.log = options.log ?? pino({ level: 'silent' });
    const token = options.token;
    this.pool = new ConnectionPool({
      token: token === undefined ? undefined : async () => (typeof token === 'function' ? token() : token),
      tls: options.tls,
      operationTimeoutMs: this.options.operationTimeoutMs,
      connectionTimeoutMs: this.options.connectionTimeoutMs,
      keepAliveIntervalMs: this.options.keepAliveIntervalMs,
      log: this.log,
    });
  }

  get isClosed(): boolean { return this.closed; }

  private ensureOpen(): void {
    if (this.closed) throw new PulsarClientError('CLIENT_CLOSED', 'the Pulsar client is closed');
  }

  /** A connection to the service URL (for lookups, metadata and schemas). */
  serviceConnection(): Promise<Connection> {
    this.ensureOpen();
    return this.pool.get(this.options.serviceUrl);
  }

  connectionTo(address: BrokerAddress): Promise<Connection> {
    this.ensureOpen();
    return this.pool.get(address.logicalUrl, address.physicalUrl);
  }

  /** Which broker owns the topic: follows Redirect answers, honours proxy_through_service_url. */
  async lookup(topic: string): Promise<BrokerAddress> {
    let conn = await this.serviceConnection();
    let authoritative = false;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      const requestId = conn.newRequestId();
      const answer = await conn.request({ type: CommandType.LOOKUP,
        lookupTopic: { topic, request_id: long(requestId), authoritative } }, requestId, `lookup of ${topic}`);
      const r = answer.lookupTopicResponse as Decoded;
      const url = (this.secure ? r.brokerServiceUrlTls : r.brokerServiceUrl) as string;
      if ((r.response === 0 || r.response === 1) && !url && !r.proxy_through_service_url) {
        // Never fall back from TLS to plain text because a broker advertises no TLS endpoint.
        throw new PulsarClientError('LOOKUP_FAILED', `lookup of ${topic}: the broker advertises no ${this.secure ? 'TLS (pulsar+ssl) ' : ''}service URL`, { retriable: false });
      }
      switch (r.response as number) {
        case 1: // Connect
          return r.proxy_through_service_url ? { logicalUrl: url || this.options.serviceUrl, physicalUrl: this.options.serviceUrl } : { logicalUrl: url, physicalUrl: url };
        case 0: { // Redirect
          authoritative = Boolean(r.authoritative);
          const next = r.proxy_through_service_url ? { logicalUrl: url || this.options.serviceUrl, physicalUrl: this.options.serviceUrl } : { logicalUrl: url, physicalUrl: url };
          conn = await this.connectionTo(next);
          continue;
        }
        default: {
          const name = ServerErrorName[r.error as number] ?? 'UnknownError';
          const err = serverError(name, (r.message as string) ?? '', `lookup of ${topic}`);
          throw err.code === 'BROKER_ERROR' && err.retriable ? new PulsarClientError('LOOKUP_FAILED', err.message, { serverError: name }) : err;
        }
      }
    }
    throw new PulsarClientError('LOOKUP_FAILED', `lookup of ${topic}: more than ${MAX_REDIRECTS} redirects`);
  }

  /** Number of partitions (0 for a non-partitioned topic). */
  async partitions(topic: string): Promise<number> {
    const conn = await this.serviceConnection();
    const requestId = conn.newRequestId();
    const answer = await conn.request({ type: CommandType.PARTITIONED_METADATA,
      partitionMetadata: { topic: fullTopicName(topic), request_id: long(requestId) } }, requestId, `partition metadata of ${topic}`);
    const r = answer.partitionMetadataResponse as Decoded;
    if (r.response === 1) {
      throw serverError(ServerErrorName[r.error as number] ?? 'UnknownError', (r.message as string) ?? '', `partition metadata of ${topic}`);
    }
    return (r.partitions as number) ?? 0;
  }

  /** The topic's schema (latest, or the given version: raw bytes or a number); undefined when it has none. */
  async getSchema(topic: string, version?: Uint8Array | number | bigint): Promise<SchemaInfo | undefined> {
    const conn = await this.serviceConnection();
    const requestId = conn.newRequestId();
    const getSchema: Decoded = { request_id: long(requestId), topic: fullTopicName(topic) };
    if (version !== undefined) getSchema.schema_version = typeof version === 'object' ? Buffer.from(version) : schemaVersionBytes(version);
    const answer = await conn.request({ type: CommandType.GET_SCHEMA, getSchema }, requestId, `schema of ${topic}`);
    const r = answer.getSchemaResponse as Decoded;
    if (has(r, 'error_code')) {
      const name = ServerErrorName[r.error_code as number] ?? 'UnknownError';
      if (name === 'TopicNotFound') return undefined;
      throw serverError(name, (r.error_message as string) ?? '', `schema of ${topic}`);
    }
    if (!has(r, 'schema')) return undefined;
    const s = r.schema as Decoded;
    return {
      type: (SchemaTypeName[s.type as number] ?? String(s.type)).toUpperCase(),
      name: s.name as string,
      data: Buffer.from(s.schema_data as Uint8Array),
      properties: propertiesOf(s.properties),
      version: has(r, 'schema_version') ? new Uint8Array(r.schema_version as Uint8Array) : undefined,
    };
  }

  async createProducer(options: ProducerOptions): Promise<Producer> {
    this.ensureOpen();
    const producer = new Producer(this, { ...options, topic: fullTopicName(options.topic) });
    this.producers.add(producer);
    try {
      await producer.start();
    } catch (err) {
      this.producers.delete(producer);
      await producer.close().catch(() => undefined);
      throw err;
    }
    return producer;
  }

  async subscribe(options: ConsumerOptions): Promise<Consumer> {
    this.ensureOpen();
    const consumer = new Consumer(this, { ...options, topic: fullTopicName(options.topic) });
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (err) {
      this.consumers.delete(consumer);
      await consumer.close().catch(() => undefined);
      throw err;
    }
    return consumer;
  }

  /** @internal */
  newProducerId(): bigint { return this.nextProducerId++; }
  /** @internal */
  newConsumerId(): bigint { return this.nextConsumerId++; }
  /** @internal */
  forgetProducer(p: Producer): void { this.producers.delete(p); }
  /** @internal */
  forgetConsumer(c: Consumer): void { this.consumers.delete(c); }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.producers].map((p) => p.close()));
    await Promise.allSettled([...this.consumers].map((c) => c.close()));
    await this.pool.close();
  }
}

/** Pulsar's registry versions travel as an 8-byte big-endian long. */
export function schemaVersionBytes(version: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(version));
  return b;
}

/** The registry version number behind schema_version bytes (8-byte big-endian), or undefined. */
export function schemaVersionNumber(bytes: Uint8Array | undefined): bigint | undefined {
  if (!bytes || bytes.length !== 8) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigInt64BE(0);
}
