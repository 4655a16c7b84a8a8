// Issue 11: caches of schema text and parsed forms are bounded by bytes, not only by entries.
import { describe, expect, it } from 'vitest';
import { makeByteLru } from '../../../src/core/byte-lru.js';
import { ByteBoundedVersions } from '../../../src/store/registry-cache.js';

describe('byte-bounded LRU', () => {
  it('evicts the least recently used entries to stay under its byte budget', () => {
    const lru = makeByteLru<string, string>(1000);
    lru.set('a', 'A', 400);
    lru.set('b', 'B', 400);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 400);
    expect(lru.has('b')).toBe(false);
    expect(lru.has('a') && lru.has('c')).toBe(true);
    expect(lru.bytes).toBeLessThanOrEqual(1000);
    lru.set('huge', 'H', 5000); // larger than the whole budget: not kept, nothing evicted
    expect(lru.has('huge')).toBe(false);
    expect(lru.size).toBe(2);
  });

  it('bounds the registry read cache\'s subject versions by the bytes of their schema text', () => {
    const versions = new ByteBoundedVersions(1024 * 1024);
    const big = (subject: string) => [{ subject, version: 1, id: 1, format: 'AVRO' as const, schema: 'x'.repeat(200_000), references: [], deleted: false }];
    for (let i = 0; i < 10; i++) versions.set(`s${i}`, big(`s${i}`));
    expect(versions.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(versions.size).toBe(2); // 400 KB each: two fit in 1 MiB
    expect(versions.has('s9') && versions.has('s8')).toBe(true);
    versions.delete('s9');
    expect(versions.size).toBe(1);
  });
});
