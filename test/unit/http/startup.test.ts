// What makes the server answer within its first seconds (docs/adr/0021): route schemas compiled on
// first use (and every one of them compiles), and the start-up gate: /healthz answers while the
// database is still opening, /readyz says "starting", other requests wait for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from '../../../src/http/lazy-schema-compilers.js';
import { startupOf } from '../../../src/http/startup-gate.js';
import { buildTestApp, type TestApp } from '../../support/app.js';
import { createPgliteTestDatabase, type TestDatabase } from '../../support/db.js';

describe('server start-up', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createPgliteTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('compiles no route schema before a request needs one, and every route schema compiles', async () => {
    const compilers = lazySchemaCompilers();
    const test = await buildTestApp({ db, schemaCompilers: compilers, adminToken: null });
    try {
      // A body that breaks the schema is refused by the (lazily compiled) validator, with its path.
      const bad = await test.app.inject({ method: 'POST', url: '/v1/environments', payload: { nom: 'x' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('$.body.name');
      const compiled = compilers.compileAll();
      expect(compiled).toBeGreaterThan(50);
      expect(compilers.compileAll()).toBe(0);
      const good = await test.app.inject({ method: 'GET', url: '/v1/environments' });
      expect(good.statusCode).toBe(200);
    } finally {
      await test.app.close();
    }
  });

  it('answers /healthz while the database is starting, /readyz says so, and other requests wait for it', async () => {
    let finish!: () => void;
    const startup = startupOf(new Promise<void>((resolve) => { finish = resolve; }));
    const test: TestApp = await buildTestApp({ db, startup, adminToken: null });
    try {
      expect((await test.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      const starting = await test.app.inject({ url: '/readyz' });
      expect(starting.statusCode).toBe(503);
      expect(starting.json()).toEqual({ status: 'unavailable', checks: { database: { ok: false, message: 'starting: the database is opening and migrating' } } });
      let answered = false;
      const waiting = test.app.inject({ url: '/v1/environments' }).then((res) => { answered = true; return res; });
      // /healthz is served after the waiting request was received: the gate held it, not the loop.
      expect((await test.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect(answered).toBe(false);
      finish();
      expect((await waiting).statusCode).toBe(200);
      expect((await test.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await test.app.close();
    }
  });

  it('a start-up that failed answers 503 naming the database, not a stalled request', async () => {
    const startup = startupOf(Promise.reject(new Error('migration failed')));
    const test = await buildTestApp({ db, startup, adminToken: null });
    try {
      const res = await test.app.inject({ url: '/v1/environments' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error_code).toBe('DATABASE_UNAVAILABLE');
      expect((await test.app.inject({ url: '/readyz' })).json().checks.database.message).toMatch(/could not be opened or migrated/);
    } finally {
      await test.app.close();
    }
  });
});
