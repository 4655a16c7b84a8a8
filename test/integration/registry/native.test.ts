// The native /v1 registry API: registration, every finding on refusal and on dry runs, diffs,
// settings, auth, and concurrent registrations on the real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../support/app.js';
import { client, orderBroken, orderNoDefault, orderV1, orderV2, userJsonV1 } from './fixtures.js';

describe('/v1 registry', () => {
  let t: TestApp;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    t = await buildTestApp();
    c = client(t.app);
  });
  afterAll(() => t.close());

  it('registers (201), re-registers idempotently (200) and reads back', async () => {
    const first = await c.post('/v1/subjects/orders/versions', { schema: orderV1 });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ subject: 'orders', version: 1, id: expect.any(Number), created: true });
    const again = await c.post('/v1/subjects/orders/versions', { schema: JSON.stringify(orderV1), format: 'AVRO' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ version: 1, id: first.json().id, created: false });
    const v = (await c.get('/v1/subjects/orders/versions/1')).json();
    expect(v).toMatchObject({ subject: 'orders', version: 1, format: 'AVRO', references: [], deleted: false });
    const s = (await c.get(`/v1/schemas/${first.json().id}`)).json();
    expect(s).toMatchObject({ id: first.json().id, format: 'AVRO', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await c.get(`/v1/schemas/${first.json().id}/versions`)).json()).toEqual({ versions: [{ subject: 'orders', version: 1 }] });
    expect((await c.get('/v1/subjects')).json()).toEqual({ subjects: ['orders'] });
    expect((await c.get('/v1/formats')).json().formats).toEqual(expect.arrayContaining(['AVRO', 'JSON']));
  });

  it('refuses an incompatible schema with every finding in details', async () => {
    const res = await c.post('/v1/subjects/orders/versions', { schema: orderBroken });
    expect(res.statusCode).toBe(409);
    const body = res.json();
    expect(body.error_code).toBe('INCOMPATIBLE_SCHEMA');
    expect(body.details.level).toBe('BACKWARD');
    expect(body.details.findings.length).toBeGreaterThan(0);
    for (const f of body.details.findings) {
      expect(f).toMatchObject({ direction: 'backward', version: 1, path: expect.stringMatching(/^[$#]/), rule: expect.any(String), message: expect.any(String) });
    }
    expect(body.message).toContain(body.details.findings[0].rule);
  });

  it('dry-runs compatibility with the full list of findings, without storing anything', async () => {
    const bad = await c.post('/v1/subjects/orders/compatibility', { schema: orderNoDefault });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ compatible: false, level: 'BACKWARD' });
    expect(bad.json().findings[0]).toMatchObject({ direction: 'backward', version: 1 });
    const good = await c.post('/v1/subjects/orders/compatibility', { schema: orderV2, version: 'latest' });
    expect(good.json()).toEqual({ compatible: true, level: 'BACKWARD', findings: [] });
    expect((await c.get('/v1/subjects/orders/versions')).json()).toEqual({ subject: 'orders', versions: [1] });
  });

  it('diffs two versions both ways, field by field', async () => {
    await c.post('/v1/subjects/orders/versions', { schema: orderV2 });
    const res = await c.get('/v1/subjects/orders/diff?from=1&to=2');
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ subject: 'orders', format: 'AVRO', from: { version: 1 }, to: { version: 2 } });
    expect(d.backward).toEqual({ compatible: true, findings: [] });
    expect(d.forward.compatible).toBe(true); // v1 readers ignore the new field
    expect(d.changes).toEqual([{ path: 'currency', change: 'added', after: 'string default "EUR"' }]);
    expect((await c.get('/v1/subjects/orders/diff')).json().changes).toEqual(d.changes); // latest vs the one before

    await c.put('/v1/config/orders', { compatibility: 'NONE' });
    await c.post('/v1/subjects/orders/versions', { schema: orderBroken });
    const broken = (await c.get('/v1/subjects/orders/diff?from=2&to=latest')).json();
    expect(broken.backward.compatible).toBe(false);
    expect(broken.forward.compatible).toBe(false);
    expect(broken.changes).toEqual(expect.arrayContaining([
      { path: 'id', change: 'changed', before: 'long', after: 'string' },
      { path: 'currency', change: 'removed', before: 'string default "EUR"' },
    ]));
    expect((await c.get('/v1/subjects/orders/diff?from=1&to=9')).json().error_code).toBe('VERSION_NOT_FOUND');
  });

  it('sets and reads levels and modes', async () => {
    expect((await c.get('/v1/config/orders')).json()).toEqual({ subject: 'orders', compatibility: 'NONE', effective: 'NONE' });
    expect((await c.del('/v1/config/orders')).json()).toEqual({ subject: 'orders', compatibility: 'NONE' });
    expect((await c.get('/v1/config/orders')).json()).toEqual({ subject: 'orders', compatibility: null, effective: 'BACKWARD' });
    expect((await c.del('/v1/config/orders')).json().error_code).toBe('SUBJECT_LEVEL_CONFIG_NOT_FOUND');
    expect((await c.put('/v1/config', { compatibility: 'FULL_TRANSITIVE' })).json()).toEqual({ compatibility: 'FULL_TRANSITIVE' });
    expect((await c.get('/v1/config/orders')).json().effective).toBe('FULL_TRANSITIVE');
    await c.put('/v1/config', { compatibility: 'BACKWARD' });
    expect((await c.put('/v1/mode/orders', { mode: 'READONLY' })).json()).toEqual({ subject: 'orders', mode: 'READONLY' });
    const refused = await c.post('/v1/subjects/orders/versions', { schema: orderV1 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error_code).toBe('SUBJECT_READ_ONLY');
    expect((await c.get('/v1/mode/orders')).json()).toEqual({ subject: 'orders', mode: 'READONLY', effective: 'READONLY' });
    expect((await c.del('/v1/mode/orders')).json()).toEqual({ subject: 'orders', mode: 'READONLY' });
    expect((await c.get('/v1/mode')).json()).toEqual({ mode: 'READWRITE' });
  });

  it('deletes softly and permanently and audits every mutation with its actor', async () => {
    await c.post('/v1/subjects/gone/versions', { schema: userJsonV1, format: 'JSON' });
    expect((await c.del('/v1/subjects/gone?permanent=true')).json().error_code).toBe('SUBJECT_NOT_SOFT_DELETED');
    expect((await c.del('/v1/subjects/gone')).json()).toEqual({ subject: 'gone', versions: [1] });
    expect((await c.del('/v1/subjects/gone?permanent=true')).json()).toEqual({ subject: 'gone', versions: [1] });
    expect((await c.get('/v1/subjects/gone/versions')).json().error_code).toBe('SUBJECT_NOT_FOUND');
    const events = await t.db.database.db.query.auditEvents.findMany({ where: (e, { eq }) => eq(e.targetId, 'gone') });
    expect(events.map((e) => e.action)).toEqual(['schema.register', 'subject.delete', 'subject.delete_permanent']);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(['bootstrap-admin']));
  });

  it('serializes concurrent registrations into one subject: distinct versions, one id per content', async () => {
    await c.put('/v1/config/race', { compatibility: 'NONE' });
    const schemas = Array.from({ length: 12 }, (_, i) => ({ type: 'record', name: `R${i % 6}`, fields: [{ name: 'f', type: 'int' }] }));
    const results = await Promise.all(schemas.map((schema) => c.post('/v1/subjects/race/versions', { schema })));
    expect(results.map((r) => r.statusCode).every((s) => s === 200 || s === 201)).toBe(true);
    const versions = (await c.get('/v1/subjects/race/versions')).json().versions;
    expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
    const ids = new Set(results.map((r) => r.json().id));
    expect(ids.size).toBe(6);
    // The same content registered concurrently under many subjects gets one id.
    const shared = { type: 'record', name: 'Shared', fields: [{ name: 'g', type: 'long' }] };
    const across = await Promise.all(Array.from({ length: 8 }, (_, i) => c.post(`/v1/subjects/race-${i}/versions`, { schema: shared })));
    expect(new Set(across.map((r) => r.json().id)).size).toBe(1);
  });
});

