// Producers as users see them. Producer routes over a topic's partitions (murmur3 of the key, else
// round-robin or one partition) and bounds the pending queue, FIFO; each partition's sending,
// receipts and resending after a reconnect are PartitionProducer's (partition-producer.ts).
import { canCompress } from './compression.js';
import { PulsarClientError, type MessageId, type OutgoingMessage, type ProducerOptions } from './types.js';
import type { PulsarClient } from './client.js';
import { partitionTopic } from './client.js';
import { murmur3_32 } from './murmur3.js';
import { PartitionProducer } from './partition-producer.js';

/** The producer handed to users; one PartitionProducer per partition (one for a non-partitioned topic). */
export class Producer {
  private parts: PartitionProducer[] = [];
  private roundRobin = 0;
  // Senders waiting for a slot, FIFO; a head index instead of shift(), which is O(n) on a long queue.
  private waiters: (() => void)[] = [];
  private waitersHead = 0;
  /** Slots handed to woken senders that have not used them yet (keeps the queue strictly FIFO). */
  private handedOut = 0;
  private closed = false;

  constructor(private readonly client: PulsarClient, readonly options: ProducerOptions) {
    if (options.compression && !canCompress(options.compression)) {
      throw new PulsarClientError('INVALID_ARGUMENT', `${options.compression} compression is not available in this Node version`);
    }
  }

  get topic(): string { return this.options.topic; }
  /** The schema version the broker assigned to the producer's schema (raw bytes), if any. */
  get schemaVersion(): Uint8Array | undefined { return this.parts[0]?.schemaVersion; }
  get producerName(): string | undefined { return this.parts[0]?.producerName; }
  /** Messages sent and not yet confirmed by the broker (across partitions). */
  get pendingCount(): number { return this.pendingTotal(); }

  async start(): Promise<void> {
    const n = await this.client.partitions(this.topic);
    const topics = n === 0 ? [{ topic: this.topic, partition: -1 }] : Array.from({ length: n }, (_, i) => ({ topic: partitionTopic(this.topic, i), partition: i }));
    this.parts = topics.map(({ topic, partition }) => new PartitionProducer(this.client, topic, partition, this.options, this.client.newProducerId()));
    if (this.options.routing === 'single-partition') this.roundRobin = Math.floor(Math.random() * this.parts.length);
    for (const p of this.parts) p.onDrained = () => this.wake();
    await Promise.all(this.parts.map((p) => p.start()));
  }

  private pendingTotal(): number {
    let n = 0;
    for (const p of this.parts) n += p.pendingCount;
    return n;
  }

  private wake(): void {
    const max = this.options.maxPendingMessages ?? 1000;
    while (this.waitersHead < this.waiters.length && this.pendingTotal() + this.handedOut < max) {
      this.handedOut++;
      const wake = this.waiters[this.waitersHead]!;
      this.waiters[this.waitersHead++] = undefined as unknown as () => void;
      wake();
    }
    if (this.waitersHead === this.waiters.length) { this.waiters = []; this.waitersHead = 0; }
    else if (this.waitersHead > 1024 && this.waitersHead * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.waitersHead);
      this.waitersHead = 0;
    }
  }

  private choose(key: string | undefined): PartitionProducer {
    if (this.parts.length === 1) return this.parts[0]!;
    if (key !== undefined) return this.parts[murmur3_32(Buffer.from(key)) % this.parts.length]!;
    if (this.options.routing === 'single-partition') return this.parts[this.roundRobin % this.parts.length]!;
    return this.parts[this.roundRobin++ % this.parts.length]!;
  }

  /** Resolves with the message id once the broker has persisted the message; waits while the queue is full. */
  async send(message: OutgoingMessage): Promise<MessageId> {
    const max = this.options.maxPendingMessages ?? 1000;
    if (this.closed) throw new PulsarClientError('PRODUCER_CLOSED', `producer on ${this.topic} is closed`);
    // FIFO: a sender that finds the queue full (or others already waiting) waits for a slot handed to it.
    if (this.waitersHead < this.waiters.length || this.pendingTotal() + this.handedOut >= max) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.handedOut--;
      if (this.closed) throw new PulsarClientError('PRODUCER_CLOSED', `producer on ${this.topic} is closed`);
    }
    return this.choose(message.key).send(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waiting = this.waiters.slice(this.waitersHead);
    this.waiters = [];
    this.waitersHead = 0;
    for (const w of waiting) w();
    await Promise.allSettled(this.parts.map((p) => p.close()));
    this.client.forgetProducer(this);
  }
}
