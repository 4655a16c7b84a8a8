// A least-recently-used cache bounded by an estimate of the bytes its values hold, for caches of
// schema text and parsed forms: a count bound lets a few huge schemas hold gigabytes (docs/adr/0013).

export interface ByteLru<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  /** Stores `value` as `bytes` bytes, evicting the least recently used entries to stay in bounds; a value larger than the whole budget is not kept. */
  set(key: K, value: V, bytes: number): void;
  delete(key: K): void;
  clear(): void;
  readonly size: number;
  readonly bytes: number;
  readonly maxBytes: number;
}

export function makeByteLru<K, V>(maxBytes: number): ByteLru<K, V> {
  // Map order is recency order: the least recently used entry comes first and is evicted first.
  const entries = new Map<K, { value: V; bytes: number; stamp: number }>();
  let total = 0;
  /** Counts insertions and moves to the end; the entry whose stamp equals it is the last. */
  let clock = 0;

  function drop(key: K): void {
    const e = entries.get(key);
    if (!e) return;
    total -= e.bytes;
    entries.delete(key);
  }

  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      // Moved to the end (most recent) unless it is there already: repeated hits on the same entry (a
      // hot schema read again and again) cost one look-up instead of a delete and an insert.
      if (e.stamp !== clock) {
        entries.delete(key);
        e.stamp = ++clock;
        entries.set(key, e);
      }
      return e.value;
    },
    has: (key) => entries.has(key),
    set(key, value, bytes) {
      drop(key);
      if (bytes > maxBytes) return;
      while (total + bytes > maxBytes && entries.size > 0) drop(entries.keys().next().value as K);
      entries.set(key, { value, bytes, stamp: ++clock });
      total += bytes;
    },
    delete: drop,
    clear() { entries.clear(); total = 0; },
    get size() { return entries.size; },
    get bytes() { return total; },
    maxBytes,
  };
}

/** Rough bytes a string costs in V8 (two per UTF-16 unit) plus object overhead. */
export function stringBytes(text: string): number {
  return 2 * text.length + 64;
}
