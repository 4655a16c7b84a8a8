// examples/airflow end to end, against a whole real Airflow 3 (API server, scheduler with the
// LocalExecutor, DAG processor, triggerer: scripts/airflow/harness.sh AIRFLOW_COMPONENTS=all) with the
// dagpact-airflow wheel pip-installed, the real Pulsar broker, the built dagpact server and the real
// gatekeeper. The README's `walkthrough` blocks are executed as written (export → register → check →
// deploy; the producer), in a copy of the example whose Pulsar namespace is unique to this run.
//
// DAG_VERSION_MISMATCH (the last describe): the gatekeeper reads the contract the DAG Airflow runs
// declares, and holds messages while it is not the active one.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { makeAirflowClient, type AirflowClient } from '../../../src/airflow/client.js';
import { createPostgresTestDatabase, type TestDatabase } from '../../support/db.js';
import { startServerProcess, type ServerProcess } from '../../support/server-process.js';
import { ADMIN_URL, createNamespace, SERVICE_URL, startTestGatekeeper, waitFor } from '../gatekeeper/support.js';
import { airflow12, DAGPACT_AIRFLOW, exec, harness, ROOT, VENV, type Airflow12 } from './support.js';

const ADMIN = 'walkthrough-admin-token-0123456789';
const DEMO_NS = 'public/orders-demo';
const RUN_TIMEOUT = 240_000;

let af: Airflow12;
let airflow: AirflowClient;
let ns: string;
let db: TestDatabase;
let server: ServerProcess;
let gatekeeper: Awaited<ReturnType<typeof startTestGatekeeper>> | undefined;
let work: string; // a copy of the repository's examples/airflow with this run's namespace
let started: string; // ISO time: runs of earlier test runs are older

