// Shared helpers of the Pulsar client's integration tests: the broker under test, the Python peer,
// the admin REST API, and private broker instances for tests that restart a broker or need auth.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Message, Producer } from '../../../src/pulsar/index.js';
import { packageRoot } from '../../../src/support/package-root.js';

export const root = packageRoot();

export function serviceUrl(): string {
  const url = process.env.TEST_PULSAR_SERVICE_URL;
  if (!url) throw new Error('TEST_PULSAR_SERVICE_URL is not set (scripts/test.sh or the harness print it)');
  return url;
}

export function adminUrl(): string {
  const url = process.env.TEST_PULSAR_ADMIN_URL;
  if (!url) throw new Error('TEST_PULSAR_ADMIN_URL is not set');
  return url;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000): Promise<{ stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} ${args.join(' ')} timed out\n${stderr.slice(-2000)}`)); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ stdout, stderr, code, signal }); });
  });
}

/** Runs test/python/pulsar_interop.py with a JSON plan; returns the JSON lines it printed. */
export async function python(command: 'produce' | 'consume' | 'produce-chunked', plan: unknown): Promise<unknown[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagpact-pulsar-'));
  const planFile = path.join(dir, 'plan.json');
  writeFileSync(planFile, JSON.stringify(plan));
  const { stdout, stderr, code, signal } = await run(path.join(root, '.venv/bin/python'), [path.join(root, 'test/python/pulsar_interop.py'), command, planFile]);
  if (code !== 0) throw new Error(`pulsar_interop.py ${command} exited ${code ?? signal}:\n${stderr.slice(-3000)}\n${stdout.slice(-1000)}`);
  return stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as unknown);
}

export async function admin(method: string, pathname: string, body?: unknown, base = adminUrl(), token?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${base}${pathname}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

export interface OwnBroker {
  serviceUrl: string;
  adminUrl: string;
  adminToken?: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private broker instance with the repo's harness (unique name and ports); stop() when done.
 * `extraConf` (PULSAR_EXTRA_CONF) adds broker settings: `key=value` lines separated by newlines or `;`.
 */
export async function startOwnBroker(args: { name: string; brokerPort: number; webPort: number; bkPort: number; auth?: 'token'; extraConf?: string }): Promise<OwnBroker> {
  const env = {
    PULSAR_NAME: args.name, PULSAR_BROKER_PORT: String(args.brokerPort), PULSAR_WEB_PORT: String(args.webPort),
    PULSAR_BK_PORT: String(args.bkPort), PULSAR_HEAP: '512m', PULSAR_WIPE: '1', ...(args.auth ? { PULSAR_AUTH: args.auth } : {}),
    PULSAR_EXTRA_CONF: args.extraConf ?? '',
  };
  const harness = path.join(root, 'scripts/pulsar/harness.sh');
  const call = async (action: string, extra: NodeJS.ProcessEnv = {}) => {
    const r = await run('bash', [harness, action], { ...env, ...extra });
    if (r.code !== 0) throw new Error(`harness ${action} (${args.name}) failed:\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  };
  const out = await call('start');
  const token = /PULSAR_ADMIN_TOKEN=(\S+)/.exec(out)?.[1];
  return {
    serviceUrl: `pulsar://127.0.0.1:${args.brokerPort}`,
    adminUrl: `http://127.0.0.1:${args.webPort}`,
    adminToken: token,
    restart: async () => { await call('restart', { PULSAR_WIPE: '' }); },
    stop: async () => { await call('stop'); },
  };
}

/** Receives up to n messages, stopping at the first wait longer than timeoutMs. */
export async function receiveAll(consumer: { receive(t?: number): Promise<Message | undefined> }, n: number, timeoutMs = 10_000): Promise<Message[]> {
  const out: Message[] = [];
  while (out.length < n) {
    const m = await consumer.receive(timeoutMs);
    if (!m) break;
    out.push(m);
  }
  return out;
}

/**
 * Makes a producer write `garbage` as the payload of LZ4-compressed entries: what a buggy producer would
 * store (the broker does not look inside payloads). Reaches into the producer's partitions on purpose.
 */
export function corruptCompression(producer: Producer, garbage: Buffer): void {
  const parts = (producer as unknown as { parts: Array<{ compressInto: (m: { compression?: number; uncompressedSize?: number }, p: Buffer) => Buffer }> }).parts;
  for (const part of parts) {
    part.compressInto = (metadata, payload) => {
      metadata.compression = 1; // LZ4
      metadata.uncompressedSize = payload.length;
      return garbage;
    };
  }
}
