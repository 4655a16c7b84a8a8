// Bearer tokens with scopes: no token → 401, wrong scope → 403, right scope → 2xx; revoked → 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

describe('auth', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    t = await buildTestApp({ authReads: true });
    for (const scope of ['read', 'write', 'admin'] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: `${scope}-token`, scopes: [scope] } });
      expect(res.statusCode).toBe(201);
      tokens[scope] = res.json().token;
    }
  });
  afterAll(() => t.close());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it.each([
    { name: 'no token on a mutating route', headers: {}, method: 'POST', status: 401, code: 'UNAUTHENTICATED' },
    { name: 'unknown token', headers: { authorization: 'Bearer dgp_nope' }, method: 'POST', status: 401, code: 'UNAUTHENTICATED' },
    { name: 'read scope on an admin route', scope: 'read', method: 'POST', status: 403, code: 'FORBIDDEN' },
    { name: 'write scope on an admin route', scope: 'write', method: 'POST', status: 403, code: 'FORBIDDEN' },
    { name: 'admin scope', scope: 'admin', method: 'POST', status: 201 },
    { name: 'no token on a protected read', headers: {}, method: 'GET', status: 401, code: 'UNAUTHENTICATED' },
    { name: 'admin token on a read', scope: 'admin', method: 'GET', status: 200 },
  ] as const)('$name → $status', async (c) => {
    const headers = 'scope' in c && c.scope ? bearer(tokens[c.scope]!) : ('headers' in c ? c.headers : {});
    const res = await t.app.inject({ method: c.method, url: '/v1/tokens', headers, payload: c.method === 'POST' ? { name: 'x', scopes: ['read'] } : undefined });
    expect(res.statusCode).toBe(c.status);
    if ('code' in c) {
      expect(res.json().error_code).toBe(c.code);
      expect(res.json().message).toMatch(/token|scope/);
    }
  });

  it('accepts the token as the password of Basic auth, as Confluent clients send it', async () => {
    const basic = Buffer.from(`anyone:${tokens.admin}`).toString('base64');
    const res = await t.app.inject({ method: 'GET', url: '/v1/tokens', headers: { authorization: `Basic ${basic}` } });
    expect(res.statusCode).toBe(200);
  });

  it('stores only hashes and refuses a token once revoked', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'short-lived', scopes: ['admin'] } });
    const { token, record } = created.json();
    const stored = await t.db.database.db.query.apiTokens.findFirst({ where: (tok, { eq }) => eq(tok.id, record.id) });
    expect(stored?.tokenHash).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect((await t.app.inject({ method: 'GET', url: '/v1/tokens', headers: bearer(token) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/tokens/${record.id}`, headers: adminHeaders })).statusCode).toBe(200);
    const after = await t.app.inject({ method: 'GET', url: '/v1/tokens', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
  });

  it('keeps health probes public', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('audits token creation with the identity that made it', async () => {
    const events = await t.db.database.db.query.auditEvents.findMany();
    expect(events.filter((e) => e.action === 'token.create').map((e) => e.actor)).toContain('bootstrap-admin');
  });
});
