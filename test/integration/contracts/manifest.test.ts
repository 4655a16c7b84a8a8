// Registering DAG versions over HTTP: malformed manifests are 422 INVALID_MANIFEST naming the field by
// JSON path; contracts are immutable (same → 200, different → 409 CONTRACT_CONFLICT with what differs);
// references are pinned; inline schemas are registered; bindings are what the gatekeeper routes by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDbRoutingSource } from '../../../src/gatekeeper/adapters/db-routing.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => { t = await buildTestApp(); });
afterAll(async () => { await t?.close(); });

const record = (name: string, fields: Array<{ name: string; type: unknown; default?: unknown }>) => ({ type: 'record', name, namespace: 'shop', fields });
const orderV1 = record('Order', [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }]);
const orderV2 = record('Order', [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'note', type: ['null', 'string'], default: null }]);

async function post(url: string, payload: unknown, headers: Record<string, string> = adminHeaders) {
  const res = await t.app.inject({ method: 'POST', url, headers, payload: payload as object });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}
const registerSchema = (subject: string, schema: object) => post(`/v1/subjects/${subject}/versions`, { schema: JSON.stringify(schema), format: 'AVRO' });

describe('POST /v1/dags: malformed manifests', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a consume entry without topic', { dag_id: 'd', version: '1', consumes: [{ subject: 'orders-value', version: 1 }] }, '$.consumes[0].topic'],
    ['a version that is not a number or latest', { dag_id: 'd', version: '1', consumes: [{ topic: 'o', subject: 'orders-value', version: 'newest' }] }, '$.consumes[0].version'],
    ['an inline schema without schemaType', { dag_id: 'd', version: '1', produces: [{ topic: 'o', schema: orderV1 }] }, '$.produces[0].schemaType'],
    ['an unknown field', { dag_id: 'd', version: '1', produces: [{ topic: 'o', subject: 's', version: 1, partitions: 3 }] }, '$.produces[0].partitions'],
    ['references without an inline schema', { dag_id: 'd', version: '1', produces: [{ topic: 'o', subject: 's', version: 1, references: [{ name: 'a.B', subject: 'b', version: 1 }] }] }, '$.produces[0].references'],
    ['a reference without a version', { dag_id: 'd', version: '1', produces: [{ topic: 'o', schemaType: 'AVRO', schema: orderV1, references: [{ name: 'a.B', subject: 'b' }] }] }, '$.produces[0].references[0].version'],
    ['YAML text without dag_id', 'version: "1"\nconsumes:\n  - topic: o\n    subject: s\n    version: 1\n', '$.dag_id'],
    ['empty text', '', '$'],
    ['text longer than a manifest may be (512 KiB)', `dag_id: d\n#${'x'.repeat(600_000)}\n`, '$'],
  ];
  it.each(cases.map(([name, manifest, path]) => ({ name, manifest, path })))('$name → 422 naming $path', async ({ manifest, path }) => {
    const { status, body } = await post('/v1/dags', { manifest });
    expect(status).toBe(422);
    expect(body.error_code).toBe('INVALID_MANIFEST');
    expect(body.details.problems.map((p: { path: string }) => p.path)).toContain(path);
    expect(body.message).toContain(path);
  });

  it('a reference to a subject that does not exist → 422 naming the subject', async () => {
    const { status, body } = await post('/v1/dags', { manifest: { dag_id: 'd', version: '1', consumes: [{ topic: 'o', subject: 'no-such-subject', version: 1 }] } });
    expect(status).toBe(422);
    expect(body.details.problems[0].path).toBe('$.consumes[0].subject');
  });

  it('an inline schema whose reference names a subject that does not exist → 422 naming the reference', async () => {
    const shipment = record('Shipment', [{ name: 'to', type: 'shop.Nowhere' }]);
    const { status, body } = await post('/v1/dags', { manifest: { dag_id: 'd', version: '1', produces: [{ topic: 'o', schemaType: 'AVRO', schema: shipment, references: [{ name: 'shop.Nowhere', subject: 'no-such-subject', version: 1 }] }] } });
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.error_code).toBe('INVALID_MANIFEST');
    expect(body.details.problems[0].path).toBe('$.produces[0].references[0]');
    expect(body.message, body.message).toMatch(/no-such-subject/);
  });

  it('an inline schema that is not valid Avro → 422 inside $.produces[0].schema', async () => {
    const { status, body } = await post('/v1/dags', { manifest: { dag_id: 'd', version: '1', produces: [{ topic: 'o', schemaType: 'AVRO', schema: { type: 'record', name: 'X', fields: [{ name: 'a', type: 'no_such_type' }] } }] } });
    expect(status).toBe(422);
    expect(body.details.problems[0].path).toMatch(/^\$\.produces\[0\]\.schema/);
  });

  it('nothing was stored by the failed registrations', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/dags' });
    expect(res.json().dags).toEqual([]);
  });

  it('needs the write scope', async () => {
    const { status } = await post('/v1/dags', { manifest: { dag_id: 'd', version: '1', produces: [{ topic: 'o', subject: 's', version: 1 }] } }, {});
    expect(status).toBe(401);
  });
});

