// An audit event is written in the same transaction as its change: when the event cannot be written
// (a constraint added for this test refuses it), the change is rolled back too.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => { t = await buildTestApp(); });
afterAll(async () => { await t?.close(); });

const AVRO = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] });

const constraint = (action: string) => `refuse_${action.replace(/\W/g, '_')}`;
async function refuseAudit(action: string) {
  await t.db.database.db.execute(sql.raw(`alter table audit_events add constraint ${constraint(action)} check (action <> '${action}')`));
}

describe('audit in the change\'s transaction', () => {
  it.each([
    {
      action: 'schema.register',
      change: () => t.app.inject({ method: 'POST', url: '/v1/subjects/atx/versions', headers: adminHeaders, payload: { schema: AVRO, format: 'AVRO' } }),
      after: async () => (await t.app.inject({ method: 'GET', url: '/v1/subjects/atx/versions', headers: adminHeaders })).statusCode,
      expected: 404,
    },
    {
      action: 'token.create',
      change: () => t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'atx-token', scopes: ['read'] } }),
      after: async () => (await t.app.inject({ method: 'GET', url: '/v1/tokens', headers: adminHeaders })).json().filter((r: { name: string }) => r.name === 'atx-token').length,
      expected: 0,
    },
    {
      action: 'dag_version.register',
      change: async () => {
        await t.app.inject({ method: 'POST', url: '/v1/subjects/atx-in-value/versions', headers: adminHeaders, payload: { schema: AVRO, format: 'AVRO' } });
        return t.app.inject({ method: 'POST', url: '/v1/dags', headers: adminHeaders, payload: { manifest: { dag_id: 'atx', version: 'v1', consumes: [{ topic: 'atx-in', subject: 'atx-in-value', version: 1 }] } } });
      },
      after: async () => (await t.app.inject({ method: 'GET', url: '/v1/dags/atx/versions/v1', headers: adminHeaders })).statusCode,
      expected: 404,
    },
  ])('$action: the change is rolled back when its event cannot be written', async ({ action, change, after, expected }) => {
    await refuseAudit(action);
    try {
      const res = await change();
      expect(res.statusCode).toBe(500);
      expect(await after()).toBe(expected);
    } finally {
      await t.db.database.db.execute(sql.raw(`alter table audit_events drop constraint ${constraint(action)}`));
    }
  });
});
