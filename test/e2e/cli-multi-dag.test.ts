// `dagpact check/deploy a.yaml b.yaml` on a change of two DAGs, the way CI runs them: the built server
// as a subprocess (real PostgreSQL), the built CLI as another, judged by exit codes and output. The
// deploy says the order it used (not the order given), refuses part of a change checked together,
// and refuses a change no order can bring live, naming the cycle (ADR 0021).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, type CliRun } from '../support/cli-process.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN = 'e2e-multi-dag-admin-token-0123456789';
const T = 'persistent://public/default/cli-md-orders';
const T2 = 'persistent://public/default/cli-md-invoices';
const dir = mkdtempSync(join(tmpdir(), 'dagpact-cli-md-'));

let db: TestDatabase;
let server: ServerProcess;

const cli = (args: string[]): Promise<CliRun> => runBuiltCli(args, { DAGPACT_URL: server.url, DAGPACT_TOKEN: ADMIN });
const avro = (name: string, fields: object[]) => JSON.stringify({ type: 'record', name, namespace: 'shop', fields });
const ID = { name: 'id', type: 'string' };

function manifest(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const producer = (version: string, fields: object[]) => manifest(`ingest-${version}.yaml`,
  `dag_id: cli_ingest\nversion: "${version}"\nproduces:\n  - topic: ${T}\n    subject: cli-orders-value\n    schemaType: AVRO\n    schema: '${avro('Order', fields)}'\n`);
const consumer = (version: string, fields: object[]) => manifest(`bill-${version}.yaml`,
  `dag_id: cli_bill\nversion: "${version}"\nconsumes:\n  - topic: ${T}\n    subject: cli-bill-reader-${version}\n    schemaType: AVRO\n    schema: '${avro('Order', fields)}'\n`);

async function ok(args: string[]): Promise<CliRun> {
  const run = await cli(args);
  expect(run.code, `${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return run;
}

beforeAll(async () => {
  db = await createPostgresTestDatabase();
  server = await startServerProcess({ DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, PULSAR_ADMIN_URL: undefined, DAGPACT_LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dagpact deploy of a multi-DAG change', () => {
  const p2 = () => join(dir, 'ingest-2.yaml');
  const c2 = () => join(dir, 'bill-2.yaml');

  it('refuses part of a change checked together, naming the missing DAG version (exit 1)', async () => {
    const p1 = producer('1', [ID, { name: 'amount', type: 'double' }]);
    const c1 = consumer('1', [ID, { name: 'amount', type: 'double' }]);
    await ok(['register', p1, c1]);
    await ok(['check', p1, c1, '--env', 'staging']);
    await ok(['deploy', p1, '--env', 'staging']);
    await ok(['deploy', c1, '--env', 'staging']);
    // The producer drops `amount`; the consumer's next version defaults it.
    producer('2', [ID]);
    consumer('2', [ID, { name: 'amount', type: 'double', default: 0 }]);
    await ok(['register', p2(), c2()]);
    expect((await cli(['check', p2(), '--env', 'staging'])).code).toBe(1);
    await ok(['check', p2(), c2(), '--env', 'staging']);

    const part = await cli(['deploy', p2(), '--env', 'staging']);
    expect(part.code, part.stderr).toBe(1);
    expect(part.stderr).toContain('cli_ingest@2 was checked together with cli_bill@2');
    expect(part.stderr).toContain('cli_bill@1 cannot read what cli_ingest@2 writes');
    expect(part.stderr).toMatch(/Deploy the whole change in one request/);
  });

  it('deploys the change in the order that keeps every state valid and says so, whatever order it was given', async () => {
    const run = await ok(['deploy', p2(), c2(), '--env', 'staging']);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('deploy order: cli_bill@2 → cli_ingest@2 (given: cli_ingest@2, cli_bill@2)');
    expect(lines[1]).toMatch(/^ {2}cli_bill@2 before cli_ingest@2: otherwise cli_bill@1 cannot read what cli_ingest@2 writes/);
    expect(run.stdout.indexOf('deployed cli_bill@2')).toBeLessThan(run.stdout.indexOf('deployed cli_ingest@2'));
    const activeNow = await ok(['active', '--env', 'staging', '--format', 'json']);
    expect(activeNow.stdout).toContain('"version": "2"');
  });

  it('refuses a change no order can bring live, naming the cycle (exit 1), and deploys nothing', async () => {
    const TAG = { name: 'tag', type: 'string', default: '' };
    const NEEDS_TAG = { name: 'tag', type: 'string' };
    const x = (v: string, writes: object[], reads: object[]) => manifest(`x-${v}.yaml`,
      `dag_id: cli_x\nversion: "${v}"\nproduces:\n  - topic: ${T2}\n    subject: cli-invoices-value\n    schemaType: AVRO\n    schema: '${avro('Invoice', writes)}'\n` +
      `consumes:\n  - topic: ${T}\n    subject: cli-x-reader-${v}\n    schemaType: AVRO\n    schema: '${avro('Order', reads)}'\n`);
    const y = (v: string, writes: object[], reads: object[]) => manifest(`y-${v}.yaml`,
      `dag_id: cli_y\nversion: "${v}"\nproduces:\n  - topic: ${T}\n    subject: cli-y-orders-value\n    schemaType: AVRO\n    schema: '${avro('Order', writes)}'\n` +
      `consumes:\n  - topic: ${T2}\n    subject: cli-y-reader-${v}\n    schemaType: AVRO\n    schema: '${avro('Invoice', reads)}'\n`);
    const x1 = x('1', [ID], [ID]);
    const y1 = y('1', [ID], [ID]);
    await ok(['register', x1, y1]);
    await ok(['deploy', x1, y1, '--env', 'dev', '--force', '--reason', 'seed']);
    const x2 = x('2', [ID, TAG], [ID, NEEDS_TAG]);
    const y2 = y('2', [ID, TAG], [ID, NEEDS_TAG]);
    await ok(['register', x2, y2]);
    const run = await cli(['deploy', x2, y2, '--env', 'dev']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('no order keeps every intermediate state valid');
    expect(run.stderr).toMatch(/cli_x@2 must come before cli_y@2/);
    expect(run.stderr).toMatch(/cli_y@2 must come before cli_x@2/);
    const history = await ok(['deployments', '--env', 'dev', '--format', 'json']);
    expect(history.stdout).not.toContain('"version": "2"');
  });
});
