// The pre-deploy check against the real Airflow 3: a manifest's airflow_version_number is compared with
// the versions Airflow keeps of the DAG (GET /api/v2/dags/{id}/dagVersions). Every outcome is a warning
// or an info finding, never a failed check: CI usually checks before the DAG's code reaches Airflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAirflowClient } from '../../../src/airflow/client.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { airflowClient, airflowConnection, DAGS } from './support.js';

type Finding = { severity: string; kind: string; rule?: string; message: string; topic: string };
type Check = { passed: boolean; findings: Finding[] };

let t: TestApp;
let latest: number;
const ORDER = { type: 'record', name: 'Order', namespace: 'af', fields: [{ name: 'id', type: 'long' }] };

beforeAll(async () => {
  const airflow = await airflowClient();
  const versions = await airflow.listDagVersions({ dagId: DAGS.orders });
  expect(versions.length, 'the fixture DAG is serialized in Airflow').toBeGreaterThan(0);
  latest = versions.at(-1)!.version_number;
  t = await buildTestApp({ airflow });
  const reg = await t.app.inject({ method: 'POST', url: '/v1/subjects/af-orders-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(ORDER), format: 'AVRO' } });
  expect(reg.statusCode).toBe(201);
}, 900_000);
afterAll(async () => { await t?.close(); });

const manifest = (dagId: string, airflowVersion?: number) => ({
  dag_id: dagId, version: 'v1', ...(airflowVersion !== undefined ? { airflow_version_number: airflowVersion } : {}),
  consumes: [{ topic: 'af-orders', subject: 'af-orders-value', version: 1 }],
});

async function check(app: TestApp, m: object): Promise<Check> {
  const res = await app.app.inject({ method: 'POST', url: '/v1/checks', headers: adminHeaders, payload: { manifest: m, environment: 'prod' } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Check>();
}
const airflowFindings = (c: Check) => c.findings.filter((f) => f.kind === 'airflow-dag-version');

describe('check: airflow_version_number against Airflow', () => {
  it('the version Airflow runs: an info finding', async () => {
    const c = await check(t, manifest(DAGS.orders, latest));
    expect(c.passed).toBe(true);
    expect(airflowFindings(c)).toEqual([expect.objectContaining({
      severity: 'info', topic: `airflow:${DAGS.orders}`, message: expect.stringMatching(new RegExp(`Airflow runs version ${latest} of ${DAGS.orders}`)),
    })]);
  });

  it('a version Airflow does not have yet: a warning, and the check still passes', async () => {
    const c = await check(t, manifest(DAGS.orders, latest + 5));
    expect(c.passed).toBe(true);
    expect(airflowFindings(c)).toEqual([expect.objectContaining({ severity: 'warning', rule: 'AIRFLOW_VERSION_UNKNOWN' })]);
  });

  it('a DAG Airflow does not know: a warning naming it', async () => {
    const c = await check(t, manifest('dagpact_not_deployed', 1));
    expect(airflowFindings(c)).toEqual([expect.objectContaining({ severity: 'warning', rule: 'AIRFLOW_DAG_UNKNOWN', message: expect.stringContaining('dagpact_not_deployed') })]);
  });

  it('no airflow_version_number: Airflow is not asked', async () => {
    expect(airflowFindings(await check(t, manifest(DAGS.orders)))).toEqual([]);
  });

  it('an Airflow that does not answer: a warning, not a failed check or a 5xx', async () => {
    const c = await airflowConnection();
    const down = await buildTestApp({ airflow: makeAirflowClient({ baseUrl: 'http://127.0.0.1:1', username: c.username, password: c.password, timeoutMs: 2000 }) });
    try {
      const reg = await down.app.inject({ method: 'POST', url: '/v1/subjects/af-orders-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(ORDER), format: 'AVRO' } });
      expect(reg.statusCode).toBe(201);
      const result = await check(down, manifest(DAGS.orders, latest));
      expect(result.passed).toBe(true);
      expect(airflowFindings(result)).toEqual([expect.objectContaining({ severity: 'warning', rule: 'AIRFLOW_UNAVAILABLE' })]);
    } finally {
      await down.close();
    }
  });
});
