// The `dagpact` CLI the way CI runs it: the built server as a subprocess (real Postgres, real Pulsar
// admin API), the built CLI as another, judged only by exit codes and output. JUnit XML is parsed by
// Python's standard-library XML parser, which no one here wrote.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuiltCli, type CliRun } from '../support/cli-process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePulsarAdmin } from '../../src/pulsar-admin/admin-client.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN = 'e2e-cli-admin-token-0123456789';
const PULSAR_ADMIN_URL = process.env.TEST_PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const NS = `public/cli-${randomBytes(4).toString('hex')}`;
const T = `persistent://${NS}/orders`;
const dir = mkdtempSync(join(tmpdir(), 'dagpact-cli-'));

let db: TestDatabase;
let server: ServerProcess;

type Run = CliRun;

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return runBuiltCli(args, { DAGPACT_URL: server.url, DAGPACT_TOKEN: ADMIN, ...env });
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function junitCounts(xml: string): { tests: number; failures: number; cases: number; failed: string[] } {
  const script = 'import sys, json, xml.etree.ElementTree as ET\nr = ET.fromstring(sys.stdin.read())\ns = r.find("testsuite")\n' +
    'print(json.dumps({"tests": int(s.get("tests")), "failures": int(s.get("failures")), "cases": len(s.findall("testcase")),' +
    ' "failed": [c.get("name") for c in s.findall("testcase") if c.find("failure") is not None]}))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: xml }).toString()) as never;
}

const order = (fields: object[]) => ({ type: 'record', name: 'Order', namespace: 'shop', fields });
const ID = { name: 'id', type: 'string' };
const AMOUNT = { name: 'amount', type: 'double' };
const yamlManifest = (dag: string, version: string, body: string) => `dag_id: ${dag}\nversion: "${version}"\n${body}`;
const produces = (schema: object) => `produces:\n  - topic: ${T}\n    subject: orders-value\n    schemaType: AVRO\n    schema: '${JSON.stringify(schema)}'\n`;