describe('POST /v1/dags: immutable contracts', () => {
  const manifest = {
    dag_id: 'bill_orders', version: '1.0.0', airflow_version_number: 3,
    consumes: [{ topic: 'persistent://public/shop/orders', subject: 'orders-value', version: 'latest', trigger_topic: 'shop/bill/trigger', on_mismatch: 'reject' }],
    produces: [{ topic: 'invoices', schemaType: 'AVRO', schema: record('Invoice', [{ name: 'order_id', type: 'string' }]) }],
  };

  it('registers with references pinned and produced inline schemas pinned at first deploy (201), bindings as the gatekeeper reads them', async () => {
    expect((await registerSchema('orders-value', orderV1)).status).toBe(201);
    const { status, body } = await post('/v1/dags', { manifest });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      dag_id: 'bill_orders', version: '1.0.0', airflow_version_number: 3,
      consumes: [{ topic: 'persistent://public/shop/orders', subject: 'orders-value', version: 1, declared: 'latest', on_mismatch: 'reject', trigger_topic: 'persistent://shop/bill/trigger' }],
      produces: [{ topic: 'persistent://public/default/invoices', subject: 'invoices-value', version: null, schema_id: null, declared: 'inline' }],
    });
    // A produced schema new to its subject joins it when the DAG version is deployed (ADR 0015).
    expect((await t.app.inject({ method: 'GET', url: '/v1/subjects/invoices-value/versions/1' })).statusCode).toBe(404);

    // What the gatekeeper routes by once deployed (forced: no check in this file).
    const dep = await post('/v1/deployments', { dag_id: 'bill_orders', version: '1.0.0', environment: 'dev', force: true, reason: 'routing test' });
    expect(dep.status).toBe(201);
    const invoices = await t.app.inject({ method: 'GET', url: '/v1/subjects/invoices-value/versions/1' });
    expect(dep.body.pinned).toEqual([{ topic: 'persistent://public/default/invoices', subject: 'invoices-value', version: 1, schema_id: invoices.json().id }]);
    const table = await makeDbRoutingSource(t.db.database.db).routingTable({ environment: 'dev' });
    expect(table.routes).toEqual([expect.objectContaining({
      topic: 'persistent://public/shop/orders', dagId: 'bill_orders', dagVersion: '1.0.0', subject: 'orders-value', subjectVersion: 1,
      schemaId: body.consumes[0].schema_id, onMismatch: 'reject', triggerTopic: 'persistent://shop/bill/trigger',
    })]);
  });

  it('the same contract again (reordered, as YAML, after "latest" moved on) → 200 with the original pinning', async () => {
    expect((await registerSchema('orders-value', orderV2)).status).toBe(201);
    const yaml = `version: "1.0.0"\ndag_id: bill_orders\nairflow_version_number: 3\nproduces:\n  - topic: public/default/invoices\n    schemaType: AVRO\n    schema: '${JSON.stringify(record('Invoice', [{ name: 'order_id', type: 'string' }]))}'\n` +
      'consumes:\n  - { topic: persistent://public/shop/orders, subject: orders-value, version: latest, on_mismatch: reject, trigger_topic: shop/bill/trigger }\n';
    const { status, body } = await post('/v1/dags', { manifest: yaml });
    expect(status).toBe(200);
    expect(body.consumes[0].version).toBe(1);
  });

  it('a different contract under the same version → 409 CONTRACT_CONFLICT saying what differs', async () => {
    const changed = { ...manifest, consumes: [{ ...manifest.consumes[0], version: 2 }] };
    const { status, body } = await post('/v1/dags', { manifest: changed });
    expect(status).toBe(409);
    expect(body.error_code).toBe('CONTRACT_CONFLICT');
    expect(body.details.differences).toEqual([
      { path: '$.consumes[topic=persistent://public/shop/orders].version', change: 'changed', before: 'latest', after: 2 },
    ]);
    expect(body.message).toContain('$.consumes[topic=persistent://public/shop/orders].version changed');
  });

  it('a new version of the DAG with the change is fine; versions are listed and readable', async () => {
    const { status } = await post('/v1/dags', { manifest: { ...manifest, version: '1.1.0', consumes: [{ ...manifest.consumes[0], version: 2 }] } });
    expect(status).toBe(201);
    const list = await t.app.inject({ method: 'GET', url: '/v1/dags/bill_orders/versions' });
    expect(list.json().versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.1.0']);
    const one = await t.app.inject({ method: 'GET', url: '/v1/dags/bill_orders/versions/1.1.0' });
    expect(one.json().consumes[0]).toMatchObject({ version: 2, declared: 2 });
    const dags = await t.app.inject({ method: 'GET', url: '/v1/dags' });
    expect(dags.json().dags).toEqual([expect.objectContaining({ dag_id: 'bill_orders', version_count: 2, latest_version: '1.1.0' })]);
    expect((await t.app.inject({ method: 'GET', url: '/v1/dags/bill_orders/versions/9.9.9' })).json().error_code).toBe('DAG_VERSION_NOT_FOUND');
    expect((await t.app.inject({ method: 'GET', url: '/v1/dags/nobody/versions' })).json().error_code).toBe('DAG_NOT_FOUND');
  });

  it('an inline schema its subject\'s level refuses → 409 INCOMPATIBLE_SCHEMA and no DAG version', async () => {
    const m = { dag_id: 'bad_producer', version: '1', produces: [{ topic: 'persistent://public/shop/orders', subject: 'orders-value', schemaType: 'AVRO', schema: record('Order', [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'must', type: 'string' }]) }] };
    const { status, body } = await post('/v1/dags', { manifest: m });
    expect(status).toBe(409);
    expect(body.error_code).toBe('INCOMPATIBLE_SCHEMA');
    expect(body.message).toContain('$.produces[0].schema');
    expect((await t.app.inject({ method: 'GET', url: '/v1/dags/bad_producer/versions' })).statusCode).toBe(404);
  });

  it('registrations are audited', async () => {
    const events = await t.db.database.db.execute(`select actor, action, target_id from audit_events where action = 'dag_version.register' order by id` as never);
    expect((events.rows as Array<{ target_id: string }>).map((r) => r.target_id)).toEqual(['bill_orders@1.0.0', 'bill_orders@1.1.0']);
  });
});