describe('registry auth', () => {
  let t: TestApp;
  beforeAll(async () => { t = await buildTestApp(); });
  afterAll(() => t.close());

  it.each([
    { name: 'native register', method: 'POST', url: '/v1/subjects/a/versions', payload: { schema: orderV1 }, status: 401 },
    { name: 'ccompat register', method: 'POST', url: '/ccompat/subjects/a/versions', payload: { schema: JSON.stringify(orderV1) }, status: 401, confluent: 40101 },
    { name: 'ccompat delete', method: 'DELETE', url: '/ccompat/subjects/a', status: 401, confluent: 40101 },
    { name: 'ccompat global config', method: 'PUT', url: '/ccompat/config', payload: { compatibility: 'NONE' }, status: 401, confluent: 40101 },
    { name: 'ccompat lookup', method: 'POST', url: '/ccompat/subjects/a', payload: { schema: JSON.stringify(orderV1) }, status: 401, confluent: 40101 },
    { name: 'open read', method: 'GET', url: '/ccompat/subjects', status: 200 },
  ] as const)('$name without a token → $status', async (c) => {
    const res = await t.app.inject({ method: c.method, url: c.url, payload: 'payload' in c ? c.payload : undefined });
    expect(res.statusCode).toBe(c.status);
    if ('confluent' in c) expect(res.json().error_code).toBe(c.confluent);
  });

  it('needs admin for global settings but write for a subject\'s own', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: client(t.app) && { authorization: 'Bearer test-admin-token-0123456789' }, payload: { name: 'ci', scopes: ['write'] } });
    const writer = client(t.app, { authorization: `Bearer ${created.json().token}` });
    expect((await writer.put('/ccompat/config', { compatibility: 'NONE' })).statusCode).toBe(403);
    expect((await writer.put('/v1/mode', { mode: 'READONLY' })).statusCode).toBe(403);
    expect((await writer.put('/ccompat/config/a', { compatibility: 'FULL' })).statusCode).toBe(200);
    // NONE switches the checks off: admin only (docs/adr/0005).
    expect((await writer.put('/ccompat/config/a', { compatibility: 'NONE' })).statusCode).toBe(403);
    expect((await writer.post('/ccompat/subjects/a/versions', { schema: JSON.stringify(orderV1) })).statusCode).toBe(200);
  });
});
