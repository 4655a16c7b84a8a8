// Message ids (ledger, entry, partition, batch index) and the batch-index acknowledgement bookkeeping:
// which indexes of a batched entry are still unacknowledged, as Pulsar's ack_set bitset (a set bit is
// an index still to be acked; 64 indexes per int64 word, least significant bit first).
import { long, u64, type Decoded } from './proto.js';
import type { MessageId } from './types.js';
import type { OutgoingMessageId } from './wire.js';

export function messageIdFromData(data: Decoded, partition: number, batchIndex = -1, batchSize = 0): MessageId {
  return { ledgerId: u64(data.ledgerId), entryId: u64(data.entryId), partition, batchIndex, batchSize };
}

/** ledger:entry:partition:batchIndex, the text form the gatekeeper and logs use. */
export function messageIdToString(id: MessageId): string {
  return `${id.ledgerId}:${id.entryId}:${id.partition}:${id.batchIndex}`;
}

export function parseMessageId(text: string): MessageId {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 4 || !parts.every((p) => /^-?\d+$/.test(p))) {
    throw new Error(`not a message id: "${text}" (expected ledger:entry[:partition[:batchIndex]])`);
  }
  return {
    ledgerId: BigInt(parts[0]!), entryId: BigInt(parts[1]!),
    partition: parts[2] === undefined ? -1 : Number(parts[2]),
    batchIndex: parts[3] === undefined ? -1 : Number(parts[3]),
    batchSize: 0,
  };
}

export function compareMessageIds(a: MessageId, b: MessageId): number {
  if (a.ledgerId !== b.ledgerId) return a.ledgerId < b.ledgerId ? -1 : 1;
  if (a.entryId !== b.entryId) return a.entryId < b.entryId ? -1 : 1;
  return a.batchIndex - b.batchIndex;
}

/** Key of the entry a message belongs to (all indexes of a batch share it). */
export function entryKey(id: MessageId): string {
  return `${id.ledgerId}:${id.entryId}`;
}

/** MessageIdData for an ACK or REDELIVER command. */
export function toMessageIdData(id: MessageId, ackSet?: bigint[]): Decoded {
  const data: Decoded = { ledgerId: long(id.ledgerId), entryId: long(id.entryId) };
  if (id.partition >= 0) data.partition = id.partition;
  if (ackSet) {
    data.ack_set = ackSet.map((w) => long(w));
    data.batch_size = id.batchSize;
  }
  return data;
}

/** The same MessageIdData for wire.ts's hand-written ACK encoder. */
export function toOutgoingMessageId(id: MessageId, ackSet?: bigint[]): OutgoingMessageId {
  const data: OutgoingMessageId = { ledgerId: id.ledgerId, entryId: id.entryId };
  if (id.partition >= 0) data.partition = id.partition;
  if (ackSet) {
    data.ackSet = ackSet;
    data.batchSize = id.batchSize;
  }
  return data;
}

/** A bitset of batch indexes still to acknowledge (one byte per index; ack_set words built on demand). */
export class BatchAckState {
  private readonly pendingFlags: Uint8Array;
  private remaining: number;

  constructor(readonly batchSize: number, initial?: bigint[]) {
    this.pendingFlags = new Uint8Array(batchSize);
    if (!initial || initial.length === 0) {
      this.pendingFlags.fill(1);
      this.remaining = batchSize;
      return;
    }
    this.remaining = 0;
    for (let w = 0; w < initial.length && w * 64 < batchSize; w++) {
      const word = BigInt.asUintN(64, initial[w]!);
      const lo = Number(word & 0xffffffffn);
      const hi = Number(word >> 32n);
      for (let b = 0; b < 64 && w * 64 + b < batchSize; b++) {
        const set = b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1;
        if (set) { this.pendingFlags[w * 64 + b] = 1; this.remaining++; }
      }
    }
  }

  isPending(index: number): boolean {
    return index >= 0 && index < this.batchSize && this.pendingFlags[index] === 1;
  }

  /** Marks one index acked; returns true when no index remains (the whole entry can be acked). */
  ack(index: number): boolean {
    if (this.isPending(index)) {
      this.pendingFlags[index] = 0;
      this.remaining--;
    }
    return this.remaining === 0;
  }

  /** Marks every index up to and including `index` acked (cumulative ack inside a batch). */
  ackUpTo(index: number): boolean {
    for (let i = 0; i <= Math.min(index, this.batchSize - 1); i++) this.ack(i);
    return this.remaining === 0;
  }

  get pendingCount(): number {
    return this.remaining;
  }

  /** The ack_set words as signed int64 (what the wire's `repeated int64` carries). */
  ackSet(): bigint[] {
    const words: bigint[] = [];
    for (let w = 0; w * 64 < this.batchSize; w++) {
      let lo = 0;
      let hi = 0;
      for (let b = 0; b < 64 && w * 64 + b < this.batchSize; b++) {
        if (this.pendingFlags[w * 64 + b] !== 1) continue;
        if (b < 32) lo |= 1 << b; else hi |= 1 << (b - 32);
      }
      words.push(BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)));
    }
    return words;
  }
}
