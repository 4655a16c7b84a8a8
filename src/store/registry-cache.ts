// A read cache in front of the registry store: each subject's versions, each config scope and the subject
// lists, kept correct across API servers by PostgreSQL LISTEN/NOTIFY (docs/adr/0009-registry-read-cache.md).
// Writes NOTIFY REGISTRY_CHANNEL inside their transaction (registry-store.ts); every process LISTENs and
// drops what a notification names. The cache serves only while the LISTEN is in effect, drops everything
// when the listener (re)connects, and never serves reads made inside a transaction.
import type { RegistryStore, RegistryTx, ScopeConfig } from '../core/registry/store.js';
import type { SubjectVersion } from '../core/registry/types.js';
import type { Database } from './db.js';
import { decodeRegistryChange, REGISTRY_CHANNEL } from './registry-store.js';

export interface RegistryCacheOptions {
  /** Where change notifications come from: the Database the inner store writes to. */
  changes: Pick<Database, 'listen'>;
  /** Subjects (and config scopes) kept at most; the oldest entry goes first. Default 10,000. */
  maxEntries?: number;
  /** Bytes of schema text the cached subject versions may hold (estimated); the oldest subject goes first. Default 64 MiB. */
  maxBytes?: number;
}

/** Rough bytes of a subject's cached versions: their schema text dominates. */
function versionsBytes(list: readonly SubjectVersion[]): number {
  let n = 128;
  for (const v of list) n += 2 * v.schema.length + 256;
  return n;
}

/** The per-subject versions map, kept under a byte budget as well as the entry count (docs/adr/0013). */
export class ByteBoundedVersions extends Map<string, readonly SubjectVersion[]> {
  private total = 0;
  private readonly sizes = new Map<string, number>();
  constructor(private readonly maxBytes: number) { super(); }

  override set(key: string, value: readonly SubjectVersion[]): this {
    this.delete(key);
    const bytes = versionsBytes(value);
    if (bytes > this.maxBytes) return this;
    while (this.total + bytes > this.maxBytes && this.size > 0) this.delete(this.keys().next().value!);
    super.set(key, value);
    this.sizes.set(key, bytes);
    this.total += bytes;
    return this;
  }

  override delete(key: string): boolean {
    this.total -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.total = 0;
    this.sizes.clear();
    super.clear();
  }

  get bytes(): number { return this.total; }
}

export interface CachedRegistryStore extends RegistryStore {
  /** True while the cache may serve: its LISTEN is in effect. */
  readonly listening: boolean;
  /** Change notifications received since start: lets a caller wait until a write elsewhere has been heard. */
  readonly notificationsReceived: number;
  /** Stops listening; from then on every read goes to the database. */
  close(): Promise<void>;
}

const LISTS_KEY = 'l';
const MAX_SUBJECT_LISTS = 256;

function freezeVersion(v: SubjectVersion): SubjectVersion {
  Object.freeze(v.references);
  return Object.freeze(v);
}

export function makeCachedRegistryStore(inner: RegistryStore, options: RegistryCacheOptions): CachedRegistryStore {
  const maxEntries = options.maxEntries ?? 10_000;
  const versions = new ByteBoundedVersions(options.maxBytes ?? 64 * 1024 * 1024); // per subject, deleted versions included
  const configs = new Map<string, ScopeConfig>();
  const lists = new Map<string, readonly string[]>();
  // A read stores its result only if neither its key's generation nor the epoch moved while it ran, so a
  // query that started before an invalidation cannot put the older state back after it.
  const generations = new Map<string, number>();
  let epoch = 0;
  let received = 0;

  const generation = (key: string) => generations.get(key) ?? 0;

  function clearAll(): void {
    epoch++;
    versions.clear();
    configs.clear();
    lists.clear();
    generations.clear();
  }

  function bump(key: string): void {
    generations.set(key, generation(key) + 1);
    if (generations.size > 4 * maxEntries) clearAll(); // bounds the counters; costs one cold cache
  }

  function invalidateSubject(subject: string): void {
    bump(`s:${subject}`);
    versions.delete(subject);
    bump(LISTS_KEY);
    lists.clear();
  }

  function invalidateConfig(scope: string): void {
    bump(`c:${scope}`);
    configs.delete(scope);
  }

  const listener = options.changes.listen(REGISTRY_CHANNEL, (payload) => {
    received++;
    const change = decodeRegistryChange(payload);
    if (change.kind === 'subject') invalidateSubject(change.subject);
    else if (change.kind === 'config') invalidateConfig(change.scope);
    else clearAll();
  }, clearAll);

  async function cached<V>(map: Map<string, V>, mapKey: string, genKey: string, limit: number, load: () => Promise<V>): Promise<V> {
    // Without a LISTEN in effect a change on another server would go unnoticed: go to the database.
    if (!listener.connected) return load();
    const hit = map.get(mapKey);
    if (hit !== undefined) return hit;
    const startEpoch = epoch;
    const startGeneration = generation(genKey);
    const value = await load();
    if (listener.connected && epoch === startEpoch && generation(genKey) === startGeneration) {
      if (map.size >= limit) map.delete(map.keys().next().value!);
      map.set(mapKey, value);
    }
    return value;
  }

  /** Wraps a transaction's writes to learn which subjects it touched; its reads are the database's. */
  function tracked(tx: RegistryTx, touched: Set<string>): RegistryTx {
    return {
      ...tx,
      insertVersion: (args) => { touched.add(args.subject); return tx.insertVersion(args); },
      markDeleted: (args) => { touched.add(args.subject); return tx.markDeleted(args); },
      removeVersions: (args) => { touched.add(args.subject); return tx.removeVersions(args); },
    };
  }

  return {
    findSchemaById: (args) => inner.findSchemaById(args),
    findSchemaByContentKey: (args) => inner.findSchemaByContentKey(args),
    findSchemaByFingerprint: (args) => inner.findSchemaByFingerprint(args),
    findVersionsBySchema: (args) => inner.findVersionsBySchema(args),
    findReferrers: (args) => inner.findReferrers(args),

    async findVersions({ subject, includeDeleted }) {
      const all = await cached(versions, subject, `s:${subject}`, maxEntries,
        async () => (await inner.findVersions({ subject, includeDeleted: true })).map(freezeVersion));
      return includeDeleted ? [...all] : all.filter((v) => !v.deleted);
    },

    cachedVersions: (subject) => (listener.connected ? versions.get(subject) : undefined),

    async getConfig({ scope }) {
      const config = await cached(configs, scope, `c:${scope}`, maxEntries, async () => Object.freeze(await inner.getConfig({ scope })));
      return { ...config };
    },

    async listSubjects({ includeDeleted, prefix }) {
      const key = `${includeDeleted ? 1 : 0}:${prefix ?? ''}`;
      const names = await cached(lists, key, LISTS_KEY, MAX_SUBJECT_LISTS,
        async () => Object.freeze(await inner.listSubjects({ includeDeleted, prefix })));
      return [...names];
    },

    async withSubjectLock(args, fn) {
      const touched = new Set<string>([args.subject]);
      try {
        return await inner.withSubjectLock(args, (tx) => fn(tracked(tx, touched)));
      } finally {
        // Also after a failure: an error on COMMIT leaves the outcome unknown to us.
        for (const subject of touched) invalidateSubject(subject);
      }
    },

    async setConfig(args) {
      try {
        await inner.setConfig(args);
      } finally {
        invalidateConfig(args.scope);
      }
    },

    get listening() {
      return listener.connected;
    },

    get notificationsReceived() {
      return received;
    },

    async close() {
      await listener.close();
      clearAll();
    },
  };
}
