// The per-partition consumer. PartitionConsumer owns one subscription on one topic or partition:
// SUBSCRIBE, FLOW permits (the receiver queue, refilled once half of it is consumed), unbatching and
// decompression, individual/cumulative acks (batch-index aware), negative acks redelivered after a
// delay, and a re-subscribe after any disconnect (dropping its queued messages: the broker redelivers
// them). It hands what it receives to its Consumer (consumer.ts), which merges the partitions.
import type { Connection, ConsumerHandler } from './connection.js';
import { Backoff, sleep } from './backoff.js';
import { decodeBatch } from './batch.js';
import { compressionName, decompress } from './compression.js';
import { BatchAckState, entryKey, messageIdFromData, toMessageIdData, toOutgoingMessageId } from './message-id.js';
import { encodeAckFrame, type OutgoingMessageId } from './wire.js';
import { AckGroupingTracker } from './ack-grouping.js';
import { CommandType, has, long, propertiesOf, SubTypeValue, u64, type Decoded } from './proto.js';
import { PulsarClientError, type ConsumerOptions, type Message, type MessageId } from './types.js';
import type { PulsarClient } from './client.js';
import type { Consumer } from './consumer.js';

type State = 'connecting' | 'ready' | 'closed';

export class PartitionConsumer implements ConsumerHandler {
  private conn: Connection | undefined;
  private state: State = 'connecting';
  private permits = 0;
  private readonly batches = new Map<string, BatchAckState>();
  private readonly nacks = new Map<string, { id: MessageId; due: number }>();
  private nackTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff();
  private readonly stop = new AbortController();
  private readonly queueSize: number;
  private readonly acks: AckGroupingTracker;

  constructor(private readonly client: PulsarClient, private readonly parent: Consumer, readonly topic: string,
    readonly partition: number, private readonly options: ConsumerOptions, private readonly id: bigint) {
    this.queueSize = Math.max(1, options.receiverQueueSize ?? 1000);
    this.acks = new AckGroupingTracker((ackType, ids) => this.writeAck(ackType, ids), {
      timeMs: Math.max(0, options.ackGroupingTimeMs ?? 100), maxSize: Math.max(1, options.ackGroupingMaxSize ?? 1000),
    });
  }

  /** Acks written by neither a window nor a full group yet (kept across a reconnect). */
  get pendingAcks(): number { return this.acks.pending; }

  private get shared(): boolean {
    const t = this.options.subscriptionType ?? 'Exclusive';
    return t === 'Shared' || t === 'KeyShared';
  }

  async start(): Promise<void> {
    await this.subscribe();
  }

  private async subscribe(): Promise<void> {
    const address = await this.client.lookup(this.topic);
    const conn = await this.client.connectionTo(address);
    const requestId = conn.newRequestId();
    const type = this.options.subscriptionType ?? 'Exclusive';
    const subscribe: Decoded = {
      topic: this.topic, subscription: this.options.subscription, subType: SubTypeValue[type],
      consumer_id: long(this.id), request_id: long(requestId), consumer_name: this.parent.consumerName,
      durable: true, initialPosition: this.options.initialPosition === 'earliest' ? 1 : 0,
    };
    if (type === 'KeyShared') subscribe.keySharedMeta = { keySharedMode: 0 };
    conn.registerConsumer(this.id, this);
    try {
      await conn.request({ type: CommandType.SUBSCRIBE, subscribe }, requestId, `subscribing ${this.options.subscription} to ${this.topic}`);
    } catch (err) {
      conn.unregisterConsumer(this.id);
      throw err;
    }
    if (this.state === 'closed') {
      // close() ran while this subscription was in flight: undo it on the broker too.
      conn.unregisterConsumer(this.id);
      const closeId = conn.newRequestId();
      void conn.request({ type: CommandType.CLOSE_CONSUMER, close_consumer: { consumer_id: long(this.id), request_id: long(closeId) } },
        closeId, `closing consumer on ${this.topic}`).catch(() => undefined);
      return;
    }
    if (conn.closed) throw new PulsarClientError('CONNECTION_CLOSED', `connection closed while subscribing to ${this.topic}`);
    this.conn = conn;
    this.state = 'ready';
    this.backoff.reset();
    this.permits = 0;
    // Acks kept while disconnected go first: the broker applies them before it dispatches on FLOW, so
    // it does not redeliver to us what was already acknowledged.
    this.acks.flush();
    this.flow(this.queueSize);
  }

