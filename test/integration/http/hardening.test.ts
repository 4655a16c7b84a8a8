// Issue 11, hygiene and socket limits: security headers, generated request ids, the Host check in open
// mode, 429 after repeated failed authentications, summarised upstream errors on /readyz, subject-name
// rules, admin-only IMPORT, RE2-only patterns; and with real sockets, slow headers, slow bodies, idle
// sockets and a connection cap are cut by the server.
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePulsarAdmin } from '../../../src/pulsar-admin/admin-client.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function openSocket(port: number): Promise<{ socket: Socket; closed: () => boolean; received: () => string }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    let data = '';
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed: () => closed, received: () => data }));
    socket.on('data', (d) => { data += d.toString(); });
    socket.on('close', () => { closed = true; });
    socket.on('error', () => { closed = true; });
    socket.once('error', reject);
  });
}

describe('hardening with an admin token', () => {
  let t: TestApp;
  let writeToken = '';
  beforeAll(async () => {
    t = await buildTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'ci', scopes: ['write'] } });
    writeToken = res.json().token;
  });
  afterAll(() => t.close());

  it('sends nosniff everywhere, no-store on token responses and a CSP on /docs', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    const created = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'x', scopes: ['read'] } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(String(docs.headers['content-security-policy'])).toMatch(/script-src/);
  });

  it('sends the request id and nosniff on error answers too (refused, not found, invalid)', async () => {
    const answers = await Promise.all([
      t.app.inject({ method: 'POST', url: '/v1/tokens', payload: { name: 'x', scopes: ['read'] } }),
      t.app.inject({ method: 'GET', url: '/v1/nothing-here', headers: adminHeaders }),
      t.app.inject({ method: 'GET', url: '/ccompat/schemas/ids/not-a-number', headers: adminHeaders }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([401, 404, 400]);
    for (const a of answers) {
      expect(a.headers['x-content-type-options'], `${a.statusCode}`).toBe('nosniff');
      expect(String(a.headers['x-request-id']), `${a.statusCode}`).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('generates request ids and ignores one sent by the client', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'forged\nline' } });
    expect(res.headers['x-request-id']).not.toBe('forged\nline');
    expect(String(res.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 429 with Retry-After after 20 failed authentications from one address', async () => {
    const attempt = () => t.app.inject({ method: 'POST', url: '/v1/tokens', remoteAddress: '10.9.9.9', headers: { authorization: 'Bearer dgp_guess' }, payload: { name: 'x', scopes: ['read'] } });
    for (let i = 0; i < 20; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error_code).toBe('TOO_MANY_REQUESTS');
    // Another address and anonymous requests are not affected.
    const other = await t.app.inject({ method: 'POST', url: '/v1/tokens', remoteAddress: '10.9.9.8', headers: adminHeaders, payload: { name: 'y', scopes: ['read'] } });
    expect(other.statusCode).toBe(201);
  });

  it('leaves IMPORT mode and explicit ids to admins', async () => {
    const w = { authorization: `Bearer ${writeToken}` };
    const mode = await t.app.inject({ method: 'PUT', url: '/ccompat/mode/imp-w', headers: w, payload: { mode: 'IMPORT' } });
    expect(mode.statusCode).toBe(403);
    expect(mode.json().message).toMatch(/admin/);
    await t.app.inject({ method: 'PUT', url: '/ccompat/mode/imp-w', headers: adminHeaders, payload: { mode: 'IMPORT' } });
    const explicit = await t.app.inject({ method: 'POST', url: '/ccompat/subjects/imp-w/versions', headers: w, payload: { schema: '"string"', id: 2147483647, version: 1 } });
    expect(explicit.statusCode).toBe(403);
    const imported = await t.app.inject({ method: 'POST', url: '/ccompat/subjects/imp-w/versions', headers: adminHeaders, payload: { schema: '"string"', id: 2147483647, version: 1 } });
    expect(imported.json()).toEqual({ id: 2147483647 });
    for (const name of ['after-a', 'after-b']) {
      const later = await t.app.inject({ method: 'POST', url: `/ccompat/subjects/${name}/versions`, headers: w, payload: { schema: JSON.stringify({ type: 'record', name, fields: [] }).replace('-', '_') } });
      expect(later.statusCode).toBe(200);
    }
  });

  it('refuses subject names with control or bidi-override characters, and over 1,000 characters', async () => {
    for (const subject of ['evil\u202Etxt.exe', 'tab\there', 'x'.repeat(1001)]) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/subjects/${encodeURIComponent(subject)}/versions`, headers: adminHeaders, payload: { schema: '"string"', format: 'AVRO' } });
      expect(res.statusCode, subject).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, subject).toBeLessThan(500);
    }
  });

  it('refuses patterns a backtracking engine would need, naming them, and runs the others on RE2', async () => {
    const refused = await t.app.inject({
      method: 'POST', url: '/v1/subjects/re/versions', headers: adminHeaders,
      payload: { format: 'JSON', schema: JSON.stringify({ type: 'object', properties: { a: { type: 'string', pattern: '^(?!x)(a|a)*$' } } }) },
    });
    expect(refused.statusCode).toBe(422);
    expect(JSON.stringify(refused.json())).toMatch(/properties\.a\.pattern.*linear time/);
    const evil = await t.app.inject({
      method: 'POST', url: '/v1/subjects/re/versions', headers: adminHeaders,
      payload: { format: 'JSON', schema: JSON.stringify({ type: 'string', pattern: '^(a+)+$' }) },
    });
    expect(evil.statusCode).toBe(201);
    const check = await t.app.inject({
      method: 'POST', url: '/v1/subjects/re/compatibility', headers: adminHeaders,
      payload: { format: 'JSON', schema: JSON.stringify({ const: `${'a'.repeat(50_000)}!` }) },
    });
    expect(check.statusCode).toBe(200);
  });
});

describe('hardening in open mode', () => {
  let t: TestApp;
  let upstream: Server;
  beforeAll(async () => {
    // A "Pulsar admin" that fails with a body that must not be passed through.
    upstream = createHttpServer((_req, res) => { res.writeHead(500, { 'content-type': 'application/json' }); res.end('{"reason":"boom","secret":"SECRET-UPSTREAM-BODY"}'); });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    t = await buildTestApp({ adminToken: null, pulsarAdmin: makePulsarAdmin({ url: `http://127.0.0.1:${port}` }) });
  });
  afterAll(async () => { await t.close(); await new Promise((r) => upstream.close(r)); });

  it('serves only loopback Host names (DNS rebinding)', async () => {
    for (const host of ['localhost:8081', '127.0.0.1', '[::1]:8081']) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/subjects', headers: { host } })).statusCode, host).toBe(200);
    }
    const rebound = await t.app.inject({ method: 'GET', url: '/v1/subjects', headers: { host: 'attacker.example:8081' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().message).toMatch(/Host header "attacker\.example:8081"/);
  });

  it('summarises upstream failures on /readyz instead of passing their bodies through', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toMatch(/SECRET-UPSTREAM-BODY/);
    expect(res.json().checks.pulsar.message).toMatch(/Pulsar admin API/);
  });
});

describe('socket limits (real sockets)', () => {
  let t: TestApp;
  let port = 0;
  beforeAll(async () => {
    t = await buildTestApp({ httpLimits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, idleTimeoutMs: 2000, maxConnections: 8 } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(() => t.close());

  it('cuts a client that sends its headers slowly (slowloris)', async () => {
    const c = await openSocket(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    const drip = setInterval(() => { if (!c.closed()) c.socket.write('X-a: b\r\n'); }, 200);
    try {
      await until('the server to close the slow-header socket', c.closed);
    } finally { clearInterval(drip); }
    expect(c.received()).toMatch(/^HTTP\/1\.1 408|^$/);
  });

  it('cuts a client that sends its body slowly', async () => {
    const c = await openSocket(port);
    c.socket.write(`POST /v1/subjects/slow/versions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${adminHeaders.authorization.split(' ')[1]}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    const drip = setInterval(() => { if (!c.closed()) c.socket.write(' '); }, 200);
    try {
      await until('the server to close the slow-body socket', c.closed);
    } finally { clearInterval(drip); }
  });

  it('closes idle sockets', async () => {
    const c = await openSocket(port);
    await until('the server to close the idle socket', c.closed);
  });

  it('caps open connections', async () => {
    const sockets = await Promise.all(Array.from({ length: 12 }, () => openSocket(port).catch(() => undefined)));
    await until('the sockets over the cap to be closed', () => sockets.filter((s) => !s || s.closed()).length >= 4, 5000);
    for (const s of sockets) s?.socket.destroy();
  });
});
