// Opens the database: PostgreSQL through `pg` when a URL is given, otherwise an embedded PGlite
// database in a data directory. Both get the same drizzle API and the same migrations. `listen` keeps a
// LISTEN on a channel (a dedicated connection on PostgreSQL) for caches invalidated by NOTIFY.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import { translatingErrors } from './db-errors.js';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { packageRoot } from '../support/package-root.js';
import * as schema from './schema.js';

/** The drizzle database every store module takes. PGlite's drizzle API is the same query builder. */
export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  readonly db: Db;
  readonly kind: 'postgres' | 'pglite';
  /** Applies pending migrations; safe to call from several processes at once on PostgreSQL. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  /** Number of committed migrations not yet applied (0 = migrated). */
  pendingMigrations(): Promise<number>;
  /**
   * LISTENs on `channel` until closed (or until the database is closed). `onReset` is called each time
   * the listener connects, reconnects or loses its connection: notifications may have been missed, so
   * whatever they would have invalidated must be dropped. Reconnects with backoff on PostgreSQL.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReset: () => void): ChannelListener;
  /** Closes the listeners, then the connections. */
  close(): Promise<void>;
}

/** A LISTEN kept up in the background. */
export interface ChannelListener {
  /** True only while the LISTEN is in effect: a notification committed now will be delivered. */
  readonly connected: boolean;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { url: string; poolSize?: number; applicationName?: string }
  | { dataDir: string }
  | { memory: true };

const MIGRATION_LOCK_KEY = 726_417_390; // arbitrary constant: one advisory lock for dagpact's migrations

export function migrationsFolder(): string {
  return join(packageRoot(), 'migrations');
}

let journalEntries: number | undefined;

/** The committed migrations: read once per process (they do not change while it runs; /readyz asks often). */
function journalCount(): number {
  if (journalEntries !== undefined) return journalEntries;
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  journalEntries = journal.entries.length;
  return journalEntries;
}

async function appliedCount(db: Db): Promise<number> {
  const exists = await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') as t`);
  if (!exists.rows[0] || (exists.rows[0] as { t: unknown }).t === null) return 0;
  const res = await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return Number((res.rows[0] as { n: number }).n);
}

function assertChannel(channel: string): void {
  // LISTEN takes an identifier, not a parameter: only plain names are accepted.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid LISTEN channel name "${channel}"`);
}

/** Tracks a database's listeners so close() ends them before the connections. */
function listenerSet() {
  const open = new Set<ChannelListener>();
  return {
    add(listener: ChannelListener): ChannelListener {
      open.add(listener);
      return {
        get connected() { return listener.connected; },
        async close() { open.delete(listener); await listener.close(); },
      };
    },
    async closeAll() {
      const all = [...open];
      open.clear();
      await Promise.allSettled(all.map((l) => l.close()));
    },
  };
}

const LISTEN_BACKOFF_MS = { first: 100, max: 5_000 };
const LISTEN_HEALTH_MS = { every: 5_000, timeout: 3_000 };

/**
 * One LISTEN on a dedicated client (a pooled one would be reused and lose it). Any error, end or failed
 * health check drops the client and schedules a reconnect; `connected` turns true only once LISTEN has
 * returned, and `onReset` is called on every change of state.
 */
function listenPostgres(
  options: { url: string; applicationName?: string }, channel: string,
  onMessage: (payload: string) => void, onReset: () => void,
): ChannelListener {
  assertChannel(channel);
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const reset = () => { try { onReset(); } catch { /* a listener's callback must not break reconnection */ } };

  function drop(c: pg.Client): void {
    if (c !== client) return;
    client = undefined;
    connected = false;
    reset();
    c.end().catch(() => undefined);
    if (closed) return;
    const delay = Math.min(LISTEN_BACKOFF_MS.max, LISTEN_BACKOFF_MS.first * 2 ** failures++);
    retry = setTimeout(() => { retry = undefined; void connect(); }, delay * (0.5 + Math.random() / 2));
    retry.unref();
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({
      connectionString: options.url, application_name: `${options.applicationName ?? 'dagpact'}:listen`,
      connectionTimeoutMillis: 5_000, keepAlive: true,
    });
    client = c;
    c.on('error', () => drop(c));
    c.on('end', () => drop(c));
    c.on('notification', (msg) => { if (msg.channel === channel && c === client) onMessage(msg.payload ?? ''); });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
    } catch {
      drop(c);
      return;
    }
    if (c !== client) return;
    if (closed) { client = undefined; await c.end().catch(() => undefined); return; }
    connected = true;
    failures = 0;
    reset();
  }