/** The README's ```bash walkthrough blocks, in order. */
function walkthroughBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'examples/airflow/README.md'), 'utf8');
  return [...readme.matchAll(/```bash walkthrough\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

async function sh(script: string, env: Record<string, string> = {}) {
  const bin = join(work, '.bin');
  return exec('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: work,
    env: { ...process.env, PATH: `${bin}:${VENV}/bin:${process.env.PATH}`, DAGPACT_URL: server.url, DAGPACT_TOKEN: ADMIN, PULSAR_SERVICE_URL: SERVICE_URL, ...env },
  });
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const token = await airflow.token();
  const res = await fetch(`${af.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // Airflow answers an unhandled error as text ("Internal Server Error"): only JSON is parsed.
  return { status: res.status, json: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as T };
}

async function setConnection(conn: Record<string, unknown>) {
  await api('DELETE', `/api/v2/connections/${conn.connection_id as string}`);
  const res = await api('POST', '/api/v2/connections', conn);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
}

type Run = { dag_run_id: string; state: string; run_type: string; run_after: string };
async function runsSince(dagId: string): Promise<Run[]> {
  const res = await api<{ dag_runs: Run[] }>('GET', `/api/v2/dags/${dagId}/dagRuns?limit=100&order_by=run_after&run_after_gte=${encodeURIComponent(started)}`);
  expect(res.status).toBe(200);
  return res.json.dag_runs;
}
async function xcom<T>(dagId: string, runId: string, taskId: string): Promise<T | undefined> {
  const res = await api<{ value: T }>('GET', `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${taskId}/xcomEntries/return_value?deserialize=true&stringify=false`);
  return res.status === 200 ? res.json.value : undefined;
}
async function taskLog(dagId: string, runId: string, taskId: string): Promise<string> {
  const res = await api<unknown>('GET', `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${taskId}/logs/1?full_content=true`);
  return JSON.stringify(res.json);
}

type EtlResult = Array<{ order: { order_id: string }; message_id: string; source_topic: string; via: string; contract_subject: string; contract_version: number; dag_version: string; published: string }>;
/** Every order orders_etl processed in a successful run since the test started: order id -> runs. */
async function etlOrders(): Promise<Map<string, Array<{ run: string; result: EtlResult[number] }>>> {
  const out = new Map<string, Array<{ run: string; result: EtlResult[number] }>>();
  for (const r of (await runsSince('orders_etl')).filter((x) => x.state === 'success')) {
    for (const result of (await xcom<EtlResult>('orders_etl', r.dag_run_id, 'enrich')) ?? []) {
      out.set(result.order.order_id, [...(out.get(result.order.order_id) ?? []), { run: r.dag_run_id, result }]);
    }
  }
  return out;
}

type EtlRun = Run & { results: EtlResult };
/** orders_etl's runs created since `since`, with what each one read (once every run has finished). */
async function etlRunsSince(since: string): Promise<EtlRun[] | undefined> {
  const res = await api<{ dag_runs: Run[] }>('GET', `/api/v2/dags/orders_etl/dagRuns?limit=100&order_by=run_after&run_after_gte=${encodeURIComponent(since)}`);
  expect(res.status).toBe(200);
  if (res.json.dag_runs.some((r) => r.state !== 'success' && r.state !== 'failed')) return undefined;
  return Promise.all(res.json.dag_runs.map(async (r) => ({ ...r, results: (await xcom<EtlResult>('orders_etl', r.dag_run_id, 'enrich')) ?? [] })));
}

/** The asset watcher's subscription on orders_etl's trigger topic: messages not yet acknowledged. */
async function triggerBacklog(): Promise<number> {
  const res = await fetch(`${ADMIN_URL}/admin/v2/persistent/${ns}/orders-etl-trigger/stats`);
  expect(res.status).toBe(200);
  const sub = ((await res.json()) as { subscriptions: Record<string, { msgBacklog: number; unackedMessages: number }> }).subscriptions['dagpact-airflow-orders_etl'];
  return sub ? sub.msgBacklog + sub.unackedMessages : Number.NaN;
}

/**
 * After a burst: every order has been read, the watcher acknowledged every message (nothing can
 * start another run), and every run has finished. Returns the runs created since `since`.
 */
async function settledBurst(since: string, orderIds: string[]): Promise<EtlRun[]> {
  return waitFor(`orders_etl runs read ${orderIds.join(', ')} and the trigger topic is drained`, async () => {
    const runs = await etlRunsSince(since);
    if (!runs) return undefined;
    const read = new Set(runs.flatMap((r) => r.results.map((x) => x.order.order_id)));
    if (!orderIds.every((id) => read.has(id))) return undefined;
    return (await triggerBacklog()) === 0 ? runs : undefined;
  }, RUN_TIMEOUT, 2000);
}

type AssetEvent = { id: number; extra: { payload?: { message?: { order_id?: string }; dagpact?: { dag_id?: string } } }; created_dagruns: unknown[] };
/** The asset events orders_etl's watcher stored for an order since `since`. */
async function etlEventsSince(since: string, orderId: string): Promise<AssetEvent[]> {
  // Airflow 3.3's list answers 500 while a listed event has created a run that has not started yet (its
  // response model requires the run's start_date; seen in CI): asked again until the run has started.
  const events = await waitFor('Airflow to list the asset events', async () => {
    const res = await api<{ asset_events: AssetEvent[] }>('GET', `/api/v2/assets/events?limit=100&timestamp_gte=${encodeURIComponent(since)}`);
    if (res.status === 500) return undefined;
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return res.json.asset_events;
  }, 30_000, 500);
  return events.filter((e) => e.extra?.payload?.dagpact?.dag_id === 'orders_etl' && e.extra.payload?.message?.order_id === orderId);
}

type Report = { enriched: { order_id: string; total_cents: number; source_message_id: string }; contract_subject: string; producer_run_id: string };
/** What orders_report read in its successful runs since the test started. */
async function reportsSince(): Promise<Report[]> {
  const out: Report[] = [];
  for (const r of (await runsSince('orders_report')).filter((x) => x.state === 'success')) out.push(...((await xcom<Report[]>('orders_report', r.dag_run_id, 'report')) ?? []));
  return out;
}

async function produce(...orders: string[]): Promise<Array<{ order_id: string; message_id: string }>> {
  const res = await sh(`python examples/airflow/producer.py --service-url "$PULSAR_SERVICE_URL" --topic persistent://${ns}/orders ${orders.join(' ')}`);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { order_id: string; message_id: string });
}

async function expectedHash(dagId: string): Promise<string> {
  const res = await exec(DAGPACT_AIRFLOW, ['hash', join(work, 'examples/airflow/dags/manifests', `${dagId}.yaml`)]);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.split(/\s+/)[0]!;
}

beforeAll(async () => {
  af = await airflow12();
  airflow = makeAirflowClient({ baseUrl: af.url, username: af.username, password: af.password });
  started = new Date().toISOString();
  ns = await createNamespace();
  // The example with this run's namespace, laid out as in the repository (commands run from its root).
  work = mkdtempSync(join(tmpdir(), 'walkthrough-'));
  cpSync(join(ROOT, 'examples/airflow'), join(work, 'examples/airflow'), { recursive: true });
  for (const dir of [join(work, 'examples/airflow'), join(work, 'examples/airflow/dags'), join(work, 'examples/airflow/dags/manifests')]) {
    for (const f of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile())) {
      const p = join(dir, f.name);
      writeFileSync(p, readFileSync(p, 'utf8').replaceAll(DEMO_NS, ns));
    }
  }
  mkdirSync(join(work, '.bin'));
  writeFileSync(join(work, '.bin/dagpact'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist/src/cli/main.js')}" "$@"\n`, { mode: 0o755 });
  db = await createPostgresTestDatabase();
  server = await startServerProcess({
    DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, DAGPACT_LOG_LEVEL: 'warn', PULSAR_SERVICE_URL: SERVICE_URL,
    PULSAR_ADMIN_URL: process.env.TEST_PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080',
    AIRFLOW_URL: af.url, AIRFLOW_USERNAME: af.username, AIRFLOW_PASSWORD: af.password,
  });
  // Credentials live in Airflow connections, not in the DAG files.
  const pulsar = new URL(SERVICE_URL.replace(/^pulsar/, 'http'));
  await setConnection({ connection_id: 'pulsar_default', conn_type: 'pulsar', host: pulsar.hostname, port: Number(pulsar.port) });
  await setConnection({ connection_id: 'dagpact_default', conn_type: 'dagpact', extra: JSON.stringify({ url: server.url }), password: ADMIN });
  // Airflow's own REST API: the asset watchers pace themselves on it (one run per message).
  const api = new URL(af.url);
  await setConnection({ connection_id: 'airflow_api_default', conn_type: 'http', host: api.hostname, port: Number(api.port), login: af.username, password: af.password });
  // Then Airflow's DAGs folder gets the example's DAG files (the DAG processor picks them up within
  // seconds, and the triggerer starts their asset watchers, which read the connections).
  rmSync(af.dagsDir, { recursive: true, force: true });
  cpSync(join(work, 'examples/airflow/dags'), af.dagsDir, { recursive: true });

  for (const dagId of ['orders_etl', 'orders_report', 'orders_audit']) {
    const hash = await expectedHash(dagId);
    await waitFor(`Airflow parsed ${dagId} with its contract tag`, async () => {
      const dag = await airflow.getDag({ dagId });
      return dag?.tags.some((t) => t.name === `dagpact-contract:${hash}`) ?? false;
    }, 300_000, 2000);
  }
}, 1_800_000);

afterAll(async () => {
  await gatekeeper?.stop();
  await server?.stop();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('examples/airflow walkthrough', () => {
  it('CI: export → register → check → deploy, as the README says', async () => {
    const [ci] = walkthroughBlocks();
    const res = await sh(ci!, { GIT_SHA: 'abc1234' });
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stdout).toMatch(/deployed orders_etl@abc1234 to prod/);
    // The exported manifests are the DAGs' (same hash), and dagpact stored that hash.
    for (const dagId of ['orders_etl', 'orders_report', 'orders_audit']) {
      const stored = await fetch(`${server.url}/v1/dags/${dagId}/versions/abc1234`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(stored.status).toBe(200);
      expect(((await stored.json()) as { contract_hash: string }).contract_hash).toBe(await expectedHash(dagId));
    }
    // The check asked Airflow which contract the DAG it runs declares: this one.
    const check = await sh('dagpact check build/manifests/orders_etl.yaml --env prod --format json');
    expect(check.code, check.stderr).toBe(0);
    const findings = (JSON.parse(check.stdout) as { findings: Array<{ kind: string; severity: string; rule?: string; message: string }> }).findings;
    expect(findings.filter((f) => f.kind === 'airflow-dag-contract')).toEqual([
      expect.objectContaining({ severity: 'info', message: expect.stringContaining('declares this contract') }),
    ]);
  }, 600_000);

  it('a manifest the DAG in Airflow does not declare: AIRFLOW_CONTRACT_MISMATCH', async () => {
    const other = join(work, 'build/other.yaml');
    const doc = parseYaml(readFileSync(join(work, 'build/manifests/orders_audit.yaml'), 'utf8')) as { version: string; consumes: Array<Record<string, unknown>> };
    doc.version = 'other-1';
    doc.consumes[0]!.on_mismatch = 'reject'; // another contract than the one the DAG in Airflow declares
    writeFileSync(other, stringifyYaml(doc));
    const check = await sh(`dagpact check ${other} --env prod --format json`);
    expect(check.stdout, check.stderr).not.toBe('');
    const findings = (JSON.parse(check.stdout) as { findings: Array<{ kind: string; severity: string; rule?: string }> }).findings;
    expect(findings.filter((f) => f.kind === 'airflow-dag-contract')).toEqual([expect.objectContaining({ severity: 'warning', rule: 'AIRFLOW_CONTRACT_MISMATCH' })]);
  }, 120_000);

  it('run: the gatekeeper forwards, the asset watcher starts runs, tasks read and publish under the contract', async () => {
    gatekeeper = await startTestGatekeeper({
      databaseUrl: db.url!, environment: 'prod', ns, subscribedTo: 2,
      env: { AIRFLOW_URL: af.url, AIRFLOW_USERNAME: af.username, AIRFLOW_PASSWORD: af.password, DAGPACT_AIRFLOW_REFRESH_MS: '1000' },
    });
    // The README's two blocks, one after the other (the burst below sends orders back to back).
    const [, first, second] = walkthroughBlocks();
    const sent: Array<{ order_id: string; message_id: string }> = [];
    for (const [block, orderId] of [[first!, 'o-1'], [second!, 'o-2']] as const) {
      const res = await sh(block.replaceAll(DEMO_NS, ns));
      expect(res.code, res.stderr).toBe(0);
      sent.push(...res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { order_id: string; message_id: string }));
      await waitFor(`an orders_etl run read ${orderId}`, async () => (await etlOrders()).has(orderId), RUN_TIMEOUT, 2000);
    }
    expect(sent.map((s) => s.order_id)).toEqual(['o-1', 'o-2']);

    // orders_etl: each order read as the contract reads it, with its provenance, exactly once.
    const etl = await waitFor('orders_etl processed o-1 and o-2', async () => {
      const m = await etlOrders();
      return m.has('o-1') && m.has('o-2') ? m : undefined;
    }, RUN_TIMEOUT, 2000);
    for (const s of sent) {
      const [only, ...dup] = etl.get(s.order_id)!;
      expect(dup, `${s.order_id} was processed once`).toEqual([]);
      expect(only!.result).toMatchObject({
        message_id: s.message_id, source_topic: `persistent://${ns}/orders`, via: 'asset',
        contract_subject: 'orders-value', contract_version: 1, dag_version: 'abc1234',
      });
    }
    expect(etl.get('o-2')![0]!.result.order).toEqual({ order_id: 'o-2', customer: 'bob', amount_cents: 900, coupon: 'SPRING' });

    // orders_report: the enriched order orders_etl published, checked against orders_report's contract.
    const reports = await waitFor('orders_report read both enriched orders', async () => {
      const out = await reportsSince();
      return ['o-1', 'o-2'].every((id) => out.some((r) => r.enriched.order_id === id)) ? out : undefined;
    }, RUN_TIMEOUT, 2000);
    const o2 = reports.find((r) => r.enriched.order_id === 'o-2')!;
    expect(o2.enriched).toEqual({ order_id: 'o-2', customer: 'bob', total_cents: 400, source_message_id: sent[1]!.message_id });
    expect(o2.contract_subject).toBe('orders-enriched-value');
    expect(o2.producer_run_id).toBe(etl.get('o-2')![0]!.run);

    // orders_audit: the REST path; the run's conf carries the same message.
    type Audit = { order: { order_id: string }; message_id: string; via: string; dag_version: string };
    const audits = await waitFor('orders_audit ran for both orders', async () => {
      const out: Audit[] = [];
      for (const r of (await runsSince('orders_audit')).filter((x) => x.state === 'success')) {
        const v = await xcom<Audit>('orders_audit', r.dag_run_id, 'audit');
        if (v) out.push(v);
      }
      return out.length >= 2 ? out : undefined;
    }, RUN_TIMEOUT, 2000);
    expect(audits.map((a) => [a.order.order_id, a.message_id, a.via]).sort()).toEqual(sent.map((s) => [s.order_id, s.message_id, 'rest']));
  }, 900_000);

  it('a record that does not match the produced schema is refused before sending; the task fails naming the field', async () => {
    await produce('o-3:mallory:100');
    const failed = await waitFor('the orders_etl run for o-3 failed', async () => {
      for (const r of (await runsSince('orders_etl')).filter((x) => x.state === 'failed')) {
        // Only o-3 (customer mallory) makes the example's task build a wrong record.
        const log = await taskLog('orders_etl', r.dag_run_id, 'enrich');
        if (log.includes('RecordMismatch')) return log;
      }
      return undefined;
    }, RUN_TIMEOUT, 2000);
    expect(failed).toMatch(/RecordMismatch/);
    expect(failed).toMatch(/so it was not sent: total_cents: '100' is not a valid long/);
    // Nothing reached orders-enriched for o-3: the next order's report arrives, o-3's never does.
    await produce('o-4:dave:300');
    const reports = await waitFor('orders_report read o-4', async () => {
      const out = await reportsSince();
      return out.some((r) => r.enriched.order_id === 'o-4') ? out : undefined;
    }, RUN_TIMEOUT, 2000);
    expect(reports.map((r) => r.enriched.order_id)).not.toContain('o-3');
  }, 900_000);

  it('a burst of orders produced back to back starts one run per order, each reading its own message', async () => {
    const since = new Date().toISOString();
    const burst = Array.from({ length: 5 }, (_, i) => `b-${i}:burst:${200 + i}`);
    const sent = await produce(...burst); // one producer, sent back to back
    const runs = await settledBurst(since, sent.map((s) => s.order_id));
    expect(runs.map((r) => [r.run_type, r.state])).toEqual(sent.map(() => ['asset_triggered', 'success']));
    expect(runs.map((r) => r.results.map((x) => [x.order.order_id, x.message_id]))).toEqual(sent.map((s) => [[s.order_id, s.message_id]]));
  }, 900_000);

  it('a triggerer restart in the middle of a burst loses no order and starts no second run for one', async () => {
    const since = new Date().toISOString();
    const burst = Array.from({ length: 6 }, (_, i) => `r-${i}:restart:${100 + i}`);
    const sent = await produce(...burst);
    // The watcher takes one message per run: restart the triggerer once the first run exists and
    // the rest of the burst is still waiting on the trigger topic.
    await waitFor('the burst is under way', async () => {
      const res = await api<{ total_entries: number }>('GET', `/api/v2/dags/orders_etl/dagRuns?limit=1&run_after_gte=${encodeURIComponent(since)}`);
      return res.json.total_entries > 0 ? true : undefined;
    }, RUN_TIMEOUT, 500);
    expect(await triggerBacklog()).toBeGreaterThan(0);
    await harness('restart-component', 'triggerer');
    const runs = await settledBurst(since, sent.map((s) => s.order_id));
    // Exactly one run per order, in order, each with its own message: nothing lost, nothing twice.
    expect(runs.map((r) => r.results.map((x) => [x.order.order_id, x.message_id]))).toEqual(sent.map((s) => [[s.order_id, s.message_id]]));
  }, 900_000);

  it('a message redelivered after its event became a run is acknowledged, not emitted again', async () => {
    // Hold the window the package dedups deterministically: with the scheduler stopped, d-0's event is
    // stored but has no run, so the watcher has not acknowledged d-0; the triggerer stops there. The
    // scheduler then turns the event into a run, and the restarted triggerer gets d-0 again from Pulsar.
    const since = new Date().toISOString();
    const etlEvents = (orderId: string) => etlEventsSince(since, orderId);
    let sent: Array<{ order_id: string; message_id: string }> = [];
    await harness('stop-component', 'scheduler');
    try {
      sent = await produce('d-0:dedup:300', 'd-1:dedup:301');
      const [stored] = await waitFor('d-0 stored as an asset event', async () => {
        const events = await etlEvents('d-0');
        return events.length ? events : undefined;
      }, RUN_TIMEOUT, 500);
      expect(stored!.created_dagruns).toEqual([]);
      expect(await triggerBacklog()).toBeGreaterThan(0); // d-0 not acknowledged: it has no run yet
      await harness('stop-component', 'triggerer');
    } finally {
      await harness('start-component', 'scheduler');
    }
    try {
      await waitFor('d-0 event became a run while the triggerer was stopped', async () => ((await etlEvents('d-0'))[0]?.created_dagruns.length ? true : undefined), RUN_TIMEOUT, 1000);
    } finally {
      await harness('start-component', 'triggerer');
    }
    const runs = await settledBurst(since, ['d-0', 'd-1']);
    expect(runs.map((r) => r.results.map((x) => [x.order.order_id, x.message_id]))).toEqual(sent.map((s) => [[s.order_id, s.message_id]]));
    expect(await etlEvents('d-0'), 'd-0 redelivered, not stored again').toHaveLength(1);
  }, 900_000);

  it('an order stored while its DAG was paused gets one run once the DAG is unpaused', async () => {
    // Airflow queues no run for an event stored while the DAG is paused, not even after unpausing: the
    // watcher emits the message again, and the run takes both events and reads the order once. (The
    // DAG processor is stopped meanwhile: on parsing a paused DAG it detaches the asset's watcher.)
    const since = new Date().toISOString();
    const pause = async (isPaused: boolean) => expect((await api('PATCH', '/api/v2/dags/orders_etl', { is_paused: isPaused })).status).toBe(200);
    let sent: Array<{ order_id: string; message_id: string }> = [];
    await harness('stop-component', 'dag-processor');
    try {
      await pause(true);
      try {
        sent = await produce('p-0:paused:500');
        const [stored] = await waitFor('p-0 stored as an asset event while paused', async () => {
          const events = await etlEventsSince(since, 'p-0');
          return events.length ? events : undefined;
        }, RUN_TIMEOUT, 500);
        expect(stored!.created_dagruns).toEqual([]);
      } finally {
        await pause(false);
      }
    } finally {
      await harness('start-component', 'dag-processor');
    }
    const runs = await settledBurst(since, ['p-0']);
    expect(runs.map((r) => r.results.map((x) => [x.order.order_id, x.message_id]))).toEqual(sent.map((s) => [[s.order_id, s.message_id]]));
    expect(await etlEventsSince(since, 'p-0'), 'the stranded event and the one emitted again').toHaveLength(2);
  }, 900_000);
});

describe('DAG_VERSION_MISMATCH: the DAG Airflow runs declares another contract', () => {
  it('holds messages until the matching contract is deployed, then replays them into runs', async () => {
    // Change orders_audit's contract in Airflow's DAGs folder, without deploying it: the reference
    // `latest` becomes the fixed version 1 (same schema, another contract hash).
    const manifest = join(af.dagsDir, 'manifests/orders_audit.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('version: latest', 'version: 1'));
    writeFileSync(join(work, 'examples/airflow/dags/manifests/orders_audit.yaml'), readFileSync(manifest, 'utf8'));
    const hash = await expectedHash('orders_audit');
    await waitFor('Airflow runs orders_audit declaring the new contract', async () =>
      (await airflow.getDag({ dagId: 'orders_audit' }))?.tags.some((t) => t.name === `dagpact-contract:${hash}`) ?? false, 300_000, 2000);

    const [held] = await produce('m-1:mismatch:700');
    type Held = { id: number; dag_id: string; reason_code: string; message_id: string; status: string };
    const record = await waitFor('the message is held with DAG_VERSION_MISMATCH', async () => {
      const res = await fetch(`${server.url}/v1/quarantine?dag_id=orders_audit&reason=DAG_VERSION_MISMATCH`, { headers: { authorization: `Bearer ${ADMIN}` } });
      return ((await res.json()) as { records: Held[] }).records.find((r) => r.message_id === held!.message_id);
    }, RUN_TIMEOUT, 2000);
    expect(await runsSince('orders_audit').then((runs) => Promise.all(runs.map((r) => xcom<{ message_id: string }>('orders_audit', r.dag_run_id, 'audit')))))
      .not.toContainEqual(expect.objectContaining({ message_id: held!.message_id }));

    // CI deploys the contract the DAG declares; the held message is replayed (by the gatekeeper once
    // they agree, or here: a replay of a record already replayed answers 409) into a run.
    const deployed = await sh('dagpact-airflow export examples/airflow/dags --out build/v2 --version v2 && dagpact register build/v2/orders_audit.yaml && dagpact check build/v2/orders_audit.yaml --env prod && dagpact deploy build/v2/orders_audit.yaml --env prod');
    expect(deployed.code, `${deployed.stdout}\n${deployed.stderr}`).toBe(0);
    const replay = await fetch(`${server.url}/v1/quarantine/${record.id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect([200, 201, 202, 409], await replay.text()).toContain(replay.status);
    await waitFor('the held message became an orders_audit run', async () => {
      for (const r of (await runsSince('orders_audit')).filter((x) => x.state === 'success')) {
        if ((await xcom<{ message_id: string }>('orders_audit', r.dag_run_id, 'audit'))?.message_id === held!.message_id) return true;
      }
      return undefined;
    }, RUN_TIMEOUT, 2000);
  }, 900_000);
});
