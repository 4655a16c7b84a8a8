// The registry read cache on PGlite (one process): it serves repeated reads, drops a subject or scope as
// soon as a local write ends, never answers reads inside a transaction, goes to the database whenever
// its LISTEN is not in effect, and does not store a read that raced with an invalidation.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/core/auth.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import { makeRegistry } from '../../../src/core/registry/registry.js';
import type { RegistryStore, ScopeConfig } from '../../../src/core/registry/store.js';
import type { Registry, SubjectVersion } from '../../../src/core/registry/types.js';
import type { ChannelListener, Database } from '../../../src/store/db.js';
import { makeCachedRegistryStore, type CachedRegistryStore } from '../../../src/store/registry-cache.js';
import { makeRegistryStore, REGISTRY_CHANNEL } from '../../../src/store/registry-store.js';
import { makeAuditLog } from '../../../src/store/token-store.js';
import { createPgliteTestDatabase, type TestDatabase } from '../../support/db.js';
import { waitFor } from '../../support/wait-for.js';

const actor: Principal = { id: 'test', name: 'test', scopes: ['admin'] };
const record = (name: string, fields: unknown[]) => JSON.stringify({ type: 'record', name, fields });
const v1 = record('Order', [{ name: 'id', type: 'long' }]);
const v2 = record('Order', [{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }]);

const SOON = { timeoutMs: 2_000, intervalMs: 10 };

/** Counts the inner store's (non-transactional) reads. */
function counting(inner: RegistryStore) {
  const calls = { findVersions: 0, getConfig: 0, listSubjects: 0 };
  const store: RegistryStore = {
    ...inner,
    findVersions: (a) => { calls.findVersions++; return inner.findVersions(a); },
    getConfig: (a) => { calls.getConfig++; return inner.getConfig(a); },
    listSubjects: (a) => { calls.listSubjects++; return inner.listSubjects(a); },
  };
  return { store, calls };
}

