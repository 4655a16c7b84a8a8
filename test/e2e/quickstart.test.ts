// The README's quick start, run exactly as written: the commands between the quickstart markers of
// README.md, one by one through bash, against the built server started as `npm start` starts it (no
// DATABASE_URL: the embedded database, no token). Each must exit with the code its `# exit N`
// comment names (0 when there is none).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const readme = readFileSync('README.md', 'utf8');
const block = /<!-- quickstart:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme)?.[1] ?? '';
const steps = block.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'))
  .map((line) => ({ line, exit: Number(/#\s*exit (\d)/.exec(line)?.[1] ?? 0) }));

const dataDir = mkdtempSync(join(tmpdir(), 'dagpact-quickstart-'));
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({
    DATABASE_URL: '', DAGPACT_DATA_DIR: join(dataDir, 'db'), DAGPACT_ADMIN_TOKEN: '', DAGPACT_LOG_LEVEL: 'warn',
  }, { timeoutMs: 240_000 });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const CLI = 'node dist/src/cli/main.js';
const PULSAR_ADMIN_URL = process.env.TEST_PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';

function bash(line: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, DAGPACT_URL: server.url };
    delete env.DAGPACT_TOKEN;
    delete env.DAGPACT_FORMAT;
    const child = spawn('bash', ['-c', line], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('README quick start', () => {
  it('has a walkthrough with a refused breaking change', () => {
    expect(steps.length).toBeGreaterThan(10);
    expect(steps.filter((s) => s.exit === 1).length).toBeGreaterThanOrEqual(2);
  });

  it('every command exits as the README says', async () => {
    const outputs: string[] = [];
    for (const step of steps) {
      const { code, out } = await bash(step.line);
      outputs.push(`$ ${step.line}\n${out}`);
      expect(code, outputs.join('\n')).toBe(step.exit);
    }
    const all = outputs.join('\n');
    expect(all).toContain('FAILED');
    expect(all).toContain('already active');
    expect(all).toContain('did you mean "staging"');
    expect(all).toMatch(/ingest_orders@2\.0\.1[\s\S]*produces persistent:\/\/public\/default\/orders {2}orders-value v2/);
  });
});

describe('init and diff, after the walkthrough', () => {
  it('init writes a skeleton from a registered subject that lints clean', async () => {
    const file = join(dataDir, 'from-subject.yaml');
    const init = await bash(`${CLI} init --dag-id audit_orders --topic orders --subject orders-value > ${file}`);
    expect(init.code, init.out).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('subject: orders-value');
    expect(text).toContain('version: 2');
    expect((await bash(`${CLI} lint ${file}`)).code).toBe(0);
  });

  it('init writes a skeleton from a topic\'s schema on Pulsar', async () => {
    const topic = `init-${Date.now()}`;
    const schema = JSON.stringify({ type: 'record', name: 'Probe', fields: [{ name: 'a', type: 'string' }] });
    const res = await fetch(`${PULSAR_ADMIN_URL}/admin/v2/schemas/public/default/${topic}/schema`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'AVRO', schema, properties: {} }),
    });
    expect(res.status).toBeLessThan(300);
    const init = await bash(`${CLI} init --dag-id probe --topic persistent://public/default/${topic} --from-pulsar --pulsar-admin-url ${PULSAR_ADMIN_URL}`);
    expect(init.code, init.out).toBe(0);
    expect(init.out).toContain('name: Probe');
  });

  it('a JSON Schema file registered without --type is refused with a --type JSON hint', async () => {
    const run = await bash(`${CLI} schema register --subject customers-value --file examples/quickstart/schemas/customer.schema.json`);
    expect(run.code).toBe(2);
    expect(run.out).toContain('looks like a JSON Schema: add --type JSON');
    expect((await bash(`${CLI} schema register --subject customers-value --file examples/quickstart/schemas/customer.schema.json --type JSON`)).code).toBe(0);
  });

  it('diff of two subject versions and of two manifests exits 1 when they differ', async () => {
    const versions = await bash(`${CLI} diff --subject orders-value --from 1 --to 2`);
    expect(versions.out).toMatch(/orders-value v1 → v2/);
    expect(versions.out).toContain('note');
    const manifests = await bash(`${CLI} diff examples/quickstart/orders-producer.yaml examples/quickstart/fixed/orders-producer.yaml`);
    expect(manifests.code).toBe(1);
    expect(manifests.out).toContain('(1 difference)');
    expect((await bash(`${CLI} diff examples/quickstart/orders-producer.yaml examples/quickstart/orders-producer.yaml`)).code).toBe(0);
  });
});
