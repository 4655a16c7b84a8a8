// Test databases. With TEST_DATABASE_URL (the real PostgreSQL server that scripts/test.sh starts),
// each caller gets its own database cloned from the migrated template `dagpact_template` (made once
// in global-setup.ts) and dropped afterwards. Without it, an in-memory PGlite database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/db.js';

// DAGPACT_TEST_TEMPLATE lets several suites share one PostgreSQL server without dropping each other's template.
export const TEMPLATE_DB = process.env.DAGPACT_TEST_TEMPLATE ?? 'dagpact_template';

export interface TestDatabase {
  database: Database;
  kind: 'postgres' | 'pglite';
  /** The URL of the test's own PostgreSQL database (postgres kind only). */
  url?: string;
  drop(): Promise<void>;
}

export function testPostgresUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/** The admin URL with another database name. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const url = testPostgresUrl();
  if (!url) throw new Error('TEST_DATABASE_URL is not set; run the tests with `npm test`');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const admin = testPostgresUrl();
  if (!admin) throw new Error('TEST_DATABASE_URL is not set: integration tests need the real PostgreSQL; run them with `npm test`');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name} template ${TEMPLATE_DB}`);
  const url = withDatabaseName(admin, name);
  const database = await openDatabase({ url, poolSize: 5 });
  return {
    database, kind: 'postgres', url,
    async drop() {
      await database.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

export async function createPgliteTestDatabase(): Promise<TestDatabase> {
  const database = await openDatabase({ memory: true });
  await database.migrate();
  return { database, kind: 'pglite', drop: () => database.close() };
}

/** PostgreSQL when the test run has it (it always does under `npm test`), else PGlite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  return testPostgresUrl() ? createPostgresTestDatabase() : createPgliteTestDatabase();
}