  private flow(n: number): void {
    if (n <= 0 || !this.conn) return;
    this.conn.sendCommand({ type: CommandType.FLOW, flow: { consumer_id: long(this.id), messagePermits: n } });
  }

  /** The application took n messages of this partition off the queue: return permits at half the queue. */
  consumed(n: number): void {
    this.permits += n;
    if (this.state === 'ready' && this.permits >= Math.max(1, Math.floor(this.queueSize / 2))) {
      this.flow(this.permits);
      this.permits = 0;
    }
  }

  onMessage(command: Decoded, metadata: Decoded, payload: Buffer): void {
    if (this.state !== 'ready') return;
    let messages: Message[];
    try {
      messages = this.unpack(command, metadata, payload);
    } catch (err) {
      // Delivered as one raw message saying why, so the application can hold it (the gatekeeper quarantines
      // it) and acknowledge it: dropping it here would leave it unacknowledged and unseen.
      const reason = (err as Error).message;
      this.client.log.warn({ topic: this.topic, reason }, 'pulsar: delivering an entry that cannot be unpacked as raw bytes');
      messages = [this.rawEntry(command, metadata, payload, reason)];
      // A batch took one permit per message in it; the raw entry gives back one when it is taken.
      const inBatch = has(metadata, 'num_messages_in_batch') ? (metadata.num_messages_in_batch as number) : 1;
      if (inBatch > 1) this.consumed(inBatch - 1);
    }
    this.parent.enqueue(messages, this);
  }

  private baseOf(command: Decoded, metadata: Decoded) {
    return {
      topic: this.topic,
      publishTime: new Date(Number(u64(metadata.publish_time))),
      redeliveryCount: (command.redelivery_count as number) ?? 0,
      producerName: metadata.producer_name as string,
      schemaVersion: has(metadata, 'schema_version') && (metadata.schema_version as Uint8Array).length > 0
        ? new Uint8Array(metadata.schema_version as Uint8Array) : undefined,
    };
  }

  private rawEntry(command: Decoded, metadata: Decoded, payload: Buffer, reason: string): Message {
    const msg: Message = {
      ...this.baseOf(command, metadata), messageId: messageIdFromData(command.message_id as Decoded, this.partition),
      payload: Buffer.from(payload), properties: propertiesOf(metadata.properties), sequenceId: u64(metadata.sequence_id), undecodable: reason,
    };
    if (has(metadata, 'partition_key')) msg.key = metadata.partition_key as string;
    return msg;
  }

