// The auth matrix: every kind of route × every role, on a real app over PostgreSQL. A refusal is 401
// without a credential and 403 otherwise, naming the missing permission; an allowed call reaches the
// route (whatever it then answers: 2xx, 404, 409, 422). Refusals land in the audit log under the
// principal's unique id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeQuarantineStore } from '../../../src/store/quarantine-store.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

const ROLES = ['anonymous', 'read', 'check', 'write', 'deploy:prod', 'payload:read:prod', 'admin'] as const;
type Role = (typeof ROLES)[number];

let t: TestApp;
const secrets: Partial<Record<Role, string>> = {};
const tokenIds: Partial<Record<Role, number>> = {};
const heldIds: Partial<Record<Role, number>> = {};

const AVRO = JSON.stringify({ type: 'record', name: 'M', fields: [{ name: 'a', type: 'int' }] });
const manifest = (v: string) => ({ dag_id: 'matrix_dag', version: v, consumes: [{ topic: 'matrix-in', subject: 'matrix-in-value', version: 1 }] });

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: (role: Role, n: number) => string;
  payload?: (role: Role, n: number) => unknown;
  /** The permission it needs; the roles that hold it follow from can(). */
  needs: string;
  allowed: readonly Role[];
}

const ALL_AUTHENTICATED: Role[] = ['read', 'check', 'write', 'deploy:prod', 'payload:read:prod', 'admin'];
const CASES: Case[] = [
  { name: 'list subjects', method: 'GET', url: () => '/v1/subjects', needs: 'read', allowed: ALL_AUTHENTICATED },
  { name: 'drift against Pulsar', method: 'GET', url: () => '/v1/contracts/drift', needs: 'read', allowed: ALL_AUTHENTICATED },
  { name: 'gatekeeper backlog', method: 'GET', url: () => '/v1/gatekeeper/backlog', needs: 'read', allowed: ALL_AUTHENTICATED },
  { name: 'compatibility check', method: 'POST', url: () => '/v1/subjects/matrix-base/compatibility', payload: () => ({ schema: AVRO, format: 'AVRO' }), needs: 'read', allowed: ALL_AUTHENTICATED },
  { name: 'register a schema (native)', method: 'POST', url: (_r, n) => `/v1/subjects/reg-${n}/versions`, payload: () => ({ schema: AVRO, format: 'AVRO' }), needs: 'check', allowed: ['check', 'write', 'admin'] },
  { name: 'register a schema (Confluent)', method: 'POST', url: (_r, n) => `/ccompat/subjects/creg-${n}/versions`, payload: () => ({ schema: AVRO }), needs: 'check', allowed: ['check', 'write', 'admin'] },
  { name: 'register a DAG version', method: 'POST', url: () => '/v1/dags', payload: (_r, n) => ({ manifest: manifest(`v${n}`) }), needs: 'check', allowed: ['check', 'write', 'admin'] },
  { name: 'run a pre-deploy check', method: 'POST', url: () => '/v1/checks', payload: (_r, n) => ({ manifest: manifest(`c${n}`), environment: 'prod' }), needs: 'check', allowed: ['check', 'write', 'admin'] },
  { name: 'soft-delete a subject', method: 'DELETE', url: () => '/v1/subjects/matrix-base', needs: 'write', allowed: ['write', 'admin'] },
  { name: 'permanently delete a subject', method: 'DELETE', url: () => '/v1/subjects/matrix-base?permanent=true', needs: 'admin', allowed: ['admin'] },
  { name: 'permanently delete a version (Confluent)', method: 'DELETE', url: () => '/ccompat/subjects/matrix-base/versions/1?permanent=true', needs: 'admin', allowed: ['admin'] },
  { name: 'set a subject level', method: 'PUT', url: (_r, n) => `/v1/config/lvl-${n}`, payload: () => ({ compatibility: 'FULL' }), needs: 'write', allowed: ['write', 'admin'] },
  { name: 'set a subject level to NONE', method: 'PUT', url: (_r, n) => `/v1/config/lvl-${n}`, payload: () => ({ compatibility: 'NONE' }), needs: 'admin', allowed: ['admin'] },
  { name: 'set a subject level to NONE (Confluent)', method: 'PUT', url: (_r, n) => `/ccompat/config/clvl-${n}`, payload: () => ({ compatibility: 'NONE' }), needs: 'admin', allowed: ['admin'] },
  { name: 'set a subject mode to IMPORT', method: 'PUT', url: (_r, n) => `/v1/mode/mode-${n}`, payload: () => ({ mode: 'IMPORT' }), needs: 'admin', allowed: ['admin'] },
  { name: 'set the global level', method: 'PUT', url: () => '/v1/config', payload: () => ({ compatibility: 'BACKWARD' }), needs: 'admin', allowed: ['admin'] },
  { name: 'deploy to prod', method: 'POST', url: () => '/v1/deployments', payload: () => ({ dag_id: 'nope', version: 'v1', environment: 'prod' }), needs: 'deploy:prod', allowed: ['write', 'deploy:prod', 'admin'] },
  { name: 'deploy to staging', method: 'POST', url: () => '/v1/deployments', payload: () => ({ dag_id: 'nope', version: 'v1', environment: 'staging' }), needs: 'deploy:staging', allowed: ['write', 'admin'] },
  {
    name: 'force-deploy past a check', method: 'POST', url: () => '/v1/deployments',
    payload: () => ({ dag_id: 'nope', version: 'v1', environment: 'prod', force: true, reason: 'incident' }), needs: 'admin', allowed: ['admin'],
  },
  { name: 'undeploy from prod', method: 'DELETE', url: () => '/v1/environments/prod/active/nope', needs: 'deploy:prod', allowed: ['write', 'deploy:prod', 'admin'] },
  { name: 'discard a held prod message', method: 'POST', url: (r) => `/v1/quarantine/${heldIds[r] ?? 1}/discard`, payload: () => ({}), needs: 'deploy:prod', allowed: ['write', 'deploy:prod', 'admin'] },
  { name: 'list tokens', method: 'GET', url: () => '/v1/tokens', needs: 'admin', allowed: ['admin'] },
  { name: 'create a token', method: 'POST', url: () => '/v1/tokens', payload: () => ({ name: 'x', scopes: ['read'] }), needs: 'admin', allowed: ['admin'] },
  { name: 'rotate a token', method: 'POST', url: () => '/v1/tokens/999999/rotate', payload: () => ({}), needs: 'admin', allowed: ['admin'] },
  { name: 'revoke a token', method: 'DELETE', url: () => '/v1/tokens/999999', needs: 'admin', allowed: ['admin'] },
  { name: 'read the audit log', method: 'GET', url: () => '/v1/audit', needs: 'admin', allowed: ['admin'] },
];

