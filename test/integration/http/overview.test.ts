// The read endpoints the console uses, on a real app and the real PostgreSQL: whoami for each kind of
// caller, environments and the contract matrix, check history, quarantine stats, compatibility of two
// schema ids, the gatekeeper status without a URL; and the /ui files with their security headers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewQuarantineRecord } from '../../../src/core/quarantine/types.js';
import { uiRoutes } from '../../../src/http/routes/ui.js';
import { makeQuarantineStore } from '../../../src/store/quarantine-store.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
const ORDER_V1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] };
const ORDER_V2 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'sku', type: 'string', default: '' }] };
const ORDER_V3 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'sku', type: 'string' }] };
const ids: number[] = [];

const get = (url: string, headers: Record<string, string> = adminHeaders) => t.app.inject({ method: 'GET', url, headers });
const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: adminHeaders, payload });
const manifest = (version: string, subjectVersion: number) => ({
  dag_id: 'orders_etl', version, consumes: [{ topic: 'persistent://public/default/ov-orders', subject: 'ov-orders-value', version: subjectVersion }],
});

function record(over: Partial<NewQuarantineRecord>): NewQuarantineRecord {
  return {
    sourceTopic: 'persistent://public/default/ov-orders', messageId: '1:1:-1:-1', dagId: 'orders_etl', dagVersion: 'v1', environment: 'prod',
    disposition: 'quarantine', reasonCode: 'SCHEMA_MISMATCH', reason: 'test', payload: new Uint8Array([1]), properties: {}, messageKey: null,
    publishTime: null, eventTime: null, pulsarSchemaVersion: null, expectedSchemaId: null, detectedSchemaId: null, history: [], ...over,
  };
}

beforeAll(async () => {
  t = await buildTestApp();
  for (const schema of [ORDER_V1, ORDER_V2, ORDER_V3]) {
    const res = await post('/v1/subjects/ov-orders-value/versions', { schema });
    expect(res.statusCode, res.body).toBe(201);
    ids.push(res.json<{ id: number }>().id);
  }
  for (const [version, sv, env] of [['v1', 1, 'prod'], ['v2', 2, 'prod'], ['v1', 1, 'staging']] as const) {
    if (env === 'prod') expect((await post('/v1/dags', { manifest: manifest(version, sv) })).statusCode).toBeLessThan(300);
    const check = await post('/v1/checks', { manifest: manifest(version, sv), environment: env, pulsar: false });
    expect(check.json().passed, check.body).toBe(true);
    expect((await post('/v1/deployments', { dag_id: 'orders_etl', version, environment: env })).statusCode).toBe(201);
  }
  const store = makeQuarantineStore(t.db.database.db);
  for (let i = 0; i < 5; i++) await store.insert({ record: record({ messageId: `m${i}`, reasonCode: i < 3 ? 'SCHEMA_MISMATCH' : 'UNKNOWN_SCHEMA' }) });
  await store.insert({ record: record({ messageId: 's1', environment: 'staging' }) });
});

afterAll(async () => { await t?.close(); });

