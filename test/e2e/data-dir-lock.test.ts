// The embedded database serves one process: a second `dagpact` on the same data directory is refused
// with a message naming the holder's pid and pointing at DATABASE_URL; a lock left by a dead process
// is taken over. Drives the built CLI as a subprocess.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockPathOf } from '../../src/store/data-dir-lock.js';
import { openDatabase } from '../../src/store/db.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'dagpact-lock-')); dirs.push(d); return join(d, 'db'); };

function migrate(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/src/cli/main.js', 'migrate', '--data-dir', dataDir], {
      env: { ...process.env, DATABASE_URL: '', DAGPACT_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('the embedded database lock', () => {
  it('a second process is refused, naming the holder and DATABASE_URL; it works again once the holder closes', async () => {
    const dir = tempDir();
    const holder = await openDatabase({ dataDir: dir });
    try {
      expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid).toBe(process.pid);
      const second = await migrate(dir);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`in use by process ${process.pid}`);
      expect(second.stderr).toContain('DATABASE_URL');
      expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await holder.close();
    }
    expect(existsSync(lockPathOf(dir))).toBe(false);
    const after = await migrate(dir);
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
  });

  it('a lock left by a dead process is taken over', async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(Number.isSafeInteger(deadPid)).toBe(true);
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: deadPid, command: 'a crashed dagpact' }));
    const run = await migrate(dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(existsSync(lockPathOf(dir))).toBe(false);
  });
});
