// Consumers as users see them. Consumer merges the partitions of a partitioned topic into one
// receive() queue (and receiveBatch, async iteration), routes acks and nacks to the partition a
// message came from; each partition's subscription is PartitionConsumer's (partition-consumer.ts).
import { PulsarClientError, type ConsumerOptions, type Message, type MessageId } from './types.js';
import type { PulsarClient } from './client.js';
import { partitionTopic } from './client.js';
import { PartitionConsumer } from './partition-consumer.js';

interface Queued { message: Message; part: PartitionConsumer }

/** The consumer handed to users: one PartitionConsumer per partition, one merged queue. */
export class Consumer {
  private parts: PartitionConsumer[] = [];
  private queue: Queued[] = [];
  private head = 0;
  private readonly waiters: { resolve(m: Message | undefined): void; timer?: NodeJS.Timeout }[] = [];
  private closed = false;
  readonly consumerName: string;

  constructor(private readonly client: PulsarClient, readonly options: ConsumerOptions) {
    this.consumerName = options.consumerName ?? `dagpact-${Math.random().toString(36).slice(2, 10)}`;
  }

  get topic(): string { return this.options.topic; }

  async start(): Promise<void> {
    const n = await this.client.partitions(this.topic);
    const topics = n === 0 ? [{ topic: this.topic, partition: -1 }] : Array.from({ length: n }, (_, i) => ({ topic: partitionTopic(this.topic, i), partition: i }));
    this.parts = topics.map(({ topic, partition }) => new PartitionConsumer(this.client, this, topic, partition, this.options, this.client.newConsumerId()));
    await Promise.all(this.parts.map((p) => p.start()));
  }

  /** @internal */
  enqueue(messages: Message[], part: PartitionConsumer): void {
    for (const message of messages) {
      const waiter = this.waiters.shift();
      if (waiter) {
        if (waiter.timer) clearTimeout(waiter.timer);
        part.consumed(1);
        waiter.resolve(message);
      } else {
        this.queue.push({ message, part });
      }
    }
  }

  /** @internal Removes a partition's queued messages (it reconnected or rewound); returns how many. */
  drop(part: PartitionConsumer): number {
    const before = this.queue.length - this.head;
    this.queue = this.queue.slice(this.head).filter((q) => q.part !== part);
    this.head = 0;
    return before - this.queue.length;
  }

  /** Number of messages prefetched and not yet received. */
  get queued(): number { return this.queue.length - this.head; }

  /** The next message; undefined when the consumer is closed or timeoutMs passes first. */
  receive(timeoutMs?: number): Promise<Message | undefined> {
    if (this.head < this.queue.length) {
      const message = this.take();
      this.flushConsumed();
      return Promise.resolve(message);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: { resolve(m: Message | undefined): void; timer?: NodeJS.Timeout } = { resolve };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(undefined);
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /**
   * Up to maxMessages messages: everything already queued at once, else waits for the first one (up to
   * timeoutMs) and takes what arrived with it. One promise per batch instead of one per message.
   * An empty array when the consumer is closed or the timeout passed.
   */
  async receiveBatch(maxMessages: number, timeoutMs?: number): Promise<Message[]> {
    const max = Math.max(1, Math.floor(maxMessages));
    const out: Message[] = [];
    if (this.head >= this.queue.length) {
      const first = await this.receive(timeoutMs);
      if (!first) return out;
      out.push(first);
    }
    while (out.length < max && this.head < this.queue.length) out.push(this.take());
    this.flushConsumed();
    return out;
  }

  /** Every message until the consumer is closed, read from the queue in batches. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    for (;;) {
      const batch = await this.receiveBatch(this.options.receiverQueueSize ?? 1000);
      if (batch.length === 0) return;
      yield* batch;
    }
  }

  // Permits are returned per partition; counted while taking and handed back once per receive call.
  private consumedPart: PartitionConsumer | undefined;
  private consumedCount = 0;

  private take(): Message {
    const { message, part } = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Queued;
    if (this.head > 1024 && this.head * 2 > this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
    if (part !== this.consumedPart) { this.flushConsumed(); this.consumedPart = part; }
    this.consumedCount++;
    return message;
  }

  private flushConsumed(): void {
    if (this.consumedPart && this.consumedCount > 0) this.consumedPart.consumed(this.consumedCount);
    this.consumedPart = undefined;
    this.consumedCount = 0;
  }

  /** Acknowledgements not yet written (grouped, or kept while a partition is reconnecting). */
  get pendingAcks(): number {
    return this.parts.reduce((n, p) => n + p.pendingAcks, 0);
  }

  /** Writes the grouped acknowledgements now; true when none is left (false while a partition is disconnected). */
  flushAcks(): boolean {
    return this.parts.map((p) => p.flushAcks()).every(Boolean);
  }

  private partOf(id: MessageId): PartitionConsumer {
    const part = id.partition < 0 ? this.parts[0] : this.parts[id.partition];
    if (!part) throw new PulsarClientError('INVALID_ARGUMENT', `message id of partition ${id.partition} does not belong to ${this.topic}`);
    return part;
  }

  /** Acknowledges one message (for a batch, the entry is acked once all its messages are). */
  async ack(message: Message | MessageId): Promise<void> {
    const id = 'messageId' in message ? message.messageId : message;
    this.partOf(id).ack(id);
  }

  /** Acknowledges every message up to and including this one (Exclusive/Failover only). */
  async ackCumulative(message: Message | MessageId): Promise<void> {
    const id = 'messageId' in message ? message.messageId : message;
    this.partOf(id).ackCumulative(id);
  }

  /** Asks for a redelivery after negativeAckRedeliveryDelayMs; the redelivery counts in redeliveryCount. */
  nack(message: Message | MessageId): void {
    const id = 'messageId' in message ? message.messageId : message;
    this.partOf(id).nack(id, this.options.negativeAckRedeliveryDelayMs ?? 1000);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) { if (w.timer) clearTimeout(w.timer); w.resolve(undefined); }
    await Promise.allSettled(this.parts.map((p) => p.close()));
    this.queue = [];
    this.head = 0;
    this.client.forgetConsumer(this);
  }
}
