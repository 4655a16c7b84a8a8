// The gatekeeper's verdict for producers whose schemas live on the broker, as a user meets it: the
// built server and the built `dagpact gatekeeper` as processes, contracts registered, checked and
// deployed with the `dagpact` CLI, messages produced by the official Python client with AvroSchema
// (the broker registers the writer), trigger topics read back with fastavro and the contract schema,
// held messages inspected and replayed with `dagpact quarantine`. Named scenarios:
// rename without alias (held SCHEMA_MISMATCH), rename with alias (forwarded under the reader's name),
// compatible reorder (forwarded, right values), bytes producer on an Avro binding (held UNKNOWN_SCHEMA),
// Airflow running another DAG version (held DAG_VERSION_MISMATCH, forwarded after the matching deploy
// and a replay).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runBuiltCli, type CliRun } from '../support/cli-process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airflowClient, airflowConnection, DAGS } from '../integration/airflow/support.js';
import { ADMIN_URL, createNamespace, produce, PYTHON, SERVICE_URL, waitFor } from '../integration/gatekeeper/support.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const ADMIN = 'e2e-writer-admin-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'dagpact-writer-'));
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

let db: TestDatabase;
let server: ServerProcess;
let gatekeeper: { child: ChildProcess; output(): string } | undefined;
let ns: string;
const topic = (name: string) => `persistent://${ns}/${name}`;

