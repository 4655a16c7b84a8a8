// API token lifecycle on PostgreSQL: expiry, rotation with a grace period, last_used_at written at most
// once a minute, and audit events written with the change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTokenService, type Principal } from '../../../src/core/auth.js';
import { makeTokenStore } from '../../../src/store/token-store.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => { t = await buildTestApp({ authReads: true }); });
afterAll(async () => { await t?.close(); });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const admin: Principal = { id: 'bootstrap-admin', name: 'bootstrap-admin', scopes: ['admin'] };

describe('token rotation over HTTP', () => {
  it('issues a successor; the old token works during the grace period and not after grace 0', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'ci-prod', scopes: ['check', 'deploy:prod'], expires_in_seconds: 3600 } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { token: first, record } = created.json();
    expect(new Date(record.expires_at).getTime()).toBeGreaterThan(Date.now());

    const rotated = await t.app.inject({ method: 'POST', url: `/v1/tokens/${record.id}/rotate`, headers: adminHeaders, payload: { grace_seconds: 600 } });
    expect(rotated.statusCode, rotated.body).toBe(201);
    const { token: second, record: successor, old } = rotated.json();
    expect(successor).toMatchObject({ name: 'ci-prod', scopes: ['check', 'deploy:prod'] });
    expect(old.replaced_by).toBe(successor.id);
    expect((await t.app.inject({ method: 'GET', url: '/v1/subjects', headers: bearer(first) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/subjects', headers: bearer(second) })).statusCode).toBe(200);

    const again = await t.app.inject({ method: 'POST', url: `/v1/tokens/${successor.id}/rotate`, headers: adminHeaders, payload: { grace_seconds: 0 } });
    const third = again.json().token;
    const refused = await t.app.inject({ method: 'GET', url: '/v1/subjects', headers: bearer(second) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().message).toContain('expired');
    expect((await t.app.inject({ method: 'GET', url: '/v1/subjects', headers: bearer(third) })).statusCode).toBe(200);

    const audit = await t.app.inject({ method: 'GET', url: `/v1/audit?action=token.rotate&target_id=${record.id}`, headers: adminHeaders });
    expect(audit.json().events).toEqual([expect.objectContaining({ actor: 'bootstrap-admin', details: expect.objectContaining({ successor: successor.id }) })]);
  });

  it('refuses to rotate a revoked token (409) or an unknown one (404), and refuses unknown roles with a path', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'gone', scopes: ['read'] } })).json();
    await t.app.inject({ method: 'DELETE', url: `/v1/tokens/${created.record.id}`, headers: adminHeaders });
    expect((await t.app.inject({ method: 'POST', url: `/v1/tokens/${created.record.id}/rotate`, headers: adminHeaders, payload: {} })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: '/v1/tokens/99999/rotate', headers: adminHeaders, payload: {} })).statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'x', scopes: ['read', 'root'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.problems[0].path).toBe('$.body.scopes[1]');
  });
});

describe('token expiry and last_used_at with a controlled clock', () => {
  it('expires at expires_at and writes last_used_at at most once a minute', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const store = makeTokenStore(t.db.database.db);
    const service = makeTokenService({ store, adminToken: undefined, clock: () => now });
    const { token, record } = await service.create({ name: 'clocked', scopes: ['read'], expiresInSeconds: 600 }, admin);
    const lastUsed = async () => (await store.listTokens({ includeRevoked: true })).find((r) => r.id === record.id)!.lastUsedAt;

    expect(await service.authenticate(token)).toMatchObject({ id: `token:${record.id}` });
    expect((await lastUsed())?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    now = new Date('2030-01-01T00:00:30Z');
    await service.authenticate(token);
    expect((await lastUsed())?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    now = new Date('2030-01-01T00:01:05Z');
    await service.authenticate(token);
    expect((await lastUsed())?.toISOString()).toBe('2030-01-01T00:01:05.000Z');
    now = new Date('2030-01-01T00:10:00Z');
    expect(await service.authenticate(token)).toBeUndefined();
  });
});