beforeAll(async () => {
  const pulsar = makePulsarAdmin({ url: PULSAR_ADMIN_URL });
  await pulsar.createNamespace(NS);
  await pulsar.setSchemaCompatibilityStrategy(NS, 'BACKWARD');
  db = await createPostgresTestDatabase();
  server = await startServerProcess({ DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, PULSAR_ADMIN_URL, DAGPACT_LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dagpact CLI against a running server', () => {
  const consumer = () => file('bill.yaml', yamlManifest('bill_orders', '1', `consumes:\n  - topic: ${T}\n    subject: orders-value\n    version: 1\n`));
  const goodProducer = () => file('ingest-2.yaml', yamlManifest('ingest_orders', '2', produces(order([ID, AMOUNT, { name: 'note', type: ['null', 'string'], default: null }]))));
  const badProducer = () => file('ingest-3.yaml', yamlManifest('ingest_orders', '3', produces(order([ID]))));

  it('schema register / check: 0 when compatible, 1 when not', async () => {
    const reg = await cli(['schema', 'register', '--subject', 'orders-value', '--file', file('o1.avsc', order([ID, AMOUNT]))]);
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    expect(reg.stdout).toMatch(/registered: orders-value v1/);
    const ok = await cli(['schema', 'check', '--subject', 'orders-value', '--file', file('o1b.avsc', order([ID, AMOUNT, { name: 'x', type: 'int', default: 0 }]))]);
    expect(ok.code).toBe(0);
    const bad = await cli(['schema', 'check', '--subject', 'orders-value', '--file', file('bad.avsc', order([ID, AMOUNT, { name: 'x', type: 'int' }])), '--format', 'junit']);
    expect(bad.code).toBe(1);
    expect(junitCounts(bad.stdout)).toMatchObject({ tests: 1, failures: 1 });
  });

  it('register, check and deploy a consumer: deploy before a check exits 1, after a passing check 0', async () => {
    const manifest = consumer();
    const reg = await cli(['register', manifest]);
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    expect(reg.stdout).toMatch(/registered: bill_orders@1/);
    const early = await cli(['deploy', manifest, '--env', 'prod']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/CHECK_REQUIRED/);
    const check = await cli(['check', manifest, '--env', 'prod']);
    expect(check, check.stderr).toMatchObject({ code: 0 });
    expect(check.stdout).toMatch(/PASSED/);
    const dep = await cli(['deploy', manifest, '--env', 'prod']);
    expect(dep, dep.stderr).toMatchObject({ code: 0 });
    expect(dep.stdout).toMatch(new RegExp(`deployed bill_orders@1 to prod.*\\n.*namespace ${NS}: compatibility BACKWARD`));
  });

  it('check of a compatible producer change exits 0 with JUnit counting no failure', async () => {
    const json = await cli(['check', goodProducer(), '--env', 'prod', '--format', 'json']);
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout) as { passed: boolean; checks: unknown[] };
    expect(answer.passed).toBe(true);
    const junit = await cli(['check', goodProducer(), '--env', 'prod', '--format', 'junit']);
    expect(junit.code).toBe(0);
    expect(junitCounts(junit.stdout)).toEqual({ tests: answer.checks.length, failures: 0, cases: answer.checks.length, failed: [] });
  });

  it('check of an incompatible producer change exits 1; JUnit has one failure, for the active consumer; GitHub annotations name the file', async () => {
    const manifest = badProducer();
    const json = await cli(['check', manifest, '--env', 'prod', '--format', 'json']);
    expect(json.code).toBe(1);
    const answer = JSON.parse(json.stdout) as { passed: boolean; checks: Array<{ status: string; name: string }> };
    expect(answer.passed).toBe(false);

    const junit = await cli(['check', manifest, '--env', 'prod', '--format', 'junit']);
    expect(junit.code).toBe(1);
    const counts = junitCounts(junit.stdout);
    expect(counts).toMatchObject({ tests: answer.checks.length, cases: answer.checks.length, failures: 1 });
    expect(counts.failed).toEqual([`${T}: active consumers in prod vs writer`]);

    const gh = await cli(['check', manifest, '--env', 'prod', '--format', 'github']);
    expect(gh.code).toBe(1);
    const errors = gh.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^::error file=${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},line=\\d+,title=READER_FIELD_MISSING_DEFAULT_VALUE on persistent%3A//${NS}/orders::.*bill_orders@1.*amount`));

    const md = await cli(['check', manifest, '--env', 'prod', '--format', 'markdown']);
    expect(md.stdout).toMatch(/^### ❌/);
    const text = await cli(['check', manifest, '--env', 'prod']);
    expect(text.stdout).toMatch(/FAILED/);
    expect(text.stdout).toMatch(/FAIL .*active consumers in prod vs writer/);
  });

  it('forcing a deploy needs a reason (usage error 2) and then works', async () => {
    const manifest = badProducer();
    expect((await cli(['register', manifest])).code).toBe(0);
    const noReason = await cli(['deploy', manifest, '--env', 'prod', '--force']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--force needs --reason/);
    const forced = await cli(['deploy', manifest, '--env', 'prod', '--force', '--reason', 'ship it']);
    expect(forced, forced.stderr).toMatchObject({ code: 0 });
    expect(forced.stdout).toMatch(/FORCED/);
  });

  it('exits 2 with one clear line when the server is unreachable', async () => {
    const port = await freePort();
    const res = await cli(['check', consumer(), '--env', 'prod', '--server', `http://127.0.0.1:${port}`]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(new RegExp(`cannot reach the dagpact server at http://127.0.0.1:${port} \\(ECONNREFUSED\\)`));
  });

  it('exits 2 on usage errors and on a manifest the server refuses as malformed', async () => {
    expect((await cli(['check'])).code).toBe(2);
    const noEnv = await cli(['check', consumer()]);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/--env ENV is required/);
    const missing = await cli(['check', join(dir, 'nope.yaml'), '--env', 'prod']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ENOENT/);
    const badFormat = await cli(['check', consumer(), '--env', 'prod', '--format', 'xml']);
    expect(badFormat.code).toBe(2);
    const malformed = await cli(['check', file('bad.yaml', 'dag_id: x\nversion: "1"\nconsumes:\n  - subject: s\n    version: 1\n'), '--env', 'prod']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/INVALID_MANIFEST.*\$\.consumes\[0\]\.topic is required/);
  });
});