describe('registry read cache on PGlite', () => {
  let db: TestDatabase;
  let cache: CachedRegistryStore;
  let calls: ReturnType<typeof counting>['calls'];
  let registry: Registry;
  beforeAll(async () => {
    db = await createPgliteTestDatabase();
    const c = counting(makeRegistryStore(db.database.db));
    calls = c.calls;
    cache = makeCachedRegistryStore(c.store, { changes: db.database });
    registry = makeRegistry({ store: cache, formats: makeFormats(), audit: makeAuditLog(db.database.db) });
    await waitFor('listening', () => cache.listening, SOON);
  }, 60_000); // PGlite's start and migrations are slow on a busy machine
  afterAll(() => db.drop());

  it('serves repeated reads of a subject, its config and the subject list from memory', async () => {
    await registry.register({ subject: 'a', schema: v1 }, actor);
    await registry.getVersion({ subject: 'a', version: 'latest' });
    await registry.listSubjects({});
    const before = { ...calls };
    for (let i = 0; i < 5; i++) {
      await registry.getVersion({ subject: 'a', version: 'latest' });
      await registry.listVersions({ subject: 'a' });
      await registry.listSubjects({});
      await registry.effectiveCompatibility({ subject: 'a' });
    }
    expect(calls).toEqual(before);
  });

  it('sees a new version, a soft delete and a permanent delete right after the write', async () => {
    await registry.getVersion({ subject: 'a', version: 'latest' });
    const second = await registry.register({ subject: 'a', schema: v2 }, actor);
    expect(await registry.getVersion({ subject: 'a', version: 'latest' })).toMatchObject({ version: 2, id: second.id });
    expect(await registry.listVersions({ subject: 'a' })).toEqual([1, 2]);

    await registry.deleteVersion({ subject: 'a', version: 2, permanent: false }, actor);
    expect(await registry.getVersion({ subject: 'a', version: 'latest' })).toMatchObject({ version: 1 });
    expect(await registry.listVersions({ subject: 'a', includeDeleted: true })).toEqual([1, 2]);

    await registry.deleteVersion({ subject: 'a', version: 2, permanent: true }, actor);
    expect(await registry.listVersions({ subject: 'a', includeDeleted: true })).toEqual([1]);

    await registry.deleteSubject({ subject: 'a', permanent: false }, actor);
    await expect(registry.listVersions({ subject: 'a' })).rejects.toMatchObject({ code: 'SUBJECT_NOT_FOUND' });
    expect(await registry.listSubjects({})).not.toContain('a');
    expect(await registry.listSubjects({ includeDeleted: true })).toContain('a');
  });

  it('peeks what getVersion and getSchemaById answer once cached, and never an older version after a write', async () => {
    const first = await registry.register({ subject: 'p', schema: v1 }, actor);
    const latest = await registry.getVersion({ subject: 'p', version: 'latest' });
    expect(registry.peekVersion({ subject: 'p', version: 'latest' })).toBe(latest);
    expect(registry.peekVersion({ subject: 'p', version: 1 })).toBe(latest);
    expect(registry.peekVersion({ subject: 'p', version: 2 })).toBeUndefined();
    expect(registry.peekVersion({ subject: 'never-read', version: 'latest' })).toBeUndefined();

    await registry.register({ subject: 'p', schema: v2 }, actor);
    // The write dropped the cached versions: a peek answers nothing or the new version, never version 1.
    expect(registry.peekVersion({ subject: 'p', version: 'latest' })?.version ?? 2).toBe(2);
    const second = await registry.getVersion({ subject: 'p', version: 'latest' });
    expect(registry.peekVersion({ subject: 'p', version: 'latest' })).toBe(second);

    await registry.deleteVersion({ subject: 'p', version: 2, permanent: false }, actor);
    expect(registry.peekVersion({ subject: 'p', version: 'latest' })?.version ?? 1).toBe(1);
    await registry.getVersion({ subject: 'p', version: 'latest' });
    expect(registry.peekVersion({ subject: 'p', version: 'latest' })?.version).toBe(1);
    expect(registry.peekVersion({ subject: 'p', version: 'latest', includeDeleted: true })?.version).toBe(2);
    expect(registry.peekVersion({ subject: 'p', version: 2 })).toBeUndefined();
    expect(registry.peekVersion({ subject: 'p', version: 2, includeDeleted: true })).toMatchObject({ version: 2, deleted: true });

    const byId = await registry.getSchemaById({ id: first.id });
    expect(registry.peekSchemaById({ id: first.id })).toBe(byId);
    expect(registry.peekSchemaById({ id: 999_999 })).toBeUndefined();
  });

  it('sees a config change right after it is set', async () => {
    expect(await registry.effectiveCompatibility({ subject: 'cfg' })).toBe('BACKWARD');
    await registry.setSubjectCompatibility({ subject: 'cfg', level: 'FULL' }, actor);
    expect(await registry.effectiveCompatibility({ subject: 'cfg' })).toBe('FULL');
    await registry.setGlobalCompatibility('NONE', actor);
    expect(await registry.effectiveCompatibility({ subject: 'other' })).toBe('NONE');
    await registry.setGlobalCompatibility('BACKWARD', actor);
    expect(await registry.effectiveCompatibility({ subject: 'other' })).toBe('BACKWARD');
  });

  it('answers reads inside a transaction from the database, not the cache', async () => {
    await registry.register({ subject: 'tx', schema: v1 }, actor);
    expect((await cache.findVersions({ subject: 'tx', includeDeleted: false })).map((v) => v.version)).toEqual([1]);
    // A change the cache is not told about (no NOTIFY): only the transaction's read may see it.
    await db.database.db.execute(sql`update subject_versions set deleted = true where subject = 'tx'`);
    expect((await cache.findVersions({ subject: 'tx', includeDeleted: false })).map((v) => v.version)).toEqual([1]);
    const inTx = await cache.withSubjectLock({ subject: 'tx' }, (tx) => tx.findVersions({ subject: 'tx', includeDeleted: false }));
    expect(inTx).toEqual([]);
  });

  it('drops a subject when a notification names it', async () => {
    await registry.register({ subject: 'n', schema: v1 }, actor);
    expect(await registry.listVersions({ subject: 'n' })).toEqual([1]);
    await db.database.db.execute(sql`update subject_versions set deleted = true where subject = 'n'`);
    await db.database.db.execute(sql`select pg_notify(${REGISTRY_CHANNEL}, 's:n')`);
    await waitFor('the notified change served', async () => (await cache.findVersions({ subject: 'n', includeDeleted: false })).length === 0, SOON);
  });
});

/** A listener the test connects and disconnects, and an inner store whose reads the test releases. */
function fakeChanges() {
  let onMessage: (payload: string) => void = () => undefined;
  let onReset: () => void = () => undefined;
  const state = { connected: false };
  const changes: Pick<Database, 'listen'> = {
    listen(_channel, message, reset): ChannelListener {
      onMessage = message;
      onReset = reset;
      return { get connected() { return state.connected; }, close: async () => { state.connected = false; } };
    },
  };
  return {
    changes,
    connect() { state.connected = true; onReset(); },
    disconnect() { state.connected = false; onReset(); },
    notify: (payload: string) => onMessage(payload),
  };
}

