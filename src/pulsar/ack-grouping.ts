// Grouped acknowledgements, as the C++ and Java clients do: acks collect for a time window (default
// 100 ms) or until a group is full (default 1,000 ids) and leave as one ACK command carrying every id,
// instead of one command per message. A window of 0 sends each ack at once.
//
// What happens to acks that cannot be sent: an ack is only dropped from the group once it was written
// to a live connection. While the consumer is disconnected the group keeps them, and the consumer
// flushes them on the new connection before it grants FLOW permits, so the broker, which processes a
// connection's commands in order, applies them before it redelivers anything to this consumer. The
// consumer also flushes before asking for a redelivery (REDELIVER_UNACKNOWLEDGED_MESSAGES rewinds to
// the first unacknowledged message) and before CLOSE_CONSUMER. What is still pending when a consumer
// closes without a connection is counted and logged: the broker redelivers those messages (at least
// once), it does not lose them.
import type { OutgoingMessageId } from './wire.js';

export interface AckGroupingOptions {
  /** Window in ms; 0 = send every ack at once. */
  timeMs: number;
  /** A group this size is sent at once, window or not. */
  maxSize: number;
}

/** Writes one ACK command; false when there is no live connection to write it to. */
export type AckWriter = (ackType: 0 | 1, ids: OutgoingMessageId[]) => boolean;

export class AckGroupingTracker {
  /**
   * Individual acks by ledger, then entry: one entry's latest ack (a full ack of a batch replaces a
   * partial one). Keyed by the ids' own bigints, not by a "ledger:entry" string: building that string
   * turns two bigints into text for every message.
   */
  private readonly individual = new Map<bigint, Map<bigint, OutgoingMessageId>>();
  private individualCount = 0;
  /** The ledger of the last individual ack and its entries: consecutive acks are almost always in one ledger. */
  private lastLedger: bigint | undefined;
  private lastEntries: Map<bigint, OutgoingMessageId> | undefined;
  private cumulative: OutgoingMessageId | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly write: AckWriter, private readonly options: AckGroupingOptions) {}

  /** Acks waiting to be written (individual ids plus a pending cumulative ack). */
  get pending(): number {
    return this.individualCount + (this.cumulative ? 1 : 0);
  }

  /** An individual ack; a later ack of the same entry (ledger and entry id) replaces an earlier one. */
  addIndividual(id: OutgoingMessageId): void {
    let entries = id.ledgerId === this.lastLedger ? this.lastEntries : this.individual.get(id.ledgerId);
    if (!entries) { entries = new Map(); this.individual.set(id.ledgerId, entries); }
    this.lastLedger = id.ledgerId;
    this.lastEntries = entries;
    const before = entries.size;
    entries.set(id.entryId, id);
    this.individualCount += entries.size - before;
    if (this.options.timeMs <= 0 || this.individualCount >= this.options.maxSize) this.flush();
    else this.arm();
  }

  /** A cumulative ack: only the furthest one matters. */
  addCumulative(id: OutgoingMessageId): void {
    const c = this.cumulative;
    if (!c || id.ledgerId > c.ledgerId || (id.ledgerId === c.ledgerId && id.entryId >= c.entryId)) this.cumulative = id;
    if (this.options.timeMs <= 0) this.flush();
    else this.arm();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.flush(); }, this.options.timeMs);
    this.timer.unref();
  }

  private clearIndividual(): void {
    this.individual.clear();
    this.individualCount = 0;
    this.lastLedger = undefined;
    this.lastEntries = undefined;
  }

  /** Writes what is pending; what cannot be written stays for the next flush. Returns true when nothing is left. */
  flush(): boolean {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (this.individualCount > 0) {
      const ids: OutgoingMessageId[] = [];
      for (const entries of this.individual.values()) for (const id of entries.values()) ids.push(id);
      // Split an oversized group (acks kept while disconnected) so no single frame grows without bound.
      const step = Math.max(1, this.options.maxSize);
      let sent = 0;
      for (let i = 0; i < ids.length; i += step) {
        if (!this.write(0, ids.slice(i, i + step))) break;
        sent = Math.min(ids.length, i + step);
      }
      if (sent === ids.length) this.clearIndividual();
      else {
        // The written ones are the first `sent`, in the order they were collected above.
        for (let k = 0; k < sent; k++) {
          const id = ids[k]!;
          const entries = this.individual.get(id.ledgerId)!;
          entries.delete(id.entryId);
          if (entries.size === 0) this.individual.delete(id.ledgerId);
        }
        this.individualCount -= sent;
        this.lastLedger = undefined;
        this.lastEntries = undefined;
      }
    }
    if (this.cumulative && this.write(1, [this.cumulative])) this.cumulative = undefined;
    return this.pending === 0;
  }

  /** Stops the timer; returns how many acks were never written. */
  close(): number {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    const left = this.pending;
    this.clearIndividual();
    this.cumulative = undefined;
    return left;
  }
}
