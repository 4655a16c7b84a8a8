// The built server as a user runs it: `dagpact serve` on a bare machine (embedded PGlite), data that
// survives a restart, graceful shutdown, and configuration errors that say what is wrong.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'e2e-admin-token-0123456789';

describe('dagpact serve (embedded PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dagpact-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DAGPACT_DATA_DIR: dataDir, DATABASE_URL: undefined, DAGPACT_ADMIN_TOKEN: ADMIN, PULSAR_ADMIN_URL: undefined };

  it('serves /healthz and /readyz with no other service, keeps data across a restart, and drains on SIGTERM', async () => {
    const first = await startServerProcess(env);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    // It listens while the database opens and migrates: /readyz says "starting" (503) until then.
    const early = await fetch(`${first.url}/readyz`);
    if (early.status === 503) expect((await early.json()).checks.database.message).toMatch(/^starting/);
    const ready = await waitFor('/readyz to answer 200', async () => {
      const res = await fetch(`${first.url}/readyz`);
      return res.status === 200 && res;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: { ok: true } } });
    const created = await fetch(`${first.url}/v1/tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'survives-restart', scopes: ['read'] }),
    });
    expect(created.status).toBe(201);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toMatch(/shutdown complete/);
    // No warning from our own dependencies' use (Fastify prints its deprecations on stderr at start).
    expect(first.output()).not.toMatch(/\[FSTDEP\d+\]|DeprecationWarning|FastifyDeprecation/);

    const second = await startServerProcess(env);
    const list = await fetch(`${second.url}/v1/tokens`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect((await list.json()).map((t: { name: string }) => t.name)).toContain('survives-restart');
    await waitFor('/readyz to answer 200 after the restart', async () => (await fetch(`${second.url}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 100 });
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('answers a request id of its own in every response and logs it, never the one a client sent (issue 11)', async () => {
    const server = await startServerProcess(env);
    const res = await fetch(`${server.url}/v1/nothing-here`, { headers: { 'x-request-id': 'trace-me-123' } });
    expect(res.status).toBe(404);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await server.stop();
    expect(server.output()).toContain(`"reqId":"${id}"`);
    expect(server.output()).not.toContain('trace-me-123');
  });

  it.each([
    { env: { DAGPACT_PORT: 'eighty' }, line: 'dagpact serve: configuration error: DAGPACT_PORT must be an integer from 0 to 65535 (got "eighty")' },
    // URLs can carry credentials and tokens are secrets: a rejected one is described, never printed (issue 11).
    { env: { DATABASE_URL: 'mysql://db/x' }, line: 'dagpact serve: configuration error: DATABASE_URL must be a postgres:// or postgresql:// URL (got a value of 12 characters, not shown)' },
    { env: { DAGPACT_ADMIN_TOKEN: 'short-secret' }, line: 'dagpact serve: configuration error: DAGPACT_ADMIN_TOKEN must be a token of at least 16 characters (got a value of 12 characters, not shown)' },
    { env: { DAGPACT_LOG_LEVEL: 'chatty' }, line: 'dagpact serve: configuration error: DAGPACT_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "chatty")' },
  ])('stops start-up with one clear line for $env', ({ env: bad, line }) => {
    const res = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve'], { env: { ...process.env, ...bad }, encoding: 'utf8', timeout: 20_000 });
    expect(res.status).toBe(2);
    expect(res.stderr.trim()).toBe(line);
  });
});