  // A connection that died silently (no FIN) would keep `connected` true while notifications are lost.
  const health = setInterval(() => {
    const c = client;
    if (!c || !connected) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), LISTEN_HEALTH_MS.timeout); });
    Promise.race([c.query('select 1'), timeout]).then(() => clearTimeout(timer), () => { clearTimeout(timer); drop(c); });
  }, LISTEN_HEALTH_MS.every);
  health.unref();

  void connect();
  return {
    get connected() { return connected; },
    async close() {
      closed = true;
      clearInterval(health);
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      connected = false;
      if (c) await c.end().catch(() => undefined);
    },
  };
}

/**
 * Opens the database. With `waitReady: false` an embedded database is returned as soon as its lock is
 * taken and PGlite has started loading: queries and migrate() wait for it, so the server can build its
 * app and listen meanwhile (docs/adr/0021). A PGlite that fails to start then fails migrate().
 */
export async function openDatabase(options: DatabaseOptions, open: { waitReady?: boolean } = {}): Promise<Database> {
  if ('url' in options) return openPostgres(options);
  return openPglite(options, open.waitReady ?? true);
}

function openPostgres(options: { url: string; poolSize?: number; applicationName?: string }): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'dagpact',
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its server emits 'error'; without a listener that crashes the process.
  pool.on('error', () => undefined);
  // Every failure of a query or a connection leaves the pool as a DagpactError (db-errors.ts).
  pool.query = translatingErrors(pool.query);
  pool.connect = translatingErrors(pool.connect);
  pool.on('connect', (client) => { client.query = translatingErrors(client.query); });
  const db = drizzlePg(pool, { schema });
  const listeners = listenerSet();
  return {
    db,
    kind: 'postgres',
    listen(channel, onMessage, onReset) {
      return listeners.add(listenPostgres(options, channel, onMessage, onReset));
    },
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migratePg(drizzlePg(client, { schema }), { migrationsFolder: migrationsFolder() });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async pendingMigrations() {
      return journalCount() - (await appliedCount(db));
    },
    async close() {
      await listeners.closeAll();
      await pool.end();
    },
  };
}

/** PGlite's queries, inside transactions too, fail with DagpactErrors (db-errors.ts), as pg's pool does. */
function translatePgliteErrors(client: PGlite): void {
  client.query = translatingErrors(client.query);
  client.exec = translatingErrors(client.exec);
  const transaction = client.transaction.bind(client);
  client.transaction = translatingErrors(((callback) => transaction((tx) => {
    tx.query = translatingErrors(tx.query);
    tx.exec = translatingErrors(tx.exec);
    return callback(tx);
  })) as PGlite['transaction']);
}

async function openPglite(options: { dataDir: string } | { memory: true }, waitReady: boolean): Promise<Database> {
  let client: PGlite;
  let unlock = () => {};
  if ('dataDir' in options) {
    mkdirSync(options.dataDir, { recursive: true });
    unlock = lockDataDir(options.dataDir);
    client = new PGlite(options.dataDir);
  } else {
    client = new PGlite();
  }
  // A PGlite that never starts releases the lock; whoever waits on it (migrate, a query) gets the error.
  const ready = client.waitReady.catch((error: unknown) => { unlock(); throw error; });
  ready.catch(() => undefined);
  if (waitReady) await ready;
  translatePgliteErrors(client);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  const listeners = listenerSet();
  return {
    db,
    kind: 'pglite',
    listen(channel, onMessage, onReset) {
      assertChannel(channel);
      // One process, one connection: the listen cannot drop, but it takes effect asynchronously.
      let connected = false;
      let closed = false;
      const subscribed = client.listen(channel, onMessage).then((unlisten) => {
        if (closed) return unlisten;
        connected = true;
        onReset();
        return unlisten;
      });
      subscribed.catch(() => undefined);
      return listeners.add({
        get connected() { return connected; },
        async close() {
          closed = true;
          connected = false;
          const unlisten = await subscribed.catch(() => undefined);
          if (unlisten && !client.closed) await unlisten().catch(() => undefined);
        },
      });
    },
    async migrate() {
      await ready;
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: migrationsFolder() });
    },
    async ping() {
      await client.query('select 1');
    },
    async pendingMigrations() {
      return journalCount() - (await appliedCount(db));
    },
    async close() {
      await listeners.closeAll();
      try { await client.close(); } finally { unlock(); }
    },
  };
}