function fakeStore() {
  const row = (version: number, deleted = false): SubjectVersion =>
    ({ subject: 's', version, id: version, format: 'AVRO', schema: '"long"', references: [], deleted });
  const state = { versions: [row(1)], config: {} as ScopeConfig, reads: 0, gate: undefined as Promise<void> | undefined, onRead: undefined as (() => void) | undefined };
  const store = {
    async findVersions({ includeDeleted }: { includeDeleted: boolean }) {
      state.reads++;
      const snapshot = state.versions.slice(); // what the database answered when the query ran
      state.onRead?.();
      if (state.gate) await state.gate;
      return includeDeleted ? snapshot : snapshot.filter((v) => !v.deleted);
    },
    async getConfig() { state.reads++; return { ...state.config }; },
  } as unknown as RegistryStore;
  return { store, state, row };
}

describe('registry read cache without a working LISTEN', () => {
  it('goes to the database for every read while not listening, and caches once listening', async () => {
    const f = fakeChanges();
    const s = fakeStore();
    const cache = makeCachedRegistryStore(s.store, { changes: f.changes });
    await cache.findVersions({ subject: 's', includeDeleted: false });
    await cache.findVersions({ subject: 's', includeDeleted: false });
    expect(s.state.reads).toBe(2);
    f.connect();
    await cache.findVersions({ subject: 's', includeDeleted: false });
    await cache.findVersions({ subject: 's', includeDeleted: true });
    expect(s.state.reads).toBe(3);
    expect(cache.cachedVersions!('s')?.map((v) => v.version)).toEqual([1]);
    // Lost connection: notifications may be lost, so nothing is served until the LISTEN is back.
    f.disconnect();
    expect(cache.cachedVersions!('s')).toBeUndefined();
    s.state.versions = [s.row(1), s.row(2)];
    expect((await cache.findVersions({ subject: 's', includeDeleted: false })).map((v) => v.version)).toEqual([1, 2]);
    expect(s.state.reads).toBe(4);
  });

  it('drops everything when the listener reconnects', async () => {
    const f = fakeChanges();
    const s = fakeStore();
    const cache = makeCachedRegistryStore(s.store, { changes: f.changes });
    f.connect();
    await cache.findVersions({ subject: 's', includeDeleted: false });
    s.state.versions = [s.row(1), s.row(2)]; // changed while its notification was lost
    f.disconnect();
    f.connect();
    expect((await cache.findVersions({ subject: 's', includeDeleted: false })).map((v) => v.version)).toEqual([1, 2]);
  });

  it('does not store a read that started before an invalidation', async () => {
    const f = fakeChanges();
    const s = fakeStore();
    const cache = makeCachedRegistryStore(s.store, { changes: f.changes });
    f.connect();
    let release!: () => void;
    s.state.gate = new Promise((r) => { release = r; });
    const read = new Promise<void>((r) => { s.state.onRead = r; });
    const stale = cache.findVersions({ subject: 's', includeDeleted: false }); // reads [1] before the write
    await read;
    s.state.versions = [s.row(1), s.row(2)];
    f.notify('s:s'); // the write's notification arrives while the first read is still running
    s.state.gate = undefined;
    release();
    expect((await stale).map((v) => v.version)).toEqual([1]);
    expect((await cache.findVersions({ subject: 's', includeDeleted: false })).map((v) => v.version)).toEqual([1, 2]);
  });

  it('drops a config scope on its notification, and everything on an unknown one', async () => {
    const f = fakeChanges();
    const s = fakeStore();
    const cache = makeCachedRegistryStore(s.store, { changes: f.changes });
    f.connect();
    expect(await cache.getConfig({ scope: '' })).toEqual({});
    s.state.config = { compatibility: 'NONE' };
    expect(await cache.getConfig({ scope: '' })).toEqual({});
    f.notify('c:');
    expect(await cache.getConfig({ scope: '' })).toEqual({ compatibility: 'NONE' });
    await cache.findVersions({ subject: 's', includeDeleted: false });
    s.state.versions = [s.row(1, true)];
    f.notify('*');
    expect(await cache.findVersions({ subject: 's', includeDeleted: false })).toEqual([]);
  });
});
