// Three DAGs on one topic, against the real Postgres and the real Pulsar broker: DAG A (ingest)
// produces T; B (bill) and C (ship) consume it. Compatible and incompatible changes on each side go
// through the pre-deploy check, the deploy gate and the drift report; schemas pushed on deploy are on
// the topic and the broker then refuses an incompatible one.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePulsarAdmin } from '../../../src/pulsar-admin/admin-client.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { waitFor } from '../../support/wait-for.js';

const ADMIN_URL = process.env.TEST_PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const pulsar = makePulsarAdmin({ url: ADMIN_URL });
const NS = `public/contracts-${randomBytes(4).toString('hex')}`;
const T = `persistent://${NS}/orders`;
const ENV = 'prod';

type Field = { name: string; type: unknown; default?: unknown };
const order = (fields: Field[]) => ({ type: 'record', name: 'Order', namespace: 'shop', fields });
const ID = { name: 'id', type: 'string' };
const AMOUNT = { name: 'amount', type: 'double' };
const O1 = order([ID, AMOUNT]);
const O2 = order([ID, AMOUNT, { name: 'note', type: ['null', 'string'], default: null }]); // producer adds an optional field
const O3 = order([ID, { name: 'note', type: ['null', 'string'], default: null }]); // producer drops amount

const A = (version: string, schema?: object) => ({
  dag_id: 'ingest_orders', version,
  produces: [schema ? { topic: T, subject: 'orders-value', schemaType: 'AVRO', schema } : { topic: T, subject: 'orders-value', version: 1 }],
});
const B = (version: string, consume: Record<string, unknown>) => ({ dag_id: 'bill_orders', version, consumes: [{ topic: T, ...consume }] });
const C = (version: string, reader: object) => ({ dag_id: 'ship_orders', version, consumes: [{ topic: T, subject: 'ship-reader', schemaType: 'AVRO', schema: reader, on_mismatch: 'reject' }] });

type Finding = { severity: string; kind: string; rule?: string; path?: string; message: string; topic: string; reader?: any; writer?: any; pulsar?: { compatible: boolean; strategy?: string; reason?: string } };
type Check = { id: number; passed: boolean; findings: Finding[]; checks: Array<{ kind: string; status: string; findings: Finding[] }> };

let t: TestApp;

async function post(url: string, payload: unknown) {
  const res = await t.app.inject({ method: 'POST', url, headers: adminHeaders, payload: payload as object });
  return { status: res.statusCode, body: res.json() as any };
}
async function check(manifest: object): Promise<Check> {
  const { status, body } = await post('/v1/checks', { manifest, environment: ENV, pulsar: true });
  expect(status, JSON.stringify(body)).toBe(201);
  return body as Check;
}
async function register(manifest: object) {
  const { status, body } = await post('/v1/dags', { manifest });
  expect([200, 201], JSON.stringify(body)).toContain(status);
  return body;
}
const deploy = (dag: string, version: string, extra: Record<string, unknown> = {}) => post('/v1/deployments', { dag_id: dag, version, environment: ENV, ...extra });
const errorsOf = (c: Check) => c.findings.filter((f) => f.severity === 'error');
const ofKind = (c: Check, kind: string) => c.findings.filter((f) => f.kind === kind);
const driftRules = (c: Check) => ofKind(c, 'drift').map((f) => f.rule);

beforeAll(async () => {
  await pulsar.createNamespace(NS);
  await pulsar.setSchemaCompatibilityStrategy(NS, 'BACKWARD');
  await pulsar.setSchemaValidationEnforced(NS, true);
  t = await buildTestApp({ pulsarAdmin: pulsar });
  const res = await post('/v1/subjects/orders-value/versions', { schema: JSON.stringify(O1), format: 'AVRO' });
  expect(res.status).toBe(201);
});
afterAll(async () => { await t?.close(); });

