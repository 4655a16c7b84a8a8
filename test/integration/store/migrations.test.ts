// The committed migrations apply on both engines, and match the drizzle schema.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/store/db.js';
import { adminQuery, testPostgresUrl, withDatabaseName } from '../../support/db.js';

const run = promisify(execFile);
const EXPECTED_TABLES = [
  'api_tokens', 'audit_events', 'broker_schemas', 'checks', 'contract_bindings', 'dag_versions', 'dags', 'deployments', 'environments',
  'quarantine_records', 'registry_config', 'schema_references', 'schemas', 'subject_versions', 'subjects',
];

async function tablesOf(database: Database): Promise<string[]> {
  const res = await database.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
  return res.rows.map((r) => String((r as { table_name: string }).table_name));
}

describe('migrations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

  it('apply on an empty PostgreSQL database, twice without error, leaving nothing pending', async () => {
    const name = `mig_${Date.now()}`;
    await adminQuery(`create database ${name}`);
    const database = await openDatabase({ url: withDatabaseName(testPostgresUrl()!, name) });
    cleanups.push(async () => { await database.close(); await adminQuery(`drop database if exists ${name} with (force)`); });
    expect(await database.pendingMigrations()).toBeGreaterThan(0);
    await Promise.all([database.migrate(), database.migrate()]); // concurrent: the advisory lock serializes them
    expect(await database.pendingMigrations()).toBe(0);
    expect(await tablesOf(database)).toEqual(EXPECTED_TABLES);
  });

  it('apply on an embedded PGlite database that persists across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagpact-pglite-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const first = await openDatabase({ dataDir: dir });
    await first.migrate();
    expect(await tablesOf(first)).toEqual(EXPECTED_TABLES);
    await first.db.execute(sql`insert into dags (dag_id) values ('persisted_dag')`);
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    expect(await second.pendingMigrations()).toBe(0);
    const rows = await second.db.execute(sql`select dag_id from dags`);
    expect(rows.rows).toEqual([{ dag_id: 'persisted_dag' }]);
    await second.close();
  });

  it('match the drizzle schema: drizzle-kit generates nothing new from src/store/schema.ts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dagpact-drift-'));
    cleanups.push(async () => rmSync(out, { recursive: true, force: true }));
    cpSync('migrations', out, { recursive: true });
    const before = readdirSync(out).filter((f) => f.endsWith('.sql')).sort();
    const { stdout } = await run('npx', ['drizzle-kit', 'generate', '--name', 'drift_probe'], {
      env: { ...process.env, DRIZZLE_OUT: out }, timeout: 90_000,
    });
    const after = readdirSync(out).filter((f) => f.endsWith('.sql')).sort();
    expect(after, `drizzle-kit found schema changes without a migration:\n${stdout}\nRun "npm run db:generate" and commit the result.`).toEqual(before);
  });
});
