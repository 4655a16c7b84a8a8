// The per-partition producer. PartitionProducer owns one topic (or one partition): it registers with
// the broker (with an optional schema), numbers messages with sequence ids, keeps every unacknowledged
// message until its SEND_RECEIPT, and after a disconnect re-creates itself and resends the pending
// messages in order. The router over partitions is Producer (producer.ts).
import type { Connection, ProducerHandler } from './connection.js';
import { Backoff, sleep } from './backoff.js';
import { compress, compressionValue } from './compression.js';
import { encodeBatch, type BatchItem } from './batch.js';
import { encodeSendFrame, type OutgoingMetadata } from './wire.js';
import { messageIdFromData } from './message-id.js';
import { CommandType, keyValues, long, SchemaTypeValue, u64, type Decoded } from './proto.js';
import { PulsarClientError, type MessageId, type OutgoingMessage, type ProducerOptions } from './types.js';
import type { PulsarClient } from './client.js';

interface Callback { resolve(id: MessageId): void; reject(err: Error): void }

/** One entry awaiting its receipt: a single message, or a batch (one callback per message). */
interface PendingSend {
  sequenceId: bigint;
  metadata: OutgoingMetadata;
  payload: Buffer;
  callbacks: Callback[];
  deadline: number;
}

/** Messages collected for the next batch entry. */
interface OpenBatch {
  items: BatchItem[];
  callbacks: Callback[];
  bytes: number;
  firstSequenceId: bigint;
  deadline: number;
}

type State = 'connecting' | 'ready' | 'closing' | 'closed' | 'failed';

export function schemaCommand(schema: NonNullable<ProducerOptions['schema']>, topic: string): Decoded {
  const typeName = schema.type.toUpperCase();
  const key = Object.keys(SchemaTypeValue).find((k) => k.toUpperCase() === typeName);
  if (key === undefined) throw new PulsarClientError('INVALID_ARGUMENT', `unknown Pulsar schema type "${schema.type}"`);
  return {
    name: schema.name ?? topic,
    schema_data: typeof schema.data === 'string' ? Buffer.from(schema.data) : Buffer.from(schema.data ?? new Uint8Array()),
    type: SchemaTypeValue[key],
    properties: keyValues(schema.properties),
  };
}

export class PartitionProducer implements ProducerHandler {
  private conn: Connection | undefined;
  private state: State = 'connecting';
  private readonly pending: PendingSend[] = [];
  private nextSequenceId = 0n;
  private epoch = 0;
  private readonly backoff = new Backoff();
  private readonly stop = new AbortController();
  private timeoutTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  producerName: string | undefined;
  schemaVersion: Uint8Array | undefined;

  constructor(private readonly client: PulsarClient, readonly topic: string, readonly partition: number,
    private readonly options: ProducerOptions, private readonly id: bigint) {}

  private batch: OpenBatch | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  /** Messages (not entries) sent or batched and not yet confirmed. */
  private pendingMessages = 0;

  get pendingCount(): number { return this.pendingMessages; }

  private get batching(): boolean { return (this.options.batchingMaxMessages ?? 1) > 1; }

  /** First registration: errors (incompatible schema, auth, ...) go to the caller. */
  async start(): Promise<void> {
    await this.register();
  }

  private async register(): Promise<void> {
    const address = await this.client.lookup(this.topic);
    const conn = await this.client.connectionTo(address);
    const requestId = conn.newRequestId();
    const producer: Decoded = { topic: this.topic, producer_id: long(this.id), request_id: long(requestId), epoch: long(this.epoch) };
    const name = this.options.producerName ?? this.producerName;
    if (name) { producer.producer_name = name; producer.user_provided_producer_name = this.options.producerName !== undefined; }
    if (this.options.schema) producer.schema = schemaCommand(this.options.schema, this.topic);
    conn.registerProducer(this.id, this);
    let answer: Decoded;
    try {
      answer = await conn.request({ type: CommandType.PRODUCER, producer }, requestId, `creating a producer on ${this.topic}`);
    } catch (err) {
      conn.unregisterProducer(this.id);
      throw err;
    }
    if (this.state === 'closing' || this.state === 'closed') {
      // close() ran while this registration was in flight: undo it on the broker too.
      conn.unregisterProducer(this.id);
      const closeId = conn.newRequestId();
      void conn.request({ type: CommandType.CLOSE_PRODUCER, close_producer: { producer_id: long(this.id), request_id: long(closeId) } },
        closeId, `closing producer on ${this.topic}`).catch(() => undefined);
      return;
    }
    if (conn.closed) throw new PulsarClientError('CONNECTION_CLOSED', `connection to ${this.topic}'s broker closed while creating the producer`);
    const ok = answer.producer_success as Decoded;
    this.producerName = ok.producer_name as string;
    if (ok.schema_version && (ok.schema_version as Uint8Array).length > 0) this.schemaVersion = new Uint8Array(ok.schema_version as Uint8Array);
    this.conn = conn;
    this.state = 'ready';
    this.backoff.reset();
    // Resend in order what the previous connection left unacknowledged.
    for (const p of this.pending) this.write(p);
  }

