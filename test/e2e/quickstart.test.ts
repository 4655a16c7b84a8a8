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
