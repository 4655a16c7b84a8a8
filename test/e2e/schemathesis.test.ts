// schemathesis (an independent property-based API tester) drives the running server from
// openapi.yaml: no generated input, however malformed, may produce a 5xx, and every response must
// match the schema the document declares for it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ST = '.venv/bin/st';
const ADMIN = 'schemathesis-admin-token-0123';

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

describe('schemathesis against the running server', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    if (!existsSync(ST)) throw new Error(`${ST} is missing: run scripts/python/venv.sh (npm test does)`);
    db = await createPostgresTestDatabase();
    // Pulsar configured as in production, so replay and the pre-deploy check reach the real broker.
    server = await startServerProcess({
      DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, DAGPACT_LOG_LEVEL: 'warn',
      PULSAR_SERVICE_URL: process.env.TEST_PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650',
      PULSAR_ADMIN_URL: process.env.TEST_PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('finds no server error and no response that contradicts openapi.yaml', async () => {
    const { code, output } = await run(ST, [
      'run', 'openapi.yaml', '--url', server.url,
      '--checks', 'not_a_server_error,response_schema_conformance',
      '--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '15',
      '--seed', '20261124', '--generation-deterministic',
      '-H', `Authorization: Bearer ${ADMIN}`,
      // One worker: CPython 3.11's ast.parse is not thread-safe, and hypothesis calls it from each worker thread.
      '--request-timeout', '20', '--workers', '1',
      '--phases', 'examples,coverage,fuzzing',
    ], 20 * 60_000);
    const summary = output.split('\n').slice(-40).join('\n');
    expect(code, `schemathesis failed:\n${output.slice(-12000)}`).toBe(0);
    console.log(summary);
    expect(server.output()).not.toMatch(/"level":50/); // nothing logged at error level
  });
});