describe('POST /v1/checks without Pulsar', () => {
  it('an unresolvable reference is an error finding at its path, and the failed check is recorded', async () => {
    const { status, body } = await post('/v1/checks', { manifest: { dag_id: 'x', version: '1', consumes: [{ topic: 'o', subject: 'ghost', version: 1 }] }, environment: 'dev' });
    expect(status).toBe(201);
    expect(body.passed).toBe(false);
    expect(body.findings.filter((f: { rule?: string }) => f.rule !== 'SKIPPED')).toEqual([expect.objectContaining({ severity: 'error', kind: 'resolution', path: '$.consumes[0].subject' })]);
    // A server without Pulsar's admin API says what it skipped, instead of looking like a pass.
    expect(body.findings.filter((f: { rule?: string }) => f.rule === 'SKIPPED')).toEqual([expect.objectContaining({ severity: 'info', message: expect.stringContaining('PULSAR_ADMIN_URL') })]);
    expect((await t.app.inject({ method: 'GET', url: `/v1/checks/${body.id}` })).json().passed).toBe(false);
  });

  it('asking for Pulsar on a server without its admin API is 400; a bad environment name is 400', async () => {
    const manifest = { dag_id: 'x', version: '1', consumes: [{ topic: 'o', subject: 'orders-value', version: 1 }] };
    const noPulsar = await post('/v1/checks', { manifest, environment: 'dev', pulsar: true });
    expect(noPulsar.status).toBe(400);
    expect(noPulsar.body.message).toMatch(/PULSAR_ADMIN_URL/);
    expect((await post('/v1/checks', { manifest, environment: 'dev env' })).status).toBe(400);
    expect((await post('/v1/checks', { manifest: 'dag_id: [', environment: 'dev' })).status).toBe(422);
  });
});
