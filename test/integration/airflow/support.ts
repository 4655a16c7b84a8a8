// How the Airflow tests reach the real Airflow 3 API server: scripts/test.sh starts it through
// scripts/airflow/harness.sh and exports TEST_AIRFLOW_URL, TEST_AIRFLOW_USERNAME and
// TEST_AIRFLOW_PASSWORD. Run by hand without them, the tests start (or reuse) the harness's instance
// themselves (on the test PostgreSQL server, like scripts/test.sh) and leave it running for the next
// run (`bash scripts/airflow/harness.sh stop` ends it).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeAirflowClient } from '../../../src/airflow/client.js';

const run = promisify(execFile);

export interface AirflowConnection { url: string; username: string; password: string }

let connection: Promise<AirflowConnection> | undefined;

async function fromHarness(): Promise<AirflowConnection> {
  const pg = process.env.TEST_DATABASE_URL;
  const database = pg ? { AIRFLOW_DATABASE_URL: `${pg.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://').replace(/\/[^/]*$/, '')}/dagpact_airflow` } : {};
  const { stdout } = await run('bash', ['scripts/airflow/harness.sh', 'start'], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...database } });
  const vars = Object.fromEntries([...stdout.matchAll(/^export (AIRFLOW_\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  if (!vars.AIRFLOW_URL || !vars.AIRFLOW_USERNAME || !vars.AIRFLOW_PASSWORD) throw new Error(`scripts/airflow/harness.sh start printed no AIRFLOW_* exports:\n${stdout}`);
  return { url: vars.AIRFLOW_URL, username: vars.AIRFLOW_USERNAME, password: vars.AIRFLOW_PASSWORD };
}

export function airflowConnection(): Promise<AirflowConnection> {
  const { TEST_AIRFLOW_URL: url, TEST_AIRFLOW_USERNAME: username, TEST_AIRFLOW_PASSWORD: password } = process.env;
  connection ??= url && username && password ? Promise.resolve({ url, username, password }) : fromHarness();
  return connection;
}

export async function airflowClient(overrides: Partial<Parameters<typeof makeAirflowClient>[0]> = {}) {
  const c = await airflowConnection();
  return makeAirflowClient({ baseUrl: c.url, username: c.username, password: c.password, ...overrides });
}

/** The DAGs of test/fixtures/airflow/dags. */
export const DAGS = { orders: 'dagpact_orders', fraud: 'dagpact_fraud' } as const;