  private unpack(command: Decoded, metadata: Decoded, payload: Buffer): Message[] {
    const chunks = (metadata.num_chunks_from_msg as number) ?? 0;
    if (chunks > 1) {
      throw new Error(`chunk ${((metadata.chunk_id as number) ?? 0) + 1} of ${chunks} of chunked message ${String(metadata.uuid)}: this client does not `
        + 'reassemble chunks (Pulsar supports chunking only on Exclusive and Failover subscriptions); produce without chunking');
    }
    const compression = compressionName((metadata.compression as number) ?? 0);
    if (!compression) throw new Error(`unknown compression ${metadata.compression}`);
    let body: Buffer;
    try {
      body = compression === 'NONE' ? payload : decompress(compression, payload, metadata.uncompressed_size as number);
    } catch (err) {
      throw new Error(`the ${compression}-compressed payload does not decompress: ${(err as Error).message}`);
    }
    const idData = command.message_id as Decoded;
    const base = this.baseOf(command, metadata);
    const partition = this.partition;
    if (!has(metadata, 'num_messages_in_batch')) {
      // One literal (no spread) in the same shape as a batched message's.
      const msg: Message = { topic: base.topic, publishTime: base.publishTime, redeliveryCount: base.redeliveryCount,
        producerName: base.producerName, schemaVersion: base.schemaVersion, messageId: messageIdFromData(idData, partition),
        payload: body, properties: propertiesOf(metadata.properties), sequenceId: u64(metadata.sequence_id) };
      if (has(metadata, 'partition_key')) msg.key = metadata.partition_key as string;
      if (u64(metadata.event_time) > 0n) msg.eventTime = new Date(Number(u64(metadata.event_time)));
      return [msg];
    }
    const count = metadata.num_messages_in_batch as number;
    const items = decodeBatch(body, count);
    const ackSet = ((command.ack_set as unknown[]) ?? []).map((w) => u64(w));
    const ledgerId = u64(idData.ledgerId);
    const entryId = u64(idData.entryId);
    const key = `${ledgerId}:${entryId}`;
    const state = new BatchAckState(count, ackSet);
    const sequenceId = u64(metadata.sequence_id);
    const out: Message[] = [];
    let skipped = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (!state.isPending(i) || item.compactedOut) { skipped++; if (item.compactedOut) state.ack(i); continue; }
      // One literal per message (no spread): this runs for every message of every batch.
      const msg: Message = { topic: base.topic, publishTime: base.publishTime, redeliveryCount: base.redeliveryCount,
        producerName: base.producerName, schemaVersion: base.schemaVersion,
        messageId: { ledgerId, entryId, partition, batchIndex: i, batchSize: count }, payload: item.payload,
        properties: item.properties, sequenceId: sequenceId + BigInt(i) };
      if (item.key !== undefined) msg.key = item.key;
      if (item.eventTime) msg.eventTime = new Date(item.eventTime);
      out.push(msg);
    }
    if (out.length > 0) this.batches.set(key, state);
    if (skipped > 0) this.consumed(skipped);
    return out;
  }

  private writeAck(ackType: 0 | 1, ids: OutgoingMessageId[]): boolean {
    if (this.state !== 'ready' || !this.conn) return false;
    return this.conn.sendFrame(encodeAckFrame(this.id, ackType, ids));
  }

  private sendAck(ackType: 0 | 1, ids: OutgoingMessageId[]): void {
    if (ackType === 1) { this.acks.addCumulative(ids[0]!); return; }
    for (const id of ids) this.acks.addIndividual(id);
  }

  /** Writes the grouped acks now; true when none is left unsent. */
  flushAcks(): boolean {
    return this.acks.flush();
  }

  ack(id: MessageId): void {
    if (this.nacks.size > 0) this.nacks.delete(`${entryKey(id)}:${id.batchIndex}`);
    if (id.batchIndex >= 0 && id.batchSize > 0) {
      const key = entryKey(id);
      let state = this.batches.get(key);
      if (!state) {
        // The batch's state was reset (reconnect, nack): never ack the whole entry for one index.
        state = new BatchAckState(id.batchSize);
        this.batches.set(key, state);
      }
      if (!state.ack(id.batchIndex)) {
        if (this.options.batchIndexAck) this.sendAck(0, [toOutgoingMessageId(id, state.ackSet())]);
        return;
      }
      this.batches.delete(key);
    }
    this.sendAck(0, [toOutgoingMessageId(id)]);
  }

  ackCumulative(id: MessageId): void {
    if (this.shared) throw new PulsarClientError('INVALID_ARGUMENT', 'cumulative acknowledgement is not allowed on Shared or Key_Shared subscriptions');
    for (const [key, state] of this.batches) {
      const [l, e] = key.split(':').map(BigInt) as [bigint, bigint];
      if (l < id.ledgerId || (l === id.ledgerId && e < id.entryId)) this.batches.delete(key);
      else if (l === id.ledgerId && e === id.entryId) state.ackUpTo(id.batchIndex);
    }
    if (id.batchIndex >= 0 && id.batchSize > 0 && id.batchIndex < id.batchSize - 1) {
      const state = this.batches.get(entryKey(id));
      if (this.options.batchIndexAck && state) { this.sendAck(1, [toOutgoingMessageId(id, state.ackSet())]); return; }
      // Without batch-index acks, everything before this entry is done; the entry itself is not yet.
      if (id.entryId > 0n) this.sendAck(1, [toOutgoingMessageId({ ...id, entryId: id.entryId - 1n, batchIndex: -1 })]);
      return;
    }
    this.batches.delete(entryKey(id));
    this.sendAck(1, [toOutgoingMessageId(id)]);
  }

  nack(id: MessageId, delayMs: number): void {
    this.nacks.set(`${entryKey(id)}:${id.batchIndex}`, { id, due: Date.now() + delayMs });
    if (!this.nackTimer) {
      this.nackTimer = setInterval(() => this.redeliverDue(), Math.max(10, Math.min(delayMs, 1000) / 4));
      this.nackTimer.unref();
    }
  }

  private redeliverDue(): void {
    const now = Date.now();
    const due = new Map<string, MessageId>();
    for (const [k, n] of this.nacks) {
      if (n.due <= now) { due.set(entryKey(n.id), n.id); this.nacks.delete(k); }
    }
    if (this.nacks.size === 0 && this.nackTimer) { clearInterval(this.nackTimer); this.nackTimer = undefined; }
    if (due.size === 0 || this.state !== 'ready') return;
    // A redelivery request must not overtake acks still in the group (Exclusive rewinds to the first
    // unacknowledged message).
    this.acks.flush();
    if (this.shared) {
      // The broker redelivers whole entries: forget local batch state so the redelivery starts afresh.
      for (const key of due.keys()) this.batches.delete(key);
      this.conn?.sendCommand({ type: CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES, redeliverUnacknowledgedMessages: {
        consumer_id: long(this.id), message_ids: [...due.values()].map((id) => toMessageIdData({ ...id, batchIndex: -1 })) } });
    } else {
      // Exclusive/Failover: the broker rewinds to the first unacknowledged message for ordering.
      this.batches.clear();
      const dropped = this.parent.drop(this);
      this.conn?.sendCommand({ type: CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES, redeliverUnacknowledgedMessages: { consumer_id: long(this.id) } });
      this.consumed(dropped);
    }
  }

  onDisconnect(reason: string): void {
    if (this.state !== 'ready') return;
    this.state = 'connecting';
    this.conn = undefined;
    this.batches.clear();
    const dropped = this.parent.drop(this);
    this.client.log.warn({ topic: this.topic, reason, dropped }, 'pulsar consumer disconnected; re-subscribing');
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    while (this.state === 'connecting' && !this.client.isClosed) {
      if (!(await sleep(this.backoff.next(), this.stop.signal))) return;
      try {
        await this.subscribe();
        this.client.log.info({ topic: this.topic }, 'pulsar consumer re-subscribed');
        return;
      } catch (err) {
        this.client.log.warn({ topic: this.topic, err: (err as Error).message }, 'pulsar consumer re-subscribe failed');
      }
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const conn = this.state === 'ready' ? this.conn : undefined;
    // Grouped acks leave before CLOSE_CONSUMER; without a connection they cannot, and the broker will
    // redeliver those messages to the subscription (said in the log, never dropped silently).
    if (conn && !conn.closed) this.acks.flush();
    const unsent = this.acks.close();
    if (unsent > 0) {
      this.client.log.warn({ topic: this.topic, unsent }, 'pulsar consumer closed with acknowledgements it could not send; the broker will redeliver those messages');
    }
    this.state = 'closed';
    this.stop.abort();
    if (this.nackTimer) clearInterval(this.nackTimer);
    this.nackTimer = undefined;
    if (conn && !conn.closed) {
      conn.unregisterConsumer(this.id);
      const requestId = conn.newRequestId();
      await conn.request({ type: CommandType.CLOSE_CONSUMER, close_consumer: { consumer_id: long(this.id), request_id: long(requestId) } },
        requestId, `closing consumer on ${this.topic}`).catch(() => undefined);
    }
  }
}
