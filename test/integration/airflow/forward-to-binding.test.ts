// A consumed topic's `forward_to: airflow` in a DAG version's manifest, end to end through the contracts
// API (register, check, deploy), a gatekeeper whose own setting is the trigger topic, the real broker and
// the real Airflow 3: the bound DAG gets a DAG run, the other DAG on the same topic its trigger-topic
// message, and neither gets both.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirflowClient } from '../../../src/airflow/client.js';
import type { startGatekeeper } from '../../../src/start/gatekeeper.js';
import { PulsarClient } from '../../../src/pulsar/index.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { createNamespace, drain, SERVICE_URL, startTestGatekeeper, waitFor } from '../gatekeeper/support.js';
import { airflowClient, airflowConnection, DAGS } from './support.js';

const ENV = `fwd-${randomBytes(4).toString('hex')}`;
const EVENT = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };

let db: TestDatabase;
let api: TestApp;
let ns: string;
let airflow: AirflowClient;
let client: PulsarClient;
let gk: Awaited<ReturnType<typeof startGatekeeper>> | undefined;
const topic = (name: string) => `persistent://${ns}/${name}`;

async function call(method: 'POST', url: string, payload: object) {
  const res = await api.app.inject({ method, url, headers: adminHeaders, payload });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json<Record<string, any>>();
}

async function registerCheckDeploy(manifest: Record<string, unknown>) {
  await call('POST', '/v1/dags', { manifest });
  expect((await call('POST', '/v1/checks', { manifest, environment: ENV })).passed).toBe(true);
  await call('POST', '/v1/deployments', { dag_id: manifest.dag_id, version: manifest.version, environment: ENV });
}

beforeAll(async () => {
  airflow = await airflowClient();
  db = await createTestDatabase();
  api = await buildTestApp({ db });
  ns = await createNamespace();
  await call('POST', '/v1/environments', { name: ENV }); // environments are declared before use (ADR 0015)
  await call('POST', '/ccompat/subjects/events-value/versions', { schema: JSON.stringify(EVENT), schemaType: 'JSON' });
  const consume = { topic: topic('events'), subject: 'events-value', version: 1 };
  await registerCheckDeploy({ dag_id: DAGS.orders, version: `fwd-${ENV}`, consumes: [{ ...consume, forward_to: 'airflow' }] });
  await registerCheckDeploy({ dag_id: 'plain_consumer', version: '1', consumes: [consume] });

  const c = await airflowConnection();
  gk = await startTestGatekeeper({
    databaseUrl: db.url!, environment: ENV, ns, subscribedTo: 1,
    env: {
      DAGPACT_TRIGGER_TOPIC_PATTERN: `persistent://${ns}/trigger-{dag_id}`,
      AIRFLOW_URL: c.url, AIRFLOW_USERNAME: c.username, AIRFLOW_PASSWORD: c.password, // DAGPACT_FORWARD_TO left at topic
    },
  });
  client = new PulsarClient({ serviceUrl: SERVICE_URL });
}, 900_000);

afterAll(async () => {
  await gk?.stop();
  await client?.close();
  await api?.close();
  await db?.drop();
});

describe('forward_to: airflow on a binding', () => {
  it('the registered contract shows it', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/v1/dags/${DAGS.orders}/versions/fwd-${ENV}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().consumes).toEqual([expect.objectContaining({ topic: topic('events'), forward_to: 'airflow', on_mismatch: 'quarantine' })]);
  });

  it('sends the bound DAG\'s accepted messages to Airflow and the other DAG\'s to its trigger topic', async () => {
    const producer = await client.createProducer({ topic: topic('events') });
    await producer.send({ payload: JSON.stringify({ n: 7 }), properties: { seq: 'e-1' } });
    await producer.close();

    const runs = await waitFor('a DAG run', async () => {
      const { runs } = await airflow.listDagRuns({ dagId: DAGS.orders, runIdPattern: `dagpact__${ENV}__`, limit: 10 });
      return runs.length > 0 ? runs : undefined;
    }, 60_000, 500);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conf).toMatchObject({ message: { n: 7 }, dagpact: { dag_id: DAGS.orders, properties: { seq: 'e-1' } } });

    const triggers = await drain([topic(`trigger-${DAGS.orders}`), topic('trigger-plain_consumer')], 3);
    expect(triggers.map((m) => [m.topic, m.properties.seq])).toEqual([[topic('trigger-plain_consumer'), 'e-1']]);
  });
});
