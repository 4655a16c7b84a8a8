// The ack group on its own, with fake timers: window, size, immediate mode, acks kept while nothing can
// be written, and the furthest cumulative ack.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckGroupingTracker } from '../../../src/pulsar/ack-grouping.js';
import type { OutgoingMessageId } from '../../../src/pulsar/wire.js';

const id = (entry: number): OutgoingMessageId => ({ ledgerId: 7n, entryId: BigInt(entry) });

function tracker(options: { timeMs: number; maxSize: number }) {
  const written: Array<{ ackType: 0 | 1; entries: number[] }> = [];
  let connected = true;
  const t = new AckGroupingTracker((ackType, ids) => {
    if (!connected) return false;
    written.push({ ackType, entries: ids.map((i) => Number(i.entryId)) });
    return true;
  }, options);
  return { t, written, setConnected: (v: boolean) => { connected = v; } };
}

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('grouped acknowledgements', () => {
  it('sends one command per window', () => {
    const { t, written } = tracker({ timeMs: 100, maxSize: 1000 });
    for (let i = 0; i < 5; i++) t.addIndividual(id(i));
    expect(written).toEqual([]);
    expect(t.pending).toBe(5);
    vi.advanceTimersByTime(99);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(written).toEqual([{ ackType: 0, entries: [0, 1, 2, 3, 4] }]);
    expect(t.pending).toBe(0);
  });

  it('sends a full group at once, before the window', () => {
    const { t, written } = tracker({ timeMs: 100, maxSize: 3 });
    for (let i = 0; i < 7; i++) t.addIndividual(id(i));
    expect(written).toEqual([{ ackType: 0, entries: [0, 1, 2] }, { ackType: 0, entries: [3, 4, 5] }]);
    expect(t.pending).toBe(1);
    vi.advanceTimersByTime(100);
    expect(written.at(-1)).toEqual({ ackType: 0, entries: [6] });
  });

  it('a window of 0 sends each ack at once', () => {
    const { t, written } = tracker({ timeMs: 0, maxSize: 1000 });
    t.addIndividual(id(1));
    t.addIndividual(id(2));
    expect(written).toEqual([{ ackType: 0, entries: [1] }, { ackType: 0, entries: [2] }]);
  });

  it('keeps the acks it cannot write and sends them on the next flush, split by the group size', () => {
    const { t, written, setConnected } = tracker({ timeMs: 100, maxSize: 2 });
    setConnected(false);
    for (let i = 0; i < 5; i++) t.addIndividual(id(i));
    vi.advanceTimersByTime(500);
    expect(written).toEqual([]);
    expect(t.pending).toBe(5);
    setConnected(true);
    expect(t.flush()).toBe(true);
    expect(written).toEqual([{ ackType: 0, entries: [0, 1] }, { ackType: 0, entries: [2, 3] }, { ackType: 0, entries: [4] }]);
  });

  it('the same entry acked twice (a partial batch ack, then the full one) is sent once, the latest', () => {
    const { t, written } = tracker({ timeMs: 100, maxSize: 1000 });
    t.addIndividual({ ...id(1), ackSet: [6n], batchSize: 3 });
    t.addIndividual(id(1));
    t.flush();
    expect(written).toEqual([{ ackType: 0, entries: [1] }]);
  });

  it('groups acks of several ledgers, counts each entry once, and keeps what a flush cut short', () => {
    const written: Array<{ ledger: number; entry: number }[]> = [];
    let accept = 1; // writes that succeed before the connection "drops"
    const t = new AckGroupingTracker((_type, ids) => {
      if (accept-- <= 0) return false;
      written.push(ids.map((i) => ({ ledger: Number(i.ledgerId), entry: Number(i.entryId) })));
      return true;
    }, { timeMs: 100, maxSize: 3 });
    const at = (ledger: bigint, entry: number): OutgoingMessageId => ({ ledgerId: ledger, entryId: BigInt(entry) });
    t.addIndividual(at(7n, 1));
    t.addIndividual(at(8n, 1));
    t.addIndividual(at(7n, 1)); // the same entry again: still one pending
    expect(t.pending).toBe(2);
    t.addIndividual(at(7n, 2)); // the group is full: written at once
    expect(written).toEqual([[{ ledger: 7, entry: 1 }, { ledger: 7, entry: 2 }, { ledger: 8, entry: 1 }]]);
    expect(t.pending).toBe(0);
    for (const [ledger, entry] of [[9n, 1], [9n, 2], [10n, 1], [10n, 2], [9n, 3]] as const) {
      if (ledger === 10n && entry === 1) accept = 1; // the next write succeeds, the one after fails
      t.addIndividual(at(ledger, entry));
    }
    // [9:1, 9:2, 10:1] went out when the group filled; [10:2, 9:3] wait.
    expect(written[1]).toEqual([{ ledger: 9, entry: 1 }, { ledger: 9, entry: 2 }, { ledger: 10, entry: 1 }]);
    expect(t.pending).toBe(2);
    expect(t.flush()).toBe(false); // the connection is still down
    expect(t.pending).toBe(2);
    accept = 10;
    expect(t.flush()).toBe(true);
    expect(written.at(-1)).toEqual([{ ledger: 10, entry: 2 }, { ledger: 9, entry: 3 }]);
    // Down again: five acks over two ledgers wait; a flush that writes one group of three and is then
    // cut off keeps exactly the other two, and the next flush sends those.
    accept = 0;
    for (const [ledger, entry] of [[11n, 1], [12n, 1], [11n, 2], [12n, 2], [11n, 3]] as const) t.addIndividual(at(ledger, entry));
    expect(t.pending).toBe(5);
    accept = 1;
    expect(t.flush()).toBe(false);
    expect(written.at(-1)).toEqual([{ ledger: 11, entry: 1 }, { ledger: 11, entry: 2 }, { ledger: 11, entry: 3 }]);
    expect(t.pending).toBe(2);
    t.addIndividual(at(12n, 2)); // already pending: not counted twice
    expect(t.pending).toBe(2);
    accept = 10;
    expect(t.flush()).toBe(true);
    expect(written.at(-1)).toEqual([{ ledger: 12, entry: 1 }, { ledger: 12, entry: 2 }]);
  });

  it('only the furthest cumulative ack is sent', () => {
    const { t, written } = tracker({ timeMs: 100, maxSize: 1000 });
    t.addCumulative(id(4));
    t.addCumulative(id(9));
    t.addCumulative(id(6));
    vi.advanceTimersByTime(100);
    expect(written).toEqual([{ ackType: 1, entries: [9] }]);
  });

  it('close() stops the timer and reports what was never written', () => {
    const { t, written, setConnected } = tracker({ timeMs: 100, maxSize: 1000 });
    setConnected(false);
    t.addIndividual(id(1));
    t.addCumulative(id(3));
    expect(t.close()).toBe(2);
    setConnected(true);
    vi.advanceTimersByTime(1000);
    expect(written).toEqual([]);
  });
});