beforeAll(async () => {
  t = await buildTestApp({ authReads: true });
  for (const role of ROLES) {
    if (role === 'anonymous') continue;
    const res = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: `matrix ${role}`, scopes: [role] } });
    expect(res.statusCode, res.body).toBe(201);
    secrets[role] = res.json().token;
    tokenIds[role] = res.json().record.id;
  }
  expect((await t.app.inject({ method: 'POST', url: '/v1/subjects/matrix-base/versions', headers: adminHeaders, payload: { schema: AVRO, format: 'AVRO' } })).statusCode).toBe(201);
  expect((await t.app.inject({ method: 'POST', url: '/v1/subjects/matrix-in-value/versions', headers: adminHeaders, payload: { schema: AVRO, format: 'AVRO' } })).statusCode).toBe(201);
  const store = makeQuarantineStore(t.db.database.db);
  for (const role of ROLES) {
    const { id } = await store.insert({
      record: {
        sourceTopic: 'persistent://public/default/matrix-in', messageId: `m-${role}`, dagId: 'matrix_dag', dagVersion: null, environment: 'prod',
        disposition: 'quarantine', reasonCode: 'UNKNOWN_SCHEMA', reason: 'test', payload: Buffer.from('{}'), properties: {}, messageKey: null,
        publishTime: null, eventTime: null, pulsarSchemaVersion: null, expectedSchemaId: null, detectedSchemaId: null, history: [],
      },
    });
    heldIds[role] = id;
  }
});
afterAll(async () => { await t?.close(); });

const headersFor = (role: Role) => (role === 'anonymous' ? {} : { authorization: `Bearer ${secrets[role]}` });

describe('auth matrix', () => {
  const rows = CASES.flatMap((c, ci) => ROLES.map((role, ri) => ({ ...c, role, n: ci * 100 + ri })));
  it.each(rows)('$method $name as $role', async (row) => {
    const res = await t.app.inject({
      method: row.method, url: row.url(row.role, row.n), headers: headersFor(row.role),
      ...(row.payload ? { payload: row.payload(row.role, row.n) as object } : {}),
    });
    if (row.allowed.includes(row.role)) {
      expect([401, 403], `${row.role} should reach ${row.name}: ${res.body}`).not.toContain(res.statusCode);
      expect(res.statusCode, res.body).toBeLessThan(500);
    } else if (row.role === 'anonymous') {
      expect(res.statusCode, res.body).toBe(401);
    } else {
      expect(res.statusCode, res.body).toBe(403);
      const body = res.json<{ message: string; details: { missing_permission: string; principal: string } }>();
      expect(body.message).toContain(`"${row.needs}" permission`);
      // Confluent's error body has no details; the native one names the permission and the principal there too.
      if (!row.url(row.role, row.n).startsWith('/ccompat')) expect(body.details).toMatchObject({ missing_permission: row.needs, principal: `token:${tokenIds[row.role]}` });
    }
  });

  it('records every refusal and every mutation under the principal\'s unique id, never its name', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/audit?principal=token:${tokenIds.read}&action=request.refused&limit=1000`, headers: adminHeaders });
    expect(res.statusCode, res.body).toBe(200);
    const refused = res.json<{ events: Array<{ actor: string; actor_name: string; target_id: string; details: { code: string } }> }>().events;
    const expectedRefusals = CASES.filter((c) => !c.allowed.includes('read')).length;
    expect(refused).toHaveLength(expectedRefusals);
    expect(refused.every((e) => e.actor === `token:${tokenIds.read}` && e.actor_name === 'matrix read' && e.details.code === 'FORBIDDEN')).toBe(true);

    const anon = await t.app.inject({ method: 'GET', url: '/v1/audit?principal=anonymous&action=request.refused&limit=1000', headers: adminHeaders });
    expect(anon.json().events.length).toBe(CASES.length);

    const registered = await t.app.inject({ method: 'GET', url: `/v1/audit?action=schema.*&principal=token:${tokenIds.check}`, headers: adminHeaders });
    expect(registered.json().events.map((e: { action: string }) => e.action)).toEqual(['schema.register', 'schema.register']);

    const discards = await t.app.inject({ method: 'GET', url: '/v1/audit?action=quarantine.discard', headers: adminHeaders });
    expect(discards.json().events.map((e: { actor: string }) => e.actor).sort())
      .toEqual([`token:${tokenIds.admin}`, `token:${tokenIds['deploy:prod']}`, `token:${tokenIds.write}`].sort());
  });
});
