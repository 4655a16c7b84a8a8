// Drift against Pulsar and the gatekeeper's backlog, read from the real broker's admin API:
// - a producer uploads an incompatible schema to a topic an active contract consumes (as producers do,
//   through the admin API) and GET /v1/contracts/drift reports it, with the finding;
// - messages published while the gatekeeper is stopped show up as its subscription's backlog in
//   GET /v1/gatekeeper/backlog;
// - reads are reused for the cache period (the broker is not asked again), and without Pulsar admin
//   both answer "not checked" instead of an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFormats } from '../../../src/core/formats/index.js';
import { makeLivePulsar } from '../../../src/core/overview/live-pulsar.js';
import { makePulsarAdmin } from '../../../src/pulsar-admin/admin-client.js';
import { makeServices } from '../../../src/start/services.js';
import { makeAuditLog } from '../../../src/store/token-store.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { createPostgresTestDatabase, type TestDatabase } from '../../support/db.js';
import { ADMIN_URL, createNamespace, produce, startTestGatekeeper, waitFor } from '../gatekeeper/support.js';

const ORDER = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
// What a producer later registers on the topic: amount became a string. A reader on ORDER cannot read it.
const ORDER_BROKEN = { ...ORDER, fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'string' }] };

const admin = makePulsarAdmin({ url: ADMIN_URL });
let db: TestDatabase;
let t: TestApp;
let bare: TestApp;
let ns: string;
const topic = (name: string) => `persistent://${ns}/${name}`;

async function call<T>(app: TestApp, method: 'GET' | 'POST', url: string, payload?: object): Promise<T> {
  const res = await app.app.inject({ method, url, headers: adminHeaders, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

interface Drift { checked: boolean; reason?: string; checked_at: string; cells: Array<{ environment: string; dag_id: string; version: string; status: string; topics: Array<{ topic: string; status: string; pulsar_version?: number; findings: Array<{ path: string; rule: string; message: string }> }> }> }
interface Backlog { checked: boolean; reason?: string; subscription: string; total_backlog: number; oldest_unacked_seconds?: number; topics: Array<{ topic: string; exists: boolean; subscribed: boolean; msg_backlog: number; consumers: number; oldest_unacked_at?: string }> }

beforeAll(async () => {
  db = await createPostgresTestDatabase();
  ns = await createNamespace();
  // Producers may register anything on this namespace: the broker does not stop the drift.
  await admin.setSchemaCompatibilityStrategy(ns, 'ALWAYS_COMPATIBLE');
  t = await buildTestApp({ db, pulsarAdmin: admin, live: { cacheMs: 0 } });
  bare = await buildTestApp({});
  await call(t, 'POST', '/v1/subjects/orders-value/versions', { schema: ORDER });
  const manifest = { dag_id: 'fraud', version: 'v1', consumes: [{ topic: topic('orders'), subject: 'orders-value', version: 1 }] };
  await call(t, 'POST', '/v1/dags', { manifest });
  await call(t, 'POST', '/v1/deployments', { dag_id: 'fraud', version: 'v1', environment: 'prod', force: true, reason: 'test' });
}, 120_000);

afterAll(async () => {
  await t?.close();
  await bare?.close();
  await db?.drop();
});

describe('drift against Pulsar', () => {
  it('reports no schema, then no drift, then drift once a producer registers an incompatible schema on the topic', async () => {
    let d = await call<Drift>(t, 'GET', '/v1/contracts/drift');
    expect(d.checked).toBe(true);
    expect(d.cells).toHaveLength(1);
    expect(d.cells[0]).toMatchObject({ environment: 'prod', dag_id: 'fraud', version: 'v1', status: 'ok' });
    expect(d.cells[0]!.topics[0]).toMatchObject({ topic: topic('orders'), status: 'no_schema' });

    await admin.postSchema(topic('orders'), { type: 'AVRO', schema: JSON.stringify(ORDER) });
    d = await call<Drift>(t, 'GET', '/v1/contracts/drift');
    expect(d.cells[0]!.topics[0]).toMatchObject({ status: 'ok', pulsar_version: 0, findings: [] });

    await admin.postSchema(topic('orders'), { type: 'AVRO', schema: JSON.stringify(ORDER_BROKEN) });
    d = await call<Drift>(t, 'GET', '/v1/contracts/drift');
    expect(d.cells[0]!.status).toBe('drift');
    const t0 = d.cells[0]!.topics[0]!;
    expect(t0).toMatchObject({ status: 'drift', pulsar_version: 1 });
    expect(t0.findings.map((f) => f.path)).toContain('$.fields[1].type'); // amount: double → string
  });

  it('reuses a read for the cache period and asks the broker again after it', async () => {
    let clock = 1_000_000;
    let reads = 0;
    const services = makeServices({ database: db.database, audit: makeAuditLog(db.database.db) });
    const live = makeLivePulsar({
      pulsar: { getSchema: (x) => { reads++; return admin.getSchema(x); }, subscriptionBacklogs: (x) => admin.subscriptionBacklogs(x) },
      environments: () => services.overview.environments(), active: (env) => services.contracts.active(env),
      parsedById: (a) => services.registry.lazyParsedById(a), parse: (a) => services.registry.parse(a),
      compare: (pairs) => services.registry.compareSchemas(pairs), subscription: 'dagpact-gatekeeper', cacheMs: 30_000, now: () => clock,
    });
    const [a, b] = await Promise.all([live.drift(), live.drift()]);
    expect(a).toBe(b); // one computation for concurrent callers
    await live.drift();
    expect(reads).toBe(1);
    clock += 30_000;
    await live.drift();
    expect(reads).toBe(2);
  });

  it('says "not checked" without Pulsar admin, for drift and backlog alike', async () => {
    const d = await call<Drift>(bare, 'GET', '/v1/contracts/drift');
    expect(d).toMatchObject({ checked: false, cells: [] });
    expect(d.reason).toMatch(/PULSAR_ADMIN_URL/);
    const b = await call<Backlog>(bare, 'GET', '/v1/gatekeeper/backlog');
    expect(b).toMatchObject({ checked: false, total_backlog: 0, topics: [] });
  });
});

describe("the gatekeeper's backlog", () => {
  it('counts messages published while the gatekeeper is stopped', async () => {
    // The gatekeeper subscribes (its durable subscription stays on the broker), then stops.
    const gk = await startTestGatekeeper({ databaseUrl: db.url!, environment: 'prod', ns, subscribedTo: 1 });
    let b = await call<Backlog>(t, 'GET', '/v1/gatekeeper/backlog');
    expect(b.topics).toEqual([expect.objectContaining({ topic: topic('orders'), exists: true, subscribed: true, msg_backlog: 0 })]);
    expect(b.topics[0]!.consumers).toBeGreaterThan(0);
    await gk.stop();

    await produce([{ topic: topic('orders'), mode: 'avro', schema: ORDER_BROKEN, messages: [1, 2, 3].map((i) => ({ value: { id: i, amount: String(i) }, properties: {} })) }]);
    b = await waitFor('a backlog of 3', async () => {
      const r = await call<Backlog>(t, 'GET', '/v1/gatekeeper/backlog');
      return r.total_backlog === 3 && r;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    expect(b.subscription).toBe('dagpact-gatekeeper');
    expect(b.topics[0]).toMatchObject({ msg_backlog: 3, consumers: 0 });
    // Pulsar reports when the oldest unacknowledged message was published.
    expect(b.oldest_unacked_seconds).toBeGreaterThanOrEqual(0);
    expect(b.topics[0]!.oldest_unacked_at).toBeDefined();
  }, 120_000);
});