describe('three DAGs on one topic', () => {
  it('A v1 (producer): no deploy without a check; its check passes and reports the topic has no schema', async () => {
    await register(A('1'));
    const gate = await deploy('ingest_orders', '1');
    expect(gate.status).toBe(409);
    expect(gate.body.error_code).toBe('CHECK_REQUIRED');

    const c = await check(A('1'));
    expect(c.passed).toBe(true);
    expect(errorsOf(c)).toEqual([]);
    expect(driftRules(c)).toEqual(['TOPIC_HAS_NO_SCHEMA']);
    expect(ofKind(c, 'writer-vs-active-consumer')[0]!.message).toMatch(/no DAG version active in prod consumes/);
    expect(ofKind(c, 'writer-vs-pulsar-topic')[0]!.pulsar).toMatchObject({ compatible: true, strategy: 'BACKWARD' });
  });

  it('A v1 deploys with push_schemas: the schema is on the topic and the namespace policy is reported', async () => {
    const { status, body } = await deploy('ingest_orders', '1', { push_schemas: true });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.deployment).toMatchObject({ dag_id: 'ingest_orders', version: '1', forced: false });
    expect(body.pushed).toEqual([expect.objectContaining({ topic: T, subject: 'orders-value', version: 1 })]);
    expect(body.namespaces).toEqual([{ namespace: NS, compatibility_strategy: 'BACKWARD', schema_validation_enforced: true }]);
    // Pushing a schema does not create the topic, so it has no policies of its own yet.
    expect(body.topics).toEqual([{
      topic: T, exists: false, compatibility_strategy_override: null, compatibility_strategy: null, schema_validation_enforced: null,
    }]);
    const onTopic = await pulsar.getSchema(T);
    expect(onTopic?.type).toBe('AVRO');
    expect(JSON.parse(onTopic!.schema)).toEqual(O1);
  });

  it('B v1 and C v1 (consumers) pass: they read the subject, the topic and what A v1 writes', async () => {
    await register(B('1', { subject: 'orders-value', version: 1 }));
    const b = await check(B('1', { subject: 'orders-value', version: 1 }));
    expect(errorsOf(b)).toEqual([]);
    expect(b.passed).toBe(true);
    expect(ofKind(b, 'reader-vs-pulsar-topic')[0]).toMatchObject({ severity: 'info', pulsar: { compatible: true, strategy: 'BACKWARD' } });
    expect(driftRules(b)).toEqual([]);
    expect((await deploy('bill_orders', '1')).status).toBe(201);

    const cReader = order([ID]);
    await register(C('1', cReader));
    const c = await check(C('1', cReader));
    expect(c.passed).toBe(true);
    expect((await deploy('ship_orders', '1')).status).toBe(201);

    const active = await t.app.inject({ method: 'GET', url: `/v1/environments/${ENV}/active` });
    expect(active.json().active.map((a: any) => `${a.dag_version.dag_id}@${a.dag_version.version}`)).toEqual(['bill_orders@1', 'ingest_orders@1', 'ship_orders@1']);
  });

  it('producer adds an optional field (A v2): passes; registration leaves the subject alone, the deploy adds and pushes v2', async () => {
    const c = await check(A('2', O2));
    expect(errorsOf(c)).toEqual([]);
    expect(c.passed).toBe(true);
    const consumers = ofKind(c, 'writer-vs-active-consumer');
    expect(consumers).toEqual([]);
    expect(ofKind(c, 'writer-vs-subject-level')).toEqual([]);
    expect(driftRules(c)).toEqual([]);

    await register(A('2', O2));
    // The produced schema joins orders-value at deploy (ADR 0015): until then registry and topic agree.
    const again = await check(A('2', O2));
    expect(again.passed).toBe(true);
    expect(driftRules(again)).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/v1/subjects/orders-value/versions' })).json().versions).toEqual([1]);

    const { status, body } = await deploy('ingest_orders', '2', { push_schemas: true });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.pinned).toEqual([expect.objectContaining({ subject: 'orders-value', version: 2 })]);
    expect(JSON.parse((await pulsar.getSchema(T))!.schema)).toEqual(O2);
    expect(driftRules(await check(A('2', O2)))).toEqual([]);
  });

  it('consumer adds a field with a default (B v2, own reader subject): passes against A v2 and the topic', async () => {
    const reader = order([ID, AMOUNT, { name: 'region', type: 'string', default: 'eu' }]);
    const manifest = B('2', { subject: 'bill-reader', schemaType: 'AVRO', schema: reader });
    const c = await check(manifest);
    expect(errorsOf(c)).toEqual([]);
    expect(ofKind(c, 'reader-vs-pulsar-topic')[0]!.pulsar?.compatible).toBe(true);
    // Drift is judged against the topic's writer subject (the active producer's), not the reader's own subject.
    expect(driftRules(c)).toEqual([]);
    await register(manifest);
    expect((await deploy('bill_orders', '2')).status).toBe(201); // the check was before registration: same contract, still valid
  });

  it('consumer requires a new field without default (C v2): errors from dagpact and from Pulsar; the registry refuses it too', async () => {
    const reader = order([ID, { name: 'priority', type: 'int' }]);
    const c = await check(C('2', reader));
    expect(c.passed).toBe(false);
    const producer = ofKind(c, 'reader-vs-active-producer').filter((f) => f.severity === 'error');
    expect(producer).toEqual([expect.objectContaining({ rule: 'READER_FIELD_MISSING_DEFAULT_VALUE', writer: expect.objectContaining({ dag_id: 'ingest_orders', dag_version: '2' }) })]);
    expect(producer[0]!.message).toMatch(/priority/);
    const topic = ofKind(c, 'reader-vs-pulsar-topic');
    expect(topic[0]).toMatchObject({ severity: 'error', rule: 'READER_FIELD_MISSING_DEFAULT_VALUE', pulsar: { compatible: false, strategy: 'BACKWARD' } });
    expect(topic[0]!.pulsar!.reason).toMatch(/SchemaValidationException|Unable to read/);
    expect(ofKind(c, 'reader-vs-subject-latest').some((f) => f.severity === 'error')).toBe(true);

    const reg = await post('/v1/dags', { manifest: C('2', reader) });
    expect(reg.status).toBe(409);
    expect(reg.body.error_code).toBe('INCOMPATIBLE_SCHEMA');
    expect((await deploy('ship_orders', '2', { force: true, reason: 'try' })).body.error_code).toBe('DAG_VERSION_NOT_FOUND');
  });

  it('the broker enforces the pushed schema: Pulsar refuses an incompatible one', async () => {
    const bad = order([ID, AMOUNT, { name: 'priority', type: 'int' }]);
    const verdict = await pulsar.testCompatibility(T, { type: 'AVRO', schema: JSON.stringify(bad) });
    expect(verdict.compatible).toBe(false);
    await expect(pulsar.postSchema(T, { type: 'AVRO', schema: JSON.stringify(bad) })).rejects.toMatchObject({ details: { status: 409 } });
    expect(JSON.parse((await pulsar.getSchema(T))!.schema)).toEqual(O2);
  });

  it('producer removes a field B needs without default (A v3): the check names B; deploy is refused until forced with a reason', async () => {
    const c = await check(A('3', O3));
    expect(c.passed).toBe(false);
    const broken = errorsOf(c);
    expect(broken).toEqual([expect.objectContaining({
      kind: 'writer-vs-active-consumer', rule: 'READER_FIELD_MISSING_DEFAULT_VALUE',
      reader: expect.objectContaining({ dag_id: 'bill_orders', dag_version: '2', subject: 'bill-reader' }),
    })]);
    expect(broken[0]!.message).toMatch(/amount/);
    // BACKWARD lets the subject (and Pulsar) accept dropping a field: only the contracts catch it.
    expect(ofKind(c, 'writer-vs-subject-level')).toEqual([]);
    expect(ofKind(c, 'writer-vs-pulsar-topic')[0]!.pulsar?.compatible).toBe(true);

    await register(A('3', O3));
    const refused = await deploy('ingest_orders', '3');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error_code: 'CHECK_REQUIRED', details: { check_id: c.id, passed: false } });
    expect(refused.body.message).toMatch(/failed with 1 error/);

    const noReason = await deploy('ingest_orders', '3', { force: true });
    expect(noReason.status).toBe(400);
    expect(noReason.body.details.problems[0].path).toBe('$.reason');

    const forced = await deploy('ingest_orders', '3', { force: true, reason: 'billing migrates tomorrow (INC-42)' });
    expect(forced.status).toBe(201);
    expect(forced.body.deployment).toMatchObject({ forced: true, reason: 'billing migrates tomorrow (INC-42)', check_id: c.id });
    const audit = await t.db.database.db.execute(`select actor, details from audit_events where action = 'deployment.force'` as never);
    expect(audit.rows).toEqual([expect.objectContaining({ actor: 'bootstrap-admin', details: expect.objectContaining({ reason: 'billing migrates tomorrow (INC-42)', version: '3', forced: true }) })]);

    const history = await t.app.inject({ method: 'GET', url: `/v1/deployments?environment=${ENV}&dag_id=ingest_orders` });
    expect(history.json().deployments.map((d: any) => [d.version, d.forced])).toEqual([['3', true], ['2', false], ['1', false]]);
  });

  it('after the forced deploy, re-checking B v2 fails and the drift report shows the topic lags the registry', async () => {
    const reader = order([ID, AMOUNT, { name: 'region', type: 'string', default: 'eu' }]);
    const c = await check(B('2', { subject: 'bill-reader', schemaType: 'AVRO', schema: reader }));
    expect(c.passed).toBe(false);
    expect(errorsOf(c)).toEqual([expect.objectContaining({ kind: 'reader-vs-active-producer', writer: expect.objectContaining({ dag_id: 'ingest_orders', dag_version: '3' }) })]);
    const drift = ofKind(c, 'drift');
    expect(drift).toEqual([expect.objectContaining({ rule: 'TOPIC_SCHEMA_NOT_LATEST', subject: 'orders-value' })]);
    expect(drift[0]!.message).toMatch(/orders-value v2.*latest is v3/);
    // The latest check of an already-deployed version now failing does not undeploy it.
    const active = await t.app.inject({ method: 'GET', url: `/v1/environments/${ENV}/active` });
    expect(active.json().active.find((a: any) => a.dag_version.dag_id === 'bill_orders').dag_version.version).toBe('2');
  });

  it('a schema pushed to Pulsar behind the registry\'s back is reported as unknown drift', async () => {
    const other = `persistent://${NS}/audit-${randomBytes(3).toString('hex')}`;
    await pulsar.postSchema(other, { type: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'Rogue', fields: [{ name: 'x', type: 'long' }] }) });
    const c = await check({ dag_id: 'auditor', version: '1', consumes: [{ topic: other, subject: 'orders-value', version: 1 }] });
    expect(ofKind(c, 'drift')).toEqual([expect.objectContaining({ severity: 'warning', rule: 'TOPIC_SCHEMA_UNKNOWN' })]);
    expect(ofKind(c, 'reader-vs-pulsar-topic')[0]).toMatchObject({ severity: 'error', pulsar: { compatible: false } });
  });

  it('a produced topic whose Pulsar tenant does not exist fails the check with a clear finding', async () => {
    const topic = `persistent://no-tenant-${randomBytes(3).toString('hex')}/ns/out`;
    const c = await check({ dag_id: 'lost', version: '1', produces: [{ topic, subject: 'orders-value', version: 1 }] });
    expect(c.passed).toBe(false);
    expect(errorsOf(c)).toEqual([expect.objectContaining({ kind: 'writer-vs-pulsar-topic', rule: 'PULSAR_TOPIC_UNAVAILABLE' })]);
    expect(errorsOf(c)[0]!.message).toMatch(/does not exist/);
    expect(driftRules(c)).toEqual(['TOPIC_HAS_NO_SCHEMA']);
  });

  it('undeploy removes a DAG from the active set and is recorded in the history', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/environments/${ENV}/active/ship_orders?reason=retired`, headers: adminHeaders });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ dag_id: 'ship_orders', version: null, reason: 'retired' });
    const active = await t.app.inject({ method: 'GET', url: `/v1/environments/${ENV}/active` });
    expect(active.json().active.map((a: any) => a.dag_version.dag_id)).toEqual(['bill_orders', 'ingest_orders']);
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/environments/${ENV}/active/ship_orders`, headers: adminHeaders });
    expect(again.statusCode).toBe(404);
    const history = await t.app.inject({ method: 'GET', url: `/v1/deployments?dag_id=ship_orders` });
    expect(history.json().deployments.map((d: any) => d.version)).toEqual([null, '1']);
  });

  it('checks are recorded and readable; an unknown check is 404', async () => {
    const c = await check(A('1'));
    const res = await t.app.inject({ method: 'GET', url: `/v1/checks/${c.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: c.id, dag_id: 'ingest_orders', version: '1', environment: ENV, passed: c.passed });
    expect(res.json().findings).toEqual(c.findings);
    expect((await t.app.inject({ method: 'GET', url: '/v1/checks/999999' })).json().error_code).toBe('CHECK_NOT_FOUND');
  });

  it('a deploy reports a strategy set on the topic itself, and a topic not created yet', async () => {
    expect((await fetch(`${ADMIN_URL}/admin/v2/persistent/${NS}/orders`, { method: 'PUT' })).status).toBeLessThan(300);
    const set = await fetch(`${ADMIN_URL}/admin/v2/persistent/${NS}/orders/schemaCompatibilityStrategy`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify('FULL_TRANSITIVE'),
    });
    expect(set.status).toBeLessThan(300);
    await waitFor('the topic policy applied', async () => (await pulsar.getTopicSchemaPolicies(T))?.strategyOverride === 'FULL_TRANSITIVE',
      { timeoutMs: 15_000, intervalMs: 200 });
    const unborn = `persistent://${NS}/not-yet`;
    const manifest = { dag_id: 'fan_out', version: '1', consumes: [{ topic: T, subject: 'orders-value', version: 3 }], produces: [{ topic: unborn, subject: 'orders-value', version: 3 }] };
    await register(manifest);
    const checked = await check(manifest);
    expect(checked.passed, JSON.stringify(errorsOf(checked))).toBe(true);
    const { status, body } = await deploy('fan_out', '1');
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.topics).toEqual([
      { topic: unborn, exists: false, compatibility_strategy_override: null, compatibility_strategy: null, schema_validation_enforced: null },
      { topic: T, exists: true, compatibility_strategy_override: 'FULL_TRANSITIVE', compatibility_strategy: 'FULL_TRANSITIVE', schema_validation_enforced: true },
    ]);
  });

  it('an inline schema with references: dagpact resolves them, and Pulsar (which has no references) gets the schema with them written in', async () => {
    const address = { type: 'record', name: 'Address', namespace: 'shop', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string', default: '' }] };
    expect((await post('/v1/subjects/address-value/versions', { schema: JSON.stringify(address), format: 'AVRO' })).status).toBe(201);
    const topic = `persistent://${NS}/shipments`;
    const shipment = { type: 'record', name: 'Shipment', namespace: 'shop', fields: [{ name: 'id', type: 'string' }, { name: 'to', type: 'shop.Address' }] };
    const manifest = {
      dag_id: 'ship_with_refs', version: '1',
      produces: [{ topic, subject: 'shipments-value', schemaType: 'AVRO', schema: shipment, references: [{ name: 'shop.Address', subject: 'address-value', version: 1 }] }],
    };
    expect((await post('/v1/dags', { manifest })).status).toBe(201);
    const checked = await check(manifest);
    expect(checked.passed, JSON.stringify(errorsOf(checked))).toBe(true);
    expect(ofKind(checked, 'writer-vs-pulsar-topic')[0]!.pulsar).toMatchObject({ compatible: true });

    const { status, body } = await deploy('ship_with_refs', '1', { push_schemas: true });
    expect(status, JSON.stringify(body)).toBe(201);
    const onTopic = await pulsar.getSchema(topic);
    const pushed = JSON.parse(onTopic!.schema);
    expect(pushed.name).toBe('shop.Shipment');
    expect(pushed.fields[1].type).toMatchObject({ type: 'record', name: 'shop.Address', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string', default: '' }] });

    // The registry stored the schema as written, with its reference.
    const stored = await t.app.inject({ method: 'GET', url: '/ccompat/subjects/shipments-value/versions/1' });
    expect(JSON.parse(stored.json().schema)).toEqual(shipment);
    expect(stored.json().references).toEqual([{ name: 'shop.Address', subject: 'address-value', version: 1 }]);
  });
});
