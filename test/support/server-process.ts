// Starts the built `dagpact serve` as a child process, the way a user or CI does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './wait-for.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(env: Record<string, string | undefined>, options: { timeoutMs?: number; port?: number } = {}): Promise<ServerProcess> {
  // A caller that must know the URL before the server starts (an OpenID provider's redirect URI) picks the port.
  const port = options.port ?? await freePort();
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], {
    env: { ...process.env, DAGPACT_HOST: '127.0.0.1', DAGPACT_PORT: String(port), DAGPACT_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const state = await waitFor('dagpact serve to answer /healthz', async () => {
    if (child.exitCode !== null) return 'exited';
    return (await fetch(`${url}/healthz`)).ok && 'up';
  }, { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 200 }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}:\n${out}`);
  });
  if (state === 'exited') throw new Error(`dagpact serve exited with ${child.exitCode}:\n${out}`);
  return {
    url, child, output: () => out,
    stop: (signal = 'SIGTERM') => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(child.exitCode); return; }
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    }),
  };
}
