// Opens the database: PostgreSQL through `pg` when a URL is given, otherwise an embedded PGlite
// database in a data directory. Both get the same drizzle API and the same migrations.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
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

function journalCount(): number {
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

async function appliedCount(db: Db): Promise<number> {
  const exists = await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') as t`);
  if (!exists.rows[0] || (exists.rows[0] as { t: unknown }).t === null) return 0;
  const res = await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return Number((res.rows[0] as { n: number }).n);
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('url' in options) return openPostgres(options);
  return openPglite(options);
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
  const db = drizzlePg(pool, { schema });
  return {
    db,
    kind: 'postgres',
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
      await pool.end();
    },
  };
}

async function openPglite(options: { dataDir: string } | { memory: true }): Promise<Database> {
  let client: PGlite;
  if ('dataDir' in options) {
    mkdirSync(options.dataDir, { recursive: true });
    client = new PGlite(options.dataDir);
  } else {
    client = new PGlite();
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    async migrate() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: migrationsFolder() });
    },
    async ping() {
      await client.query('select 1');
    },
    async pendingMigrations() {
      return journalCount() - (await appliedCount(db));
    },
    async close() {
      await client.close();
    },
  };
}