  onDisconnect(reason: string): void {
    if (this.state !== 'ready') return;
    this.state = 'connecting';
    this.conn = undefined;
    this.client.log.warn({ topic: this.topic, reason, pending: this.pending.length }, 'pulsar producer disconnected; reconnecting');
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    while (this.state === 'connecting' && !this.client.isClosed) {
      if (!(await sleep(this.backoff.next(), this.stop.signal))) return;
      this.epoch++;
      try {
        await this.register();
        this.client.log.info({ topic: this.topic, resent: this.pending.length }, 'pulsar producer reconnected');
        return;
      } catch (err) {
        const e = err as PulsarClientError;
        this.client.log.warn({ topic: this.topic, err: e.message }, 'pulsar producer reconnect failed');
        if (e instanceof PulsarClientError && !e.retriable) {
          this.fail(e);
          return;
        }
      }
    }
  }

  private fail(err: Error): void {
    this.state = 'failed';
    this.failure = err;
    this.rejectAll(err);
    this.clearTimer();
    this.onDrained?.();
  }

  private rejectAll(err: Error): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const open = this.batch;
    this.batch = undefined;
    for (const c of open?.callbacks ?? []) c.reject(err);
    for (const p of this.pending.splice(0)) for (const c of p.callbacks) c.reject(err);
    this.pendingMessages = 0;
  }

  send(message: OutgoingMessage): Promise<MessageId> {
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new PulsarClientError('PRODUCER_CLOSED', `producer on ${this.topic} is closed`));
    if (this.state === 'failed') return Promise.reject(this.failure!);
    const payload = typeof message.payload === 'string' ? Buffer.from(message.payload) : Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength);
    const eventTime = message.eventTime === undefined ? undefined : typeof message.eventTime === 'number' ? message.eventTime : message.eventTime.getTime();
    const maxSize = this.conn?.maxMessageSize ?? 5 * 1024 * 1024;
    if (payload.length > maxSize) {
      return Promise.reject(new PulsarClientError('INVALID_ARGUMENT', `message of ${payload.length} bytes exceeds the broker's max message size (${maxSize})`));
    }
    const timeout = this.options.sendTimeoutMs ?? 30_000;
    const deadline = timeout > 0 ? Date.now() + timeout : Infinity;
    if (this.batching) return this.addToBatch({ payload, properties: message.properties ?? {}, key: message.key, eventTime }, deadline);

    const sequenceId = this.nextSequenceId++;
    const metadata: OutgoingMetadata = { producerName: '', sequenceId, publishTime: Date.now(), properties: message.properties };
    if (message.key !== undefined) metadata.partitionKey = message.key;
    if (eventTime !== undefined) metadata.eventTime = eventTime;
    return new Promise<MessageId>((resolve, reject) => {
      this.pendingMessages++;
      this.enqueue({ sequenceId, metadata, payload: this.compressInto(metadata, payload), callbacks: [{ resolve, reject }], deadline });
    });
  }

  private compressInto(metadata: OutgoingMetadata, payload: Buffer): Buffer {
    const compression = this.options.compression ?? 'NONE';
    if (compression === 'NONE') return payload;
    metadata.compression = compressionValue(compression);
    metadata.uncompressedSize = payload.length;
    return compress(compression, payload);
  }

  private enqueue(p: PendingSend): void {
    this.pending.push(p);
    if (this.state === 'ready') this.write(p);
    this.armTimer();
  }

  private addToBatch(item: BatchItem, deadline: number): Promise<MessageId> {
    return new Promise<MessageId>((resolve, reject) => {
      const maxBytes = this.options.batchingMaxBytes ?? 128 * 1024;
      if (this.batch && this.batch.bytes + item.payload.length > maxBytes) this.flushBatch();
      if (!this.batch) {
        this.batch = { items: [], callbacks: [], bytes: 0, firstSequenceId: this.nextSequenceId, deadline };
        this.batchTimer = setTimeout(() => this.flushBatch(), this.options.batchingMaxDelayMs ?? 10);
      }
      item.sequenceId = this.nextSequenceId++;
      this.batch.items.push(item);
      this.batch.callbacks.push({ resolve, reject });
      this.batch.bytes += item.payload.length;
      this.pendingMessages++;
      if (this.batch.items.length >= (this.options.batchingMaxMessages ?? 1)) this.flushBatch();
    });
  }

  /** Closes the open batch into one entry (num_messages_in_batch = n) and sends it. */
  flushBatch(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const batch = this.batch;
    this.batch = undefined;
    if (!batch || batch.items.length === 0) return;
    const n = batch.items.length;
    const metadata: OutgoingMetadata = {
      producerName: '', sequenceId: batch.firstSequenceId, publishTime: Date.now(),
      numMessagesInBatch: n, highestSequenceId: batch.firstSequenceId + BigInt(n - 1),
    };
    const payload = this.compressInto(metadata, encodeBatch(batch.items));
    // Its messages were counted in pendingMessages when they joined the batch.
    this.enqueue({ sequenceId: batch.firstSequenceId, metadata, payload, callbacks: batch.callbacks, deadline: batch.deadline });
  }

  private write(p: PendingSend): void {
    if (!this.conn) return;
    p.metadata.producerName = this.producerName ?? '';
    if (this.schemaVersion) p.metadata.schemaVersion = this.schemaVersion;
    const n = p.callbacks.length;
    this.conn.sendFrame(encodeSendFrame({ producerId: this.id, sequenceId: p.metadata.sequenceId, numMessages: n,
      ...(n > 1 ? { highestSequenceId: p.metadata.highestSequenceId } : {}) }, p.metadata, p.payload));
  }

  onSendReceipt(receipt: Decoded): void {
    const seq = u64(receipt.sequence_id);
    const head = this.pending[0];
    if (!head || seq < head.sequenceId) return; // a duplicate receipt after a resend
    if (seq > head.sequenceId) {
      // Receipts come in order; a gap means the broker lost track: reconnect and resend.
      this.client.log.warn({ topic: this.topic, got: seq.toString(), expected: head.sequenceId.toString() }, 'pulsar: out-of-order send receipt');
      this.conn?.close('out-of-order send receipt');
      return;
    }
    this.pending.shift();
    this.pendingMessages -= head.callbacks.length;
    const idData = receipt.message_id ?? { ledgerId: 0, entryId: 0 };
    if (head.callbacks.length === 1 && !this.batching) head.callbacks[0]!.resolve(messageIdFromData(idData, this.partition));
    else head.callbacks.forEach((c, i) => c.resolve(messageIdFromData(idData, this.partition, i, head.callbacks.length)));
    if (this.pending.length === 0 && !this.batch) {
      this.clearTimer();
      for (const w of this.drainWaiters.splice(0)) w();
    }
    this.onDrained?.();
  }

  onSendError(error: Decoded): void {
    // The broker closes the producer after a send error; the reconnect resends what is pending.
    this.client.log.warn({ topic: this.topic, error: error.message }, 'pulsar: send error; reconnecting');
    this.conn?.close(`send error: ${error.message as string}`);
  }

  /** Called whenever a receipt frees a slot (the partitioned producer wakes blocked senders). */
  onDrained: (() => void) | undefined;

  private armTimer(): void {
    if (this.timeoutTimer || (this.options.sendTimeoutMs ?? 30_000) <= 0) return;
    this.timeoutTimer = setInterval(() => {
      const now = Date.now();
      while (this.pending.length > 0 && this.pending[0]!.deadline <= now) {
        const expired = this.pending.shift()!;
        this.pendingMessages -= expired.callbacks.length;
        const err = new PulsarClientError('TIMEOUT', `send to ${this.topic} got no receipt within ${this.options.sendTimeoutMs ?? 30_000} ms`);
        for (const c of expired.callbacks) c.reject(err);
        this.onDrained?.();
      }
      if (this.pending.length === 0) this.clearTimer();
    }, 500);
    this.timeoutTimer.unref();
  }

  private clearTimer(): void {
    if (this.timeoutTimer) clearInterval(this.timeoutTimer);
    this.timeoutTimer = undefined;
  }

  private readonly drainWaiters: (() => void)[] = [];

  /** Waits (bounded by the send timeout, at most 30 s) for pending receipts, then closes on the broker. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.flushBatch();
    if (this.state === 'ready' && this.pending.length > 0) {
      const limit = Math.min(this.options.sendTimeoutMs || 30_000, 30_000);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.drainWaiters.push(resolve)),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, limit); }),
      ]);
      clearTimeout(timer);
    }
    if ((this.state as State) === 'closed') return; // a concurrent close() finished first
    const wasReady = this.state === 'ready';
    this.state = 'closing';
    this.stop.abort();
    this.clearTimer();
    const conn = this.conn;
    if (conn && wasReady && !conn.closed) {
      conn.unregisterProducer(this.id);
      const requestId = conn.newRequestId();
      await conn.request({ type: CommandType.CLOSE_PRODUCER, close_producer: { producer_id: long(this.id), request_id: long(requestId) } },
        requestId, `closing producer on ${this.topic}`).catch(() => undefined);
    }
    this.rejectAll(new PulsarClientError('PRODUCER_CLOSED', `producer on ${this.topic} closed before the broker confirmed the message`));
    this.state = 'closed';
  }
}