type Run = CliRun;
function cli(args: string[]): Promise<Run> {
  return runBuiltCli(args, { DAGPACT_URL: server.url, DAGPACT_TOKEN: ADMIN });
}
async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  expect(r.code, `dagpact ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

// Contract (reader) schemas and the producers' (writer) schemas.
const ITEM = { type: 'record', name: 'Item', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }] };
const ITEM_ALIASED = { ...ITEM, fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string', aliases: ['product'] }] };
const ITEM_RENAMED = { ...ITEM, fields: [{ name: 'id', type: 'long' }, { name: 'product', type: 'string' }] };
const PAIR = { type: 'record', name: 'Pair', namespace: 'shop', fields: [{ name: 'first', type: 'string' }, { name: 'second', type: 'string' }] };
const PAIR_REORDERED = { ...PAIR, fields: [{ name: 'second', type: 'string' }, { name: 'first', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }] };

/** A DAG version's manifest consuming one topic by reference to a registered subject version. */
function manifest(args: { dag: string; version: string; topic: string; subject: string; trigger?: string; airflowVersion?: number }): string {
  return file(`${args.dag}-${args.version}.yaml`, [
    `dag_id: ${args.dag}`, `version: "${args.version}"`,
    ...(args.airflowVersion !== undefined ? [`airflow_version_number: ${args.airflowVersion}`] : []),
    'consumes:', `  - topic: ${args.topic}`, `    subject: ${args.subject}`, '    version: 1',
    ...(args.trigger ? [`    trigger_topic: ${args.trigger}`] : ['    forward_to: airflow']), '',
  ].join('\n'));
}

async function registerCheckDeploy(path: string) {
  await ok(['register', path]);
  await ok(['check', path, '--env', 'prod']);
  await ok(['deploy', path, '--env', 'prod']);
}

/** Trigger-topic messages decoded by fastavro with the contract schema (as a DAG reading it would). */
async function readTrigger(triggerTopic: string, reader: object, min: number): Promise<Array<{ seq: string; value: Record<string, unknown>; schema?: string }>> {
  const { stdout } = await run(PYTHON, ['test/python/trigger_drain.py', SERVICE_URL, '2', '--min', String(min), triggerTopic], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  const lines = stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, any>);
  const schemas = new Map(lines.filter((l) => l.kind === 'schema').map((l) => [l.version as number, l.schema as string]));
  const messages = lines.filter((l) => l.kind === 'message');
  const items = messages.map((m, i) => ({ key: String(i), mode: 'read', reader, payload_b64: m.payload_b64 }));
  const batch = file(`read-${randomBytes(3).toString('hex')}.json`, JSON.stringify(items));
  const decoded = (await run(PYTHON, ['test/python/resolve_expected.py', 'batch', batch], { maxBuffer: 64 * 1024 * 1024 })).stdout
    .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { key: string; ok: boolean; value?: Record<string, unknown>; error?: string });
  return messages.map((m, i) => {
    const d = decoded.find((x) => x.key === String(i))!;
    if (!d.ok) throw new Error(`fastavro cannot read a forward on ${triggerTopic} with the contract schema: ${d.error}`);
    return { seq: m.properties.seq as string, value: d.value!, schema: m.schema_version !== null ? schemas.get(m.schema_version as number) : undefined };
  });
}

async function heldRecords(filter: string[]): Promise<Array<Record<string, any>>> {
  const out = await ok(['quarantine', 'list', ...filter, '--output', 'json']);
  return (JSON.parse(out) as { records: Array<Record<string, any>> }).records;
}

beforeAll(async () => {
  ns = await createNamespace(ADMIN_URL);
  db = await createPostgresTestDatabase();
  const airflow = await airflowConnection();
  const common = { DATABASE_URL: db.url!, PULSAR_SERVICE_URL: SERVICE_URL, AIRFLOW_URL: airflow.url, AIRFLOW_USERNAME: airflow.username, AIRFLOW_PASSWORD: airflow.password };
  server = await startServerProcess({ ...common, DAGPACT_ADMIN_TOKEN: ADMIN, PULSAR_ADMIN_URL: ADMIN_URL, DAGPACT_TRIGGER_TOPIC_PATTERN: `persistent://${ns}/trigger-{dag_id}` }, { timeoutMs: 120_000 });
  for (const [subject, schema] of [['items-value', ITEM], ['items-aliased-value', ITEM_ALIASED], ['pairs-value', PAIR]] as const) {
    await ok(['schema', 'register', '--subject', subject, '--file', file(`${subject}.avsc`, JSON.stringify(schema))]);
  }
  await registerCheckDeploy(manifest({ dag: 'rename_etl', version: 'v1', topic: topic('renamed'), subject: 'items-value', trigger: topic('trigger-rename') }));
  await registerCheckDeploy(manifest({ dag: 'alias_etl', version: 'v1', topic: topic('renamed'), subject: 'items-aliased-value', trigger: topic('trigger-alias') }));
  await registerCheckDeploy(manifest({ dag: 'reorder_etl', version: 'v1', topic: topic('pairs'), subject: 'pairs-value', trigger: topic('trigger-reorder') }));
  await registerCheckDeploy(manifest({ dag: 'raw_etl', version: 'v1', topic: topic('raw'), subject: 'items-value', trigger: topic('trigger-raw') }));
  // Airflow runs some version of the fixture DAG; this contract names another one.
  await registerCheckDeploy(manifest({ dag: DAGS.orders, version: 'e2e-wrong', topic: topic('af-items'), subject: 'items-value', airflowVersion: 9999 }));

  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'gatekeeper'], {
    env: {
      ...process.env, ...common, DAGPACT_ENVIRONMENT: 'prod', DAGPACT_GATEKEEPER_PORT: String(port), DAGPACT_ROUTING_REFRESH_MS: '500',
      DAGPACT_AIRFLOW_REFRESH_MS: '1000', DAGPACT_LOG_LEVEL: 'warn',
      DAGPACT_QUARANTINE_TOPIC: topic('quarantine'), DAGPACT_DEAD_LETTER_TOPIC: topic('dead-letter'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  gatekeeper = { child, output: () => out };
  await waitFor(`dagpact gatekeeper subscribed to 4 topics\n${out}`, async () => {
    if (child.exitCode !== null) throw new Error(`dagpact gatekeeper exited with ${child.exitCode}:\n${out}`);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<{ topics?: string[] }>).catch(() => undefined);
    return (health?.topics?.length ?? 0) === 4 || undefined;
  }, 120_000, 250);

  await produce([
    { topic: topic('renamed'), mode: 'avro', schema: ITEM_RENAMED, messages: [1, 2, 3].map((i) => ({ value: { id: i, product: `P-${i}` }, properties: { seq: `renamed-${i}` } })) },
    { topic: topic('pairs'), mode: 'avro', schema: PAIR_REORDERED, messages: [1, 2].map((i) => ({ value: { second: `B${i}`, first: `A${i}`, note: null }, properties: { seq: `pair-${i}` } })) },
    // Avro bytes of the contract's own schema, but sent as BYTES: nothing says how they were written.
    { topic: topic('raw'), mode: 'bytes', messages: [{ payload_b64: b64(new Uint8Array([0x02, 0x02, 0x78])), properties: { seq: 'raw-1' } }] },
    { topic: topic('af-items'), mode: 'avro', schema: ITEM, messages: [{ value: { id: 42, sku: 'AF-42' }, properties: { seq: 'af-1' } }] },
  ]);
}, 600_000);

