// The registry read cache across two API servers on the real PostgreSQL: two registries, each over its
// own connection pool and listener to one database. A write on A reaches B's cache through NOTIFY; a
// lost listener connection costs the cache, never correctness.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/core/auth.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import { makeRegistry } from '../../../src/core/registry/registry.js';
import type { Registry } from '../../../src/core/registry/types.js';
import { openDatabase, type Database } from '../../../src/store/db.js';
import { makeCachedRegistryStore, type CachedRegistryStore } from '../../../src/store/registry-cache.js';
import { makeRegistryStore } from '../../../src/store/registry-store.js';
import { makeAuditLog } from '../../../src/store/token-store.js';
import { adminQuery, createPostgresTestDatabase, type TestDatabase } from '../../support/db.js';
import { waitFor } from '../../support/wait-for.js';

const actor: Principal = { id: 'test', name: 'test', scopes: ['admin'] };
const record = (fields: number) =>
  JSON.stringify({ type: 'record', name: 'Order', fields: Array.from({ length: fields }, (_, i) => ({ name: `f${i}`, type: 'string', default: '' })) });

/** A notification travels in milliseconds: poll often, give up after 5 s. */
const SOON = { timeoutMs: 5_000, intervalMs: 20 };

interface Server { database: Database; cache: CachedRegistryStore; registry: Registry }

async function server(url: string, name: string): Promise<Server> {
  const database = await openDatabase({ url, poolSize: 3, applicationName: name });
  const cache = makeCachedRegistryStore(makeRegistryStore(database.db), { changes: database });
  const registry = makeRegistry({ store: cache, formats: makeFormats(), audit: makeAuditLog(database.db) });
  await waitFor('listening', () => cache.listening, SOON);
  return { database, cache, registry };
}

