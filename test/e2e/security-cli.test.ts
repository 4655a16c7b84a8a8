// The built server and CLI from outside: `dagpact audit` (admin only) and `dagpact quarantine show`
// redacting a held message for a read token while the payload is sealed at rest with DAGPACT_PAYLOAD_KEY.
import { randomBytes } from 'node:crypto';
import avro from 'avsc';
import { sql } from 'drizzle-orm';
import { runBuiltCli, type CliRun } from '../support/cli-process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePayloadCipher } from '../../src/store/payload-cipher.js';
import { makeQuarantineStore } from '../../src/store/quarantine-store.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN = 'e2e-sec-admin-token-0123456789';
const KEY = randomBytes(32);
const SCHEMA = { type: 'record', name: 'Pay', fields: [{ name: 'id', type: 'int' }, { name: 'iban', type: 'string', 'confluent:tags': ['PII'] }] };

let db: TestDatabase;
let server: ServerProcess;
let readToken: string;
let recordId: number;

type Run = CliRun;
function cli(args: string[], token: string): Promise<Run> {
  return runBuiltCli(args, { DAGPACT_URL: server.url, DAGPACT_TOKEN: token });
}

beforeAll(async () => {
  db = await createPostgresTestDatabase();
  server = await startServerProcess({ DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, DAGPACT_PAYLOAD_KEY: KEY.toString('base64') });
  const h = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const reg = await fetch(`${server.url}/v1/subjects/sec-pay-value/versions`, { method: 'POST', headers: h, body: JSON.stringify({ schema: JSON.stringify(SCHEMA), format: 'AVRO' }) });
  const schemaId = ((await reg.json()) as { id: number }).id;
  const tok = await fetch(`${server.url}/v1/tokens`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'oncall', scopes: ['read', 'deploy:prod'] }) });
  readToken = ((await tok.json()) as { token: string }).token;
  // The gatekeeper's side: a held message written sealed with the same key.
  const store = makeQuarantineStore(db.database.db, { cipher: makePayloadCipher({ key: KEY }) });
  recordId = (await store.insert({
    record: {
      sourceTopic: 'persistent://public/default/sec-pay', messageId: 'm1', dagId: 'pay', dagVersion: null, environment: 'prod',
      disposition: 'quarantine', reasonCode: 'SCHEMA_MISMATCH', reason: 'test', payload: Buffer.from(avro.Type.forSchema(SCHEMA as never).toBuffer({ id: 1, iban: 'NO9386011117947' })),
      properties: { authorization: 'Bearer leaked' }, messageKey: 'k', publishTime: null, eventTime: null, pulsarSchemaVersion: null,
      expectedSchemaId: null, detectedSchemaId: schemaId, history: [],
    },
  })).id;
}, 120_000);
afterAll(async () => { await server?.stop(); await db?.drop(); });

describe('security from the command line', () => {
  it('quarantine show redacts for a token without payload:read:prod; the admin sees the whole payload', async () => {
    const raw = await db.database.db.execute(sql`select payload from quarantine_records where id = ${recordId}`);
    expect(Buffer.from((raw.rows[0] as { payload: Buffer }).payload).includes(Buffer.from('NO9386011117947'))).toBe(false);

    const oncall = await cli(['quarantine', 'show', String(recordId)], readToken);
    expect(oncall.code, oncall.stderr).toBe(0);
    expect(oncall.stdout).toContain('"iban": "[redacted]"');
    expect(oncall.stdout).not.toContain('NO9386011117947');
    expect(oncall.stdout).not.toContain('Bearer leaked');
    expect(oncall.stdout).toContain('redacted (needs payload:read:prod)');

    const admin = await cli(['quarantine', 'show', String(recordId)], ADMIN);
    expect(admin.stdout).toContain('NO9386011117947');
    expect(admin.stdout).toContain('payload_base64: ');
  });

  it('dagpact audit lists events by principal for the admin and is refused to others', async () => {
    const refused = await cli(['audit'], readToken);
    expect(refused.code).toBe(2); // a refused permission is "another failure" (README: exit codes)
    expect(refused.stderr).toContain('"admin" permission');
    const listed = await cli(['audit', '--action', 'token.*'], ADMIN);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/bootstrap-admin \(bootstrap-admin\)\s+token\.create\s+token:\d+/);
    const mine = await cli(['audit', '--principal', 'bootstrap-admin', '--action', 'request.refused', '--format', 'json'], ADMIN);
    expect(JSON.parse(mine.stdout).events).toEqual([]);
    const byOncall = await cli(['audit', '--action', 'request.refused', '--format', 'json'], ADMIN);
    expect(JSON.parse(byOncall.stdout).events[0]).toMatchObject({ actor_name: 'oncall', target_id: 'GET /v1/audit' });
  });
});
