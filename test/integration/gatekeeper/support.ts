// Shared helpers of the gatekeeper integration tests: a unique namespace on the real broker, the
// Python clients (producer and drain), DAG versions / deployments seeded in the test database, and an
// in-process gatekeeper.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { parseGatekeeperConfig } from '../../../src/config/gatekeeper-config.js';
import { startGatekeeper } from '../../../src/start/gatekeeper.js';
import type { Db } from '../../../src/store/db.js';
import { contractBindings, dagVersions, dags, deployments } from '../../../src/store/schema.js';
import { freePort } from '../../support/server-process.js';
import { waitFor } from '../../support/wait-for.js';

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

/** Produces every batch; resolves with one report per batch (`retried`: sends that failed once and were sent again). */
export async function produce(batches: PlanBatch[], serviceUrl = SERVICE_URL): Promise<Array<{ topic: string; sent: number; retried: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'gk-plan-'));
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify({ service_url: serviceUrl, batches }));
  try {
    const { stdout } = await run(PYTHON, ['test/python/gatekeeper_produce.py', file], { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { topic: string; sent: number; retried: number });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the built `dagpact` CLI (dist/, `npm run build`); resolves with its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/src/cli/main.js', ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface Drained { topic: string; properties: Record<string, string>; key?: string | null; payload_b64: string }

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

/** The shared polling helper (test/support/wait-for.ts), re-exported for the gatekeeper and Airflow tests. */
export { waitFor };

/**
 * A TCP proxy in front of PostgreSQL for one client (the gatekeeper), so a test can take the database
 * away from that client alone: cut() resets every open connection and every new one until restore().
 * That is what a client sees when its database server goes down or restarts; the shared server stays up.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const { createServer, connect } = await import('node:net');
  const open = new Set<import('node:net').Socket>();
  let down = false;
  let refused = 0;
  const server = createServer((client) => {
    if (down) { refused++; client.resetAndDestroy(); return; }
    const upstream = connect(target.port, target.host);
    open.add(client); open.add(upstream);
    const close = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on('error', close); upstream.on('error', close);
    client.on('close', close); upstream.on('close', close);
    client.pipe(upstream); upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    port,
    /** Resets every open connection and refuses new ones. */
    cut() { down = true; for (const s of open) s.resetAndDestroy(); open.clear(); },
    restore() { down = false; },
    /** Connections reset on arrival while the proxy was cut (proof the client kept trying). */
    refused: () => refused,
    close: () => new Promise<void>((resolve) => { for (const s of open) s.destroy(); server.close(() => resolve()); }),
  };
}

/** Reads one Prometheus sample (sum over the series whose labels include `labels`). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}

/**
 * A gatekeeper in this process for `environment` on the test broker: its own HTTP port, warn-level logs,
 * the routing table re-read every 500 ms, quarantine and dead-letter topics in `ns`; `env` adds or
 * overrides settings. With `subscribedTo`, resolves once it has subscribed to that many topics.
 */
export async function startTestGatekeeper(args: { databaseUrl: string; environment: string; ns: string; subscribedTo?: number; env?: Record<string, string> }) {
  const gk = await startGatekeeper(parseGatekeeperConfig({
    DATABASE_URL: args.databaseUrl, PULSAR_SERVICE_URL: SERVICE_URL, DAGPACT_ENVIRONMENT: args.environment, DAGPACT_LOG_LEVEL: 'warn',
    DAGPACT_GATEKEEPER_PORT: String(await freePort()), DAGPACT_ROUTING_REFRESH_MS: '500',
    DAGPACT_QUARANTINE_TOPIC: `persistent://${args.ns}/quarantine`, DAGPACT_DEAD_LETTER_TOPIC: `persistent://${args.ns}/dead-letter`,
    ...args.env,
  }), { installSignals: false });
  if (args.subscribedTo !== undefined) {
    await waitFor('gatekeeper subscribed', async () => (await fetch(`http://127.0.0.1:${gk.http.port}/healthz`)
      .then((r) => r.json() as Promise<{ topics: string[] }>)).topics.length === args.subscribedTo, { timeoutMs: 60_000, intervalMs: 200 });
  }
  return gk;
}
