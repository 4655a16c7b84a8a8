// A refused candidate never blocks its fix (ADR 0015): registering a DAG version does not add its new
// produced schemas to their subject; deploying it does. A producer candidate that drops a field a
// deployed consumer reads is refused by the check, and the fixed candidate registers, passes and deploys
// without anyone deleting subject versions. Also: declared environments and idempotent redeploys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => { t = await buildTestApp(); });
afterAll(async () => { await t?.close(); });

async function call(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await t.app.inject({ method, url, headers: adminHeaders, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

const order = (fields: Array<{ name: string; type: unknown; default?: unknown }>) => ({ type: 'record', name: 'Order', namespace: 'shop', fields });
const v1 = order([{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }]);
const dropsAmount = order([{ name: 'id', type: 'string' }]);
const fixed = order([{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'note', type: ['null', 'string'], default: null }]);

const producer = (version: string, schema: object) => ({
  dag_id: 'rtf_producer', version, produces: [{ topic: 'rtf-orders', subject: 'rtf-orders-value', schemaType: 'AVRO', schema }],
});
const consumer = { dag_id: 'rtf_consumer', version: '1', consumes: [{ topic: 'rtf-orders', subject: 'rtf-orders-value', version: 1 }] };
const versions = async () => (await call('GET', '/v1/subjects/rtf-orders-value/versions')).body.versions;

async function checkAndDeploy(manifest: { dag_id: string; version: string }) {
  const check = await call('POST', '/v1/checks', { manifest, environment: 'prod', pulsar: false });
  const deploy = await call('POST', '/v1/deployments', { dag_id: manifest.dag_id, version: manifest.version, environment: 'prod' });
  return { check, deploy };
}

describe('refused then fixed, through the API', () => {
  it('the producer v1 joins its subject at deploy, not at registration', async () => {
    const reg = await call('POST', '/v1/dags', { manifest: producer('1', v1) });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    expect(reg.body.produces[0]).toMatchObject({ subject: 'rtf-orders-value', version: null, schema_id: null });
    expect((await call('GET', '/v1/subjects/rtf-orders-value/versions')).status).toBe(404);
    const { check, deploy } = await checkAndDeploy(producer('1', v1));
    expect(check.body.passed, JSON.stringify(check.body)).toBe(true);
    expect(deploy.status, JSON.stringify(deploy.body)).toBe(201);
    expect(deploy.body.pinned).toEqual([expect.objectContaining({ subject: 'rtf-orders-value', version: 1 })]);
    expect(await versions()).toEqual([1]);
    const got = await call('GET', '/v1/dags/rtf_producer/versions/1');
    expect(got.body.produces[0]).toMatchObject({ version: 1, schema_id: expect.any(Number) });
  });

  it('a consumer of v1 deploys', async () => {
    expect((await call('POST', '/v1/dags', { manifest: consumer })).status).toBe(201);
    const { check, deploy } = await checkAndDeploy(consumer);
    expect(check.body.passed, JSON.stringify(check.body)).toBe(true);
    expect(deploy.status).toBe(201);
  });

  it('the candidate that drops a field the consumer reads is refused and leaves the subject untouched', async () => {
    expect((await call('POST', '/v1/dags', { manifest: producer('2', dropsAmount) })).status).toBe(201);
    const { check, deploy } = await checkAndDeploy(producer('2', dropsAmount));
    expect(check.body.passed).toBe(false);
    expect(check.body.findings.some((f: { kind: string; severity: string }) => f.kind === 'writer-vs-active-consumer' && f.severity === 'error')).toBe(true);
    expect(deploy.status).toBe(409);
    expect(deploy.body.error_code).toBe('CHECK_REQUIRED');
    expect(await versions()).toEqual([1]);
  });

  it('the fixed candidate registers, passes its check and deploys; the subject gets it as v2', async () => {
    const reg = await call('POST', '/v1/dags', { manifest: producer('3', fixed) });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const { check, deploy } = await checkAndDeploy(producer('3', fixed));
    expect(check.body.passed, JSON.stringify(check.body.findings)).toBe(true);
    expect(deploy.status, JSON.stringify(deploy.body)).toBe(201);
    expect(await versions()).toEqual([1, 2]);
    const latest = await call('GET', '/v1/subjects/rtf-orders-value/versions/latest');
    expect(JSON.parse(latest.body.schema).fields.map((f: { name: string }) => f.name)).toEqual(['id', 'amount', 'note']);
  });

  it('redeploying the active version records nothing new and says so', async () => {
    const before = (await call('GET', '/v1/deployments?environment=prod&dag_id=rtf_producer')).body.deployments.length;
    const again = await call('POST', '/v1/deployments', { dag_id: 'rtf_producer', version: '3', environment: 'prod' });
    expect(again.status).toBe(200);
    expect(again.body.already_active).toBe(true);
    expect((await call('GET', '/v1/deployments?environment=prod&dag_id=rtf_producer')).body.deployments.length).toBe(before);
  });
});

describe('a producer and a consumer changed together', () => {
  const consumerV2 = {
    dag_id: 'rtf_consumer', version: '2',
    consumes: [{ topic: 'rtf-orders', subject: 'rtf-billing-reader', schemaType: 'AVRO', schema: order([{ name: 'id', type: 'string' }]) }],
  };
  const check = (manifest: object, together?: Array<{ dag_id: string; version: string }>) =>
    call('POST', '/v1/checks', { manifest, environment: 'prod', pulsar: false, ...(together ? { together } : {}) });

  it('alone, the producer that drops amount fails against the active consumer; together with the consumer that stops reading it, it passes', async () => {
    expect((await call('POST', '/v1/dags', { manifest: producer('4', dropsAmount) })).status).toBe(201);
    expect((await call('POST', '/v1/dags', { manifest: consumerV2 })).status).toBe(201);
    expect((await check(producer('4', dropsAmount))).body.passed).toBe(false);
    const producerTogether = await check(producer('4', dropsAmount), [{ dag_id: 'rtf_consumer', version: '2' }]);
    expect(producerTogether.body.passed, JSON.stringify(producerTogether.body.findings)).toBe(true);
    const consumerTogether = await check(consumerV2, [{ dag_id: 'rtf_producer', version: '4' }]);
    expect(consumerTogether.body.passed, JSON.stringify(consumerTogether.body.findings)).toBe(true);
    // The consumer was compared with what producer 4 will write, not with the active producer 3.
    expect(JSON.stringify(consumerTogether.body.findings)).not.toContain('rtf_producer@3');
  });

  it('together names a DAG version that is not registered → 404 naming it', async () => {
    const res = await check(consumerV2, [{ dag_id: 'rtf_producer', version: '99' }]);
    expect(res.status).toBe(404);
    expect(res.body.message).toContain('together[0]');
  });
});

describe('declared environments', () => {
  it('dev, staging and prod are declared on a fresh database', async () => {
    const { status, body } = await call('GET', '/v1/environments');
    expect(status).toBe(200);
    expect(body.environments.map((e: { name: string }) => e.name)).toEqual(['dev', 'prod', 'staging']);
  });

  it('a misspelt environment is refused with the closest declared name, for checks and deploys', async () => {
    const check = await call('POST', '/v1/checks', { manifest: consumer, environment: 'stagin', pulsar: false });
    expect(check.status).toBe(404);
    expect(check.body.error_code).toBe('ENVIRONMENT_NOT_FOUND');
    expect(check.body.message).toContain('did you mean "staging"');
    const deploy = await call('POST', '/v1/deployments', { dag_id: 'rtf_consumer', version: '1', environment: 'stagin' });
    expect(deploy.status).toBe(404);
    expect(deploy.body.details.suggestion).toBe('staging');
    expect((await call('GET', '/v1/environments')).body.environments).toHaveLength(3);
  });

  it('POST /v1/environments declares one (201), again is 200; a bad name is 400 naming $.name', async () => {
    expect((await call('POST', '/v1/environments', { name: 'qa', description: 'manual testing' })).status).toBe(201);
    const again = await call('POST', '/v1/environments', { name: 'qa' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ name: 'qa', description: 'manual testing' });
    const bad = await call('POST', '/v1/environments', { name: 'q a' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('name');
    expect((await call('POST', '/v1/checks', { manifest: consumer, environment: 'qa', pulsar: false })).status).toBe(201);
  });
});
