// Issue 11, audit: "every refused attempt is recorded". A bulk replay or discard by filter answers 200
// with each record's outcome; the records it may not touch (deploy:<env> missing) are refused one by
// one, and each refusal is in the audit trail with the principal's unique id, the action, the filter
// and the reason, as GET /v1/audit shows. Real app, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewQuarantineRecord } from '../../../src/core/quarantine/types.js';
import { makeQuarantineStore } from '../../../src/store/quarantine-store.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

const TOPIC = 'persistent://public/default/bulk-refusals';

function record(over: Partial<NewQuarantineRecord>): NewQuarantineRecord {
  return {
    sourceTopic: TOPIC, messageId: 'm', dagId: 'bulk_dag', dagVersion: 'v1', environment: 'dev', disposition: 'quarantine',
    reasonCode: 'SCHEMA_MISMATCH', reason: 'test', payload: new Uint8Array([1]), properties: {}, messageKey: null,
    publishTime: null, eventTime: null, pulsarSchemaVersion: null, expectedSchemaId: null, detectedSchemaId: null, history: [], ...over,
  };
}

interface AuditEventBody { actor: string; actor_name: string | null; action: string; target_type: string; target_id: string; details: Record<string, unknown> }

let t: TestApp;
let devDeployer = { id: 0, token: '' };
const ids = { dev: [] as number[], prod: [] as number[] };

beforeAll(async () => {
  t = await buildTestApp();
  const store = makeQuarantineStore(t.db.database.db);
  for (let i = 0; i < 2; i++) {
    ids.dev.push((await store.insert({ record: record({ messageId: `dev-${i}`, environment: 'dev' }) })).id);
    ids.prod.push((await store.insert({ record: record({ messageId: `prod-${i}`, environment: 'prod' }) })).id);
  }
  const res = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: adminHeaders, payload: { name: 'ci-dev', scopes: ['read', 'deploy:dev'] } });
  expect(res.statusCode, res.body).toBe(201);
  devDeployer = { id: res.json().record.id, token: res.json().token };
});
afterAll(async () => { await t?.close(); });

const asDevDeployer = (url: string, payload: object) =>
  t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${devDeployer.token}` }, payload });

async function auditEvents(action: string): Promise<AuditEventBody[]> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/audit?action=${encodeURIComponent(action)}`, headers: adminHeaders });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().events;
}

describe('bulk quarantine refusals are audited (issue 11)', () => {
  it('a bulk discard discards what the caller may and audits each refused record with principal, action, filter and reason', async () => {
    const res = await asDevDeployer('/v1/quarantine/discard', { topic: TOPIC, reason_text: 'cleanup' });
    expect(res.statusCode, res.body).toBe(200);
    const results = res.json().results as Array<{ id: number; ok: boolean; error?: { code: string } }>;
    expect(results.filter((r) => r.ok).map((r) => r.id).sort()).toEqual([...ids.dev].sort());
    expect(results.filter((r) => !r.ok).map((r) => [r.id, r.error?.code])).toEqual(ids.prod.map((id) => [id, 'FORBIDDEN']));

    const refused = await auditEvents('quarantine.discard.refused');
    expect(refused.map((e) => Number(e.target_id)).sort()).toEqual([...ids.prod].sort());
    for (const e of refused) {
      expect(e.actor).toBe(`token:${devDeployer.id}`);
      expect(e.actor_name).toBe('ci-dev');
      expect(e.target_type).toBe('quarantine_record');
      expect(e.details).toMatchObject({ bulk: true, filter: { topic: TOPIC }, code: 'FORBIDDEN' });
      expect(String(e.details.message)).toMatch(/deploy:prod/);
    }
    // What was done is audited as before, by the same principal.
    const done = await auditEvents('quarantine.discard');
    expect(done.filter((e) => e.actor === `token:${devDeployer.id}`).map((e) => Number(e.target_id)).sort()).toEqual([...ids.dev].sort());
  });

  it('a bulk replay refused for every record (no deploy:prod) is audited record by record', async () => {
    const res = await asDevDeployer('/v1/quarantine/replay', { environment: 'prod', dag_id: 'bulk_dag' });
    expect(res.statusCode, res.body).toBe(200);
    const results = res.json().results as Array<{ id: number; ok: boolean; error?: { code: string } }>;
    expect(results.map((r) => [r.id, r.ok, r.error?.code])).toEqual(ids.prod.map((id) => [id, false, 'FORBIDDEN']));

    const refused = await auditEvents('quarantine.replay.refused');
    expect(refused.map((e) => Number(e.target_id)).sort()).toEqual([...ids.prod].sort());
    for (const e of refused) {
      expect(e.actor).toBe(`token:${devDeployer.id}`);
      expect(e.details).toMatchObject({ bulk: true, filter: { environment: 'prod', dagId: 'bulk_dag' }, code: 'FORBIDDEN' });
    }
    // The prefix filter finds both kinds of refusal for this principal.
    const all = await t.app.inject({ method: 'GET', url: `/v1/audit?action=quarantine.*&principal=token:${devDeployer.id}`, headers: adminHeaders });
    const actions = (all.json().events as AuditEventBody[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['quarantine.replay.refused', 'quarantine.discard.refused', 'quarantine.discard']));
  });

  it('a single-record replay without deploy:<env> is refused before Pulsar is asked about', async () => {
    const res = await asDevDeployer(`/v1/quarantine/${ids.prod[0]}/replay`, {});
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().message).toMatch(/deploy:prod/);
  });
});
