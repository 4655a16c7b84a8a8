// The Airflow REST client against the real Airflow 3 API server (scripts/airflow/harness.sh): DAG runs
// created with their conf, a second trigger with the same run id creates nothing (409 = success),
// refusals are permanent and an absent Airflow is transient, DAG versions and tokens are real.
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAirflowClient, type AirflowClient } from '../../../src/airflow/client.js';
import { DagpactError } from '../../../src/core/errors.js';
import { isTransientFailure } from '../../../src/gatekeeper/retry-pause.js';
import { freePort } from '../../support/server-process.js';
import { airflowClient, airflowConnection, DAGS } from './support.js';

let client: AirflowClient;
const runId = (label: string) => `it__client__${label}__${randomUUID()}`;

async function rejection(promise: Promise<unknown>): Promise<DagpactError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DagpactError);
  return error as DagpactError;
}

beforeAll(async () => {
  client = await airflowClient();
}, 900_000);

describe('Airflow REST client (real Airflow 3)', () => {
  it('triggers a run with the conf, without a logical date, and reads it back', async () => {
    const id = runId('trigger');
    const conf = { message: { id: 7, amount: 1.5, tags: ['a', 'b'] }, dagpact: { source_topic: 'persistent://public/default/orders' } };
    const result = await client.triggerDagRun({ dagId: DAGS.orders, dagRunId: id, conf, note: 'from the client test' });
    expect(result).toMatchObject({ dagRunId: id, created: true });
    expect(result.run).toMatchObject({ dag_run_id: id, dag_id: DAGS.orders, conf, logical_date: null, run_type: 'manual' });
    const read = await client.getDagRun({ dagId: DAGS.orders, dagRunId: id });
    expect(read).toMatchObject({ dag_run_id: id, conf, logical_date: null });
    expect(read!.dag_versions?.[0]?.version_number).toBeGreaterThanOrEqual(1);
    expect(await client.getDagRun({ dagId: DAGS.orders, dagRunId: `${id}-missing` })).toBeUndefined();
  });

  it('re-triggering the same run id is success without a second run (409), and the first conf stays', async () => {
    const id = runId('again');
    expect((await client.triggerDagRun({ dagId: DAGS.orders, dagRunId: id, conf: { n: 1 } })).created).toBe(true);
    const again = await Promise.all([1, 2, 3].map((n) => client.triggerDagRun({ dagId: DAGS.orders, dagRunId: id, conf: { n: n + 1 } })));
    expect(again.map((r) => r.created)).toEqual([false, false, false]);
    const { runs, total } = await client.listDagRuns({ dagId: DAGS.orders, runIdPattern: id });
    expect(total).toBe(1);
    expect(runs.map((r) => [r.dag_run_id, r.conf])).toEqual([[id, { n: 1 }]]);
  });

  it('concurrent first triggers of one run id create exactly one run', async () => {
    // Retried on transient errors as the gatekeeper would (redelivery): on SQLite, Airflow answers some
    // concurrent writes with 500 "Database error" (a locked database), at times after the run was
    // committed (its audit-log insert failed) — the retry then finds the run: 409, success.
    const id = runId('race');
    const trigger = async (i: number) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await client.triggerDagRun({ dagId: DAGS.fraud, dagRunId: id, conf: { i } });
        } catch (error) {
          if (!(error instanceof DagpactError && error.retriable) || attempt >= 10) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => trigger(i)));
    expect(results.filter((r) => r.created).length).toBeLessThanOrEqual(1);
    const { runs, total } = await client.listDagRuns({ dagId: DAGS.fraud, runIdPattern: id });
    expect(total).toBe(1);
    expect(runs[0]!.dag_run_id).toBe(id);
  });

  it('an unknown DAG is a permanent refusal (404), as is a run id Airflow does not allow (400)', async () => {
    const unknown = await rejection(client.triggerDagRun({ dagId: 'no_such_dag_anywhere', dagRunId: runId('unknown'), conf: {} }));
    expect(unknown).toMatchObject({ code: 'UPSTREAM_REJECTED', retriable: false, details: { status: 404 } });
    expect(unknown.message).toMatch(/no_such_dag_anywhere/);
    expect(isTransientFailure(unknown)).toBe(false);
    const badId = await rejection(client.triggerDagRun({ dagId: DAGS.orders, dagRunId: 'has a space/and a slash', conf: {} }));
    expect(badId).toMatchObject({ code: 'UPSTREAM_REJECTED', retriable: false, details: { status: 400 } });
    expect(badId.message).toMatch(/does not match regex pattern/);
    const versions = await rejection(client.listDagVersions({ dagId: 'no_such_dag_anywhere' }));
    expect(versions).toMatchObject({ code: 'UPSTREAM_REJECTED', details: { status: 404 } });
  });

  it('an Airflow that is not there is transient: connection refused, and no answer within the timeout', async () => {
    const down = makeAirflowClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, username: 'dagpact', password: 'x' });
    const refused = await rejection(down.triggerDagRun({ dagId: DAGS.orders, dagRunId: runId('down'), conf: {} }));
    expect(refused).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true });
    expect(refused.message).toMatch(/unreachable.*ECONNREFUSED/);
    expect(isTransientFailure(refused)).toBe(true);

    // A listener that accepts and never answers (a hung Airflow): the request times out.
    const sockets = new Set<Socket>();
    const hung: Server = createServer((s) => { sockets.add(s); });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const port = (hung.address() as { port: number }).port;
      const slow = makeAirflowClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'unused', timeoutMs: 300 });
      const timedOut = await rejection(slow.triggerDagRun({ dagId: DAGS.orders, dagRunId: runId('hung'), conf: {} }));
      expect(timedOut).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true });
      expect(timedOut.message).toMatch(/no answer within 300 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('lists the DAG versions Airflow serialized', async () => {
    const versions = await client.listDagVersions({ dagId: DAGS.orders });
    expect(versions.length).toBeGreaterThanOrEqual(1);
    expect(versions[0]).toMatchObject({ dag_id: DAGS.orders, version_number: 1, bundle_name: 'dags-folder' });
    expect(versions.map((v) => v.version_number)).toEqual([...versions.map((v) => v.version_number)].sort((a, b) => a - b));
  });

  it('authenticates with a token from POST /auth/token, refreshes it, and refuses bad credentials for good', async () => {
    const first = await client.token();
    const forced = await client.token({ force: true });
    expect(first).toMatch(/^ey/);
    expect(forced).toMatch(/^ey/);
    expect(forced).not.toBe(first);
    await client.check();

    const c = await airflowConnection();
    const wrong = await rejection(makeAirflowClient({ baseUrl: c.url, username: c.username, password: `${c.password}-wrong` }).check());
    expect(wrong).toMatchObject({ code: 'UPSTREAM_REJECTED', retriable: false });
    expect(wrong.message).toMatch(/refused the credentials of dagpact.*AIRFLOW_USERNAME/);
    const noAuth = await rejection(makeAirflowClient({ baseUrl: c.url }).check());
    expect(noAuth).toMatchObject({ code: 'UPSTREAM_REJECTED' });
    expect(noAuth.message).toMatch(/refused a request without credentials \(401\)/);
    const badToken = await rejection(makeAirflowClient({ baseUrl: c.url, token: 'not-a-jwt' }).triggerDagRun({ dagId: DAGS.orders, dagRunId: runId('bad-token'), conf: {} }));
    // Airflow answers an unreadable token with 403 (a missing one with 401).
    expect(badToken).toMatchObject({ code: 'UPSTREAM_REJECTED', retriable: false, details: { status: 403 } });
  });
});