afterAll(async () => {
  gatekeeper?.child.kill('SIGTERM');
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('writer schemas from the broker, through the CLI', () => {
  it('rename without alias: held SCHEMA_MISMATCH; `quarantine show` names the writer, the contract and the finding', async () => {
    const held = await waitFor('renamed messages held for rename_etl', async () => {
      const records = await heldRecords(['--dag-id', 'rename_etl']);
      return records.length === 3 ? records : undefined;
    }, 120_000, 500);
    expect(held.every((r) => r.reason_code === 'SCHEMA_MISMATCH')).toBe(true);
    const shown = JSON.parse(await ok(['quarantine', 'show', String(held[0]!.id), '--output', 'json'])) as Record<string, any>;
    expect(JSON.parse(shown.writer.schema)).toEqual(ITEM_RENAMED);
    expect(shown.writer.pulsar_type).toBe('AVRO');
    expect(shown.writer.pulsar_schema_version).toBe('0');
    expect(JSON.parse(shown.expected.schema)).toEqual(ITEM);
    expect(shown.findings.some((f: { rule: string; path: string }) => /sku|fields\[1\]/.test(`${f.path} ${f.rule}`))).toBe(true);
    const text = await ok(['quarantine', 'show', String(held[0]!.id)]);
    expect(text).toContain('writer: schema');
    expect(text).toContain('findings:');
  });

  it('rename with alias: forwarded under the reader name', async () => {
    const got = await readTrigger(topic('trigger-alias'), ITEM_ALIASED, 3);
    expect(got.map((g) => g.value).sort((a, b) => Number(a.id) - Number(b.id))).toEqual([1, 2, 3].map((i) => ({ id: i, sku: `P-${i}` })));
    expect(JSON.parse(got[0]!.schema!)).toMatchObject({ name: 'shop.Item', fields: [{ name: 'id' }, { name: 'sku', aliases: ['product'] }] });
  });

  it('compatible reorder: forwarded with the right values, not swapped', async () => {
    const got = await readTrigger(topic('trigger-reorder'), PAIR, 2);
    expect(Object.fromEntries(got.map((g) => [g.seq, g.value]))).toEqual({ 'pair-1': { first: 'A1', second: 'B1' }, 'pair-2': { first: 'A2', second: 'B2' } });
    expect(await heldRecords(['--dag-id', 'reorder_etl'])).toEqual([]);
  });

  it('a bytes producer on an Avro binding: held UNKNOWN_SCHEMA with a reason that says how to identify the schema', async () => {
    const held = await waitFor('raw message held', async () => {
      const records = await heldRecords(['--dag-id', 'raw_etl']);
      return records.length === 1 ? records : undefined;
    }, 120_000, 500);
    expect(held[0]!.reason_code).toBe('UNKNOWN_SCHEMA');
    expect(held[0]!.reason).toContain('Pulsar Avro schema');
  });

  it('Airflow running another DAG version: held DAG_VERSION_MISMATCH, forwarded after deploying the matching contract and a replay', async () => {
    const held = await waitFor('Airflow message held', async () => {
      const records = await heldRecords(['--dag-id', DAGS.orders]);
      return records.length === 1 ? records : undefined;
    }, 120_000, 500);
    expect(held[0]!.reason_code).toBe('DAG_VERSION_MISMATCH');
    expect(held[0]!.reason).toContain('9999');
    const airflow = await airflowClient();
    const versions = await airflow.listDagVersions({ dagId: DAGS.orders });
    const running = Math.max(...versions.map((v) => v.version_number));
    expect(held[0]!.reason).toContain(`version ${running}`);
    const replayedTooEarly = await cli(['quarantine', 'replay', String(held[0]!.id), '--output', 'json']);
    expect(replayedTooEarly.code, replayedTooEarly.stdout + replayedTooEarly.stderr).toBe(1);

    await registerCheckDeploy(manifest({ dag: DAGS.orders, version: 'e2e-right', topic: topic('af-items'), subject: 'items-value', airflowVersion: running }));
    // The API server's replay decides again (what Airflow runs is read again after the deploy).
    const replayed = JSON.parse(await ok(['quarantine', 'replay', String(held[0]!.id), '--output', 'json'])) as Record<string, any>;
    expect(replayed.result.outcome).toBe('forwarded');
    const run = await airflow.getDagRun({ dagId: DAGS.orders, dagRunId: replayed.result.forwarded_message_id });
    expect(run?.conf).toMatchObject({ message: { id: 42, sku: 'AF-42' }, dagpact: { dag_version: 'e2e-right', airflow_version_number: running } });
  });
});
