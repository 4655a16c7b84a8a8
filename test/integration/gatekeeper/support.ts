// Shared helpers of the gatekeeper integration tests: a unique namespace on the real broker, the
// Python clients (producer and drain), and DAG versions / deployments seeded in the test database.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import type { Db } from '../../../src/store/db.js';
import { contractBindings, dagVersions, dags, deployments } from '../../../src/store/schema.js';

const run = promisify(execFile);
export const PYTHON = process.env.DAGPACT_TEST_PYTHON ?? '.venv/bin/python';
export const SERVICE_URL = process.env.TEST_PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
export const ADMIN_URL = process.env.TEST_PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';

export async function createNamespace(adminUrl = ADMIN_URL): Promise<string> {
  const ns = `public/gk-${randomBytes(4).toString('hex')}`;
  const res = await fetch(`${adminUrl}/admin/v2/namespaces/${ns}`, { method: 'PUT' });
  if (!res.ok && res.status !== 409) throw new Error(`creating namespace ${ns}: ${res.status} ${await res.text()}`);
  return ns;
}

export interface PlanBatch {
  topic: string;
  mode: 'avro' | 'json' | 'bytes';
  schema?: object;
  messages: Array<{ value?: object; payload_b64?: string; properties: Record<string, string>; key?: string }>;
}

export async function produce(batches: PlanBatch[], serviceUrl = SERVICE_URL): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gk-plan-'));
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify({ service_url: serviceUrl, batches }));
  await run(PYTHON, ['test/python/gatekeeper_produce.py', file], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
}

export interface Drained { topic: string; properties: Record<string, string>; payload_b64: string }

export async function drain(topics: string[], idleSeconds = 3, serviceUrl = SERVICE_URL): Promise<Drained[]> {
  const { stdout } = await run(PYTHON, ['test/python/gatekeeper_drain.py', serviceUrl, String(idleSeconds), ...topics],
    { maxBuffer: 512 * 1024 * 1024, timeout: 600_000 });
  return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Drained);
}

/** Seeds a DAG version with its consumed bindings straight into the tables (the contracts API's rows). */
export async function seedDagVersion(db: Db, args: {
  dagId: string; version: string;
  consumes: Array<{ topic: string; subject: string; subjectVersion: number; schemaId: number; onMismatch?: 'quarantine' | 'reject'; triggerTopic?: string }>;
}): Promise<number> {
  await db.insert(dags).values({ dagId: args.dagId }).onConflictDoNothing();
  const [row] = await db.insert(dagVersions).values({
    dagId: args.dagId, version: args.version, contract: { consumes: args.consumes }, contractHash: randomBytes(8).toString('hex'), createdBy: 'test',
  }).returning({ id: dagVersions.id });
  for (const c of args.consumes) {
    await db.insert(contractBindings).values({
      dagVersionId: row!.id, direction: 'consumes', topic: c.topic, subject: c.subject, subjectVersion: c.subjectVersion,
      schemaId: c.schemaId, onMismatch: c.onMismatch ?? 'quarantine', triggerTopic: c.triggerTopic ?? null,
    });
  }
  return row!.id;
}

export async function deploy(db: Db, args: { environment: string; dagId: string; dagVersionId: number | null }) {
  await db.insert(deployments).values({ environment: args.environment, dagId: args.dagId, dagVersionId: args.dagVersionId, deployedBy: 'test' });
}

export async function quarantineCounts(db: Db): Promise<Array<{ dag_id: string; reason_code: string; disposition: string; status: string; n: number }>> {
  const res = await db.execute(sql`select dag_id, reason_code, disposition, status, count(*)::int as n from quarantine_records group by 1,2,3,4 order by 1,2,3,4`);
  return res.rows as never;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (error) { last = error; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
