// Runs the built `dagpact` CLI (dist/) as a user does, with the server URL and token in the environment;
// resolves with its exit code and output, whatever the code.
import { spawn } from 'node:child_process';

export interface CliRun { code: number | null; stdout: string; stderr: string }

export function runBuiltCli(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