describe('registry read cache across two servers', () => {
  let db: TestDatabase;
  let a: Server;
  let b: Server;
  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    a = await server(db.url!, 'cache-a');
    b = await server(db.url!, 'cache-b');
  });
  afterAll(async () => {
    await Promise.allSettled([a?.database.close(), b?.database.close()]);
    await db?.drop();
  });

  const latestOnB = async (subject: string) => (await b.registry.getVersion({ subject, version: 'latest' })).version;
  /** Runs a write on A and waits until B has heard its notification, so none arrives late mid-test. */
  const heardByB = async (write: () => Promise<unknown>) => {
    const before = b.cache.notificationsReceived;
    await write();
    await waitFor('B to hear the notification', () => b.cache.notificationsReceived > before, SOON);
  };

  it('B serves from its cache, and a version registered on A reaches it by NOTIFY', async () => {
    await heardByB(() => a.registry.register({ subject: 'orders', schema: record(1) }, actor));
    expect(await latestOnB('orders')).toBe(1);
    // Proof that B caches: a change made behind the registry's back (no NOTIFY) goes unseen...
    await db.database.db.execute(sql`update subject_versions set deleted = true where subject = 'orders'`);
    expect(await latestOnB('orders')).toBe(1);
    await db.database.db.execute(sql`update subject_versions set deleted = false where subject = 'orders'`);
    // ...while a registration on A, which notifies on commit, is seen shortly after.
    await a.registry.register({ subject: 'orders', schema: record(2) }, actor);
    await waitFor('version 2 on B', async () => (await latestOnB('orders')) === 2, SOON);
    expect(await b.registry.listVersions({ subject: 'orders' })).toEqual([1, 2]);
    expect(await b.registry.listSubjects({})).toEqual(['orders']);
  });

  it('soft and permanent deletes on A reach B', async () => {
    expect(await latestOnB('orders')).toBe(2);
    await a.registry.deleteVersion({ subject: 'orders', version: 2, permanent: false }, actor);
    await waitFor('the soft delete on B', async () => (await latestOnB('orders')) === 1, SOON);
    expect(await b.registry.listVersions({ subject: 'orders', includeDeleted: true })).toEqual([1, 2]);

    await a.registry.deleteVersion({ subject: 'orders', version: 2, permanent: true }, actor);
    await waitFor('the permanent delete on B', async () => (await b.registry.listVersions({ subject: 'orders', includeDeleted: true })).length === 1, SOON);

    await a.registry.deleteSubject({ subject: 'orders', permanent: false }, actor);
    // The list and the versions are cached apart: a fresh read of the list can see the commit before B
    // hears its notification, so wait for what the next assertion needs, not for the list alone.
    const gone = () => b.registry.getVersion({ subject: 'orders', version: 'latest' }).then(() => false, (e: { code?: string }) => e.code === 'SUBJECT_NOT_FOUND');
    await waitFor('the subject deleted on B', async () => (await b.registry.listSubjects({})).length === 0 && (await gone()), SOON);
    await expect(b.registry.getVersion({ subject: 'orders', version: 'latest' })).rejects.toMatchObject({ code: 'SUBJECT_NOT_FOUND' });
    await a.registry.deleteSubject({ subject: 'orders', permanent: true }, actor);
    await waitFor('the subject gone on B', async () => (await b.registry.listSubjects({ includeDeleted: true })).length === 0, SOON);
  });

  it('config changes on A reach B', async () => {
    expect(await b.registry.effectiveCompatibility({ subject: 'cfg' })).toBe('BACKWARD');
    await a.registry.setSubjectCompatibility({ subject: 'cfg', level: 'FULL' }, actor);
    await waitFor('FULL on B', async () => (await b.registry.effectiveCompatibility({ subject: 'cfg' })) === 'FULL', SOON);
    await a.registry.setGlobalMode('READONLY', actor);
    await waitFor('READONLY on B', async () => (await b.registry.getGlobalMode()) === 'READONLY', SOON);
    await expect(b.registry.register({ subject: 'cfg', schema: record(1) }, actor)).rejects.toMatchObject({ code: 'SUBJECT_READ_ONLY' });
    await a.registry.setGlobalMode('READWRITE', actor);
    await waitFor('READWRITE on B', async () => (await b.registry.getGlobalMode()) === 'READWRITE', SOON);
  });

  it('stays correct when B loses its listener: nothing missed meanwhile is served, and caching resumes', async () => {
    await a.registry.register({ subject: 'lost', schema: record(1) }, actor);
    expect(await latestOnB('lost')).toBe(1);
    const pidOf = async () => {
      const res = await db.database.db.execute(sql`select pid from pg_stat_activity
        where application_name = 'cache-b:listen' and datname = current_database()`);
      return (res.rows[0] as { pid: number } | undefined)?.pid;
    };
    const before = await pidOf();
    expect(before).toBeDefined();
    await db.database.db.execute(sql`select pg_terminate_backend(${before})`);
    // A version whose notification B cannot receive: its listener is gone.
    await a.registry.register({ subject: 'lost', schema: record(2) }, actor);
    expect(await latestOnB('lost')).toBe(2);
    await waitFor('B listening on a new connection', async () => b.cache.listening && (await pidOf()) !== undefined && (await pidOf()) !== before, SOON);
    expect(await latestOnB('lost')).toBe(2);
    // Listening again, B caches again (a change without NOTIFY goes unseen) and hears A again.
    await db.database.db.execute(sql`update subject_versions set deleted = true where subject = 'lost' and version = 2`);
    expect(await latestOnB('lost')).toBe(2);
    await db.database.db.execute(sql`update subject_versions set deleted = false where subject = 'lost' and version = 2`);
    await a.registry.register({ subject: 'lost', schema: record(3) }, actor);
    await waitFor('version 3 on B', async () => (await latestOnB('lost')) === 3, SOON);
  });

  it('bypasses the cache while the listener is down', async () => {
    await a.registry.register({ subject: 'down', schema: record(1) }, actor);
    expect(await latestOnB('down')).toBe(1);
    const name = new URL(db.url!).pathname.slice(1);
    const res = await db.database.db.execute(sql`select pid from pg_stat_activity
      where application_name = 'cache-b:listen' and datname = current_database()`);
    const pid = (res.rows[0] as { pid: number }).pid;
    // Keep B's listener from reconnecting (open pool connections are not affected), then cut it.
    await adminQuery(`alter database ${name} with allow_connections false`);
    try {
      await db.database.db.execute(sql`select pg_terminate_backend(${pid})`);
      await waitFor('B to notice its listener is gone', () => !b.cache.listening, SOON);
      for (const deleted of [true, false, true, false]) {
        await db.database.db.execute(sql`update subject_versions set deleted = ${deleted} where subject = 'down'`);
        if (deleted) await expect(b.registry.getVersion({ subject: 'down', version: 'latest' })).rejects.toMatchObject({ code: 'SUBJECT_NOT_FOUND' });
        else expect(await latestOnB('down')).toBe(1);
      }
      expect(b.cache.listening).toBe(false);
    } finally {
      await adminQuery(`alter database ${name} with allow_connections true`);
    }
    await waitFor('B listening again', () => b.cache.listening, { ...SOON, timeoutMs: 15_000 });
    await a.registry.register({ subject: 'down', schema: record(2) }, actor);
    await waitFor('version 2 on B', async () => (await latestOnB('down')) === 2, SOON);
  });
});
