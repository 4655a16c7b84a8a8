// AIRFLOW_TOKEN_FILE against the real Airflow 3: the file is read again for every request, so a rotated
// token is used at once and a revoked one is refused, without a new client.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAirflowClient } from '../../../src/airflow/client.js';
import { readTokenFile } from '../../../src/support/token-file.js';
import { airflowConnection } from './support.js';

async function airflowToken(): Promise<string> {
  const c = await airflowConnection();
  const res = await fetch(`${c.url}/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: c.username, password: c.password }),
  });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('AIRFLOW_TOKEN_FILE', () => {
  it('reads the file for every request: a rotated token works at once, a bad one is refused, a missing file is named', async () => {
    const c = await airflowConnection();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dagpact-airflow-')), 'token');
    writeFileSync(file, `${await airflowToken()}\n`);
    const client = makeAirflowClient({ baseUrl: c.url, token: readTokenFile(file) });
    await client.check();

    writeFileSync(file, 'not-a-valid-token');
    await expect(client.check()).rejects.toMatchObject({ code: 'UPSTREAM_REJECTED' });

    writeFileSync(file, await airflowToken());
    await client.check();

    const gone = makeAirflowClient({ baseUrl: c.url, token: readTokenFile(path.join(path.dirname(file), 'missing')) });
    await expect(gone.check()).rejects.toThrow(/cannot read the token file .*missing: ENOENT/);
  });
});