describe('console read endpoints', () => {
  it('whoami: the admin, a read-only token, an unknown token and no token', async () => {
    expect((await get('/v1/whoami')).json()).toMatchObject({ name: 'bootstrap-admin', authenticated: true, auth_enabled: true, can_write: true, can_admin: true });
    const created = await post('/v1/tokens', { name: 'viewer', scopes: ['read'] });
    const viewer = { authorization: `Bearer ${created.json().token}` };
    expect((await get('/v1/whoami', viewer)).json()).toMatchObject({ name: 'viewer', scopes: ['read'], authenticated: true, can_write: false });
    expect((await get('/v1/whoami', { authorization: 'Bearer dgp_unknown' })).json()).toMatchObject({ authenticated: false, can_write: false });
    expect((await get('/v1/whoami', {})).json()).toMatchObject({ name: 'anonymous', authenticated: false });
  });

  it('lists environments and the matrix of active versions with their latest checks', async () => {
    // Declared environments (dev, staging and prod on a fresh database), with the matrix's columns among them.
    const declared = (await get('/v1/environments')).json<{ environments: Array<{ name: string }> }>().environments.map((e) => e.name);
    expect(declared).toEqual(expect.arrayContaining(['prod', 'staging']));
    const m = (await get('/v1/contracts/matrix')).json<{ dags: string[]; cells: Array<{ environment: string; version: string; last_check: { version: string; passed: boolean } }> }>();
    expect(m.dags).toEqual(['orders_etl']);
    const prod = m.cells.find((c) => c.environment === 'prod')!;
    expect(prod).toMatchObject({ version: 'v2', last_check: { version: 'v2', passed: true } });
    expect(m.cells.find((c) => c.environment === 'staging')).toMatchObject({ version: 'v1' });
    // An undeploy leaves a cell with no active version.
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/environments/staging/active/orders_etl', headers: adminHeaders })).statusCode).toBe(200);
    const after = (await get('/v1/contracts/matrix')).json<typeof m>();
    expect(after.cells.find((c) => c.environment === 'staging')!.version).toBeNull();
  });

  it('lists checks newest first, filtered, with error counts', async () => {
    const all = (await get('/v1/checks')).json<{ checks: Array<{ id: number; version: string; errors: number }> }>().checks;
    expect(all).toHaveLength(3);
    expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort((a, b) => b - a));
    expect((await get('/v1/checks?version=v2')).json().checks).toHaveLength(1);
    expect((await get('/v1/checks?environment=staging&dag_id=orders_etl')).json().checks).toHaveLength(1);
    const bad = await get('/v1/checks?dag_id=no%20spaces');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('dag_id');
  });

  it('counts quarantine records per reason, per DAG and over time, with the list filters', async () => {
    expect((await get('/v1/quarantine/stats?environment=prod')).json().series, 'series only with a bucket').toBeUndefined();
    const s = (await get('/v1/quarantine/stats?environment=prod&bucket=hour')).json();
    expect(s.total).toBe(5);
    expect(s.by_reason).toEqual([{ reason_code: 'SCHEMA_MISMATCH', count: 3 }, { reason_code: 'UNKNOWN_SCHEMA', count: 2 }]);
    expect(s.by_dag).toEqual([{ environment: 'prod', dag_id: 'orders_etl', count: 5 }]);
    expect(s.series.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(5);
    expect((await get('/v1/quarantine/stats?reason=UNKNOWN_SCHEMA')).json().total).toBe(2);
    expect((await get('/v1/quarantine/stats')).json().total).toBe(6);
    expect((await get(`/v1/quarantine/stats?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json().total).toBe(0);
    const bad = await get('/v1/quarantine/stats?bucket=week');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('bucket');
  });

  it('compares two schema ids as reader and writer', async () => {
    const broken = (await get(`/v1/compatibility?reader=${ids[2]}&writer=${ids[0]}`)).json();
    expect(broken).toMatchObject({ compatible: false, format: 'AVRO' });
    expect(broken.findings[0]).toMatchObject({ rule: 'READER_FIELD_MISSING_DEFAULT_VALUE' });
    expect(broken.findings[0].path).toMatch(/^\$\.fields/);
    expect((await get(`/v1/compatibility?reader=${ids[1]}&writer=${ids[0]}`)).json()).toMatchObject({ compatible: true, findings: [] });
    expect((await get('/v1/compatibility?reader=999999&writer=1')).statusCode).toBe(404);
  });

  it('says the gatekeeper status is not configured when the server has no URL for it', async () => {
    expect((await get('/v1/gatekeeper/status')).json()).toEqual({ configured: false });
  });
});

describe('console files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagpact-ui-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('redirects / to /ui/ and serves the built files with a strict Content-Security-Policy', async () => {
    const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } }); // as buildApp configures it
    await uiRoutes(app, { directory: dir });
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    for (const url of ['/ui', '/ui/']) {
      const page = await app.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    }
    expect((await app.inject({ method: 'GET', url: '/ui/app.js' })).headers['content-type']).toContain('text/javascript');
    // Only the files the build writes: no path escapes, no other file on disk.
    for (const url of ['/ui/app.css', '/ui/..%2Fpackage.json', '/ui/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().message).toContain('/ui/');
    }
    await app.close();
  });

  it('says to build it when dist/ui is missing', async () => {
    const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } }); // as buildApp configures it
    await uiRoutes(app, { directory: join(dir, 'missing') });
    const res = await app.inject({ method: 'GET', url: '/ui/' });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toContain('npm run build');
    await app.close();
  });
});
