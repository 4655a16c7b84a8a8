// What the registry's profiling benchmarks (registry-profile.ts, registry-perf.ts) stand up: `dagpact
// serve` from dist/ (embedded PGlite in `dir`, warn-level logs) with one Avro schema registered, and
// bench/constant-server.ts answering, for each named dagpact path, the very body dagpact answers there.
// Each process is started with the Node flags given for it (a profiler's, for instance). The constant
// server's start (startConstantServer) and the stop that waits for exit (stopChild) serve
// bench/registry.ts too.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/support/server-process.js';
import { waitFor } from '../test/support/wait-for.js';

export interface ServedPair {
  dagpact: ChildProcess;
  anchor: ChildProcess;
  /** Per name: the dagpact URL and the anchor's URL with the same body. */
  urls: Record<string, { dagpact: string; anchor: string }>;
  /** SIGTERM to both, resolved once both have exited (a profiler writes its output on exit). */
  stop(): Promise<void>;
}

/**
 * A constant server in its own process: bench/constant-server.ts (the anchor) or another script taking
 * the same arguments (bench/node-http-constant.ts), each body written to `dir` first, resolved once the
 * process says it listens. `url` is its base; a body is at `${url}/constant/${name}`.
 */
export async function startConstantServer(bodies: Record<string, string>, dir: string,
  options: { script?: string; flags?: string[] } = {}): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const args = Object.entries(bodies).map(([name, body]) => { const file = join(dir, `${name}.json`); writeFileSync(file, body); return `${name}=${file}`; });
  const child = spawn(process.execPath, [...(options.flags ?? []), '--import', 'tsx', options.script ?? 'bench/constant-server.ts', String(port), ...args],
    { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); });
    child.once('exit', (code) => reject(new Error(`${options.script ?? 'bench/constant-server.ts'} exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
}

/**
 * `schema` is registered as subject bench-value; `paths` maps names to dagpact paths, given the new
 * schema's id (e.g. `(id) => ({ byId: `/ccompat/schemas/ids/${id}` })`).
 */
export async function startServedPair(options: {
  dir: string; schema: object; paths: (id: number) => Record<string, string>;
  flags: { dagpact: string[]; anchor: string[] };
}): Promise<ServedPair> {
  const { dir, flags } = options;
  const node = (args: string[], env: Record<string, string> = {}) =>
    spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dagpact = node([...flags.dagpact, 'dist/src/cli/main.js', 'serve'],
    { DAGPACT_DATA_DIR: join(dir, 'data'), DAGPACT_LOG_LEVEL: 'warn', DAGPACT_HOST: '127.0.0.1', DAGPACT_PORT: String(port) });
  let anchor: ChildProcess | undefined;
  try {
    await waitFor('dagpact serve to answer /readyz', async () => (await fetch(`${base}/readyz`)).ok, { timeoutMs: 60_000, intervalMs: 200 });
    const reg = await fetch(`${base}/ccompat/subjects/bench-value/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: JSON.stringify(options.schema) }),
    });
    const { id } = (await reg.json()) as { id: number };
    const paths = Object.entries(options.paths(id));
    const bodies: Record<string, string> = {};
    for (const [name, path] of paths) bodies[name] = await (await fetch(`${base}${path}`)).text();
    const constant = await startConstantServer(bodies, dir, { flags: flags.anchor });
    const started = anchor = constant.child;
    const anchorBase = `${constant.url}/constant`;
    return {
      dagpact, anchor: started,
      urls: Object.fromEntries(paths.map(([name, path]) => [name, { dagpact: `${base}${path}`, anchor: `${anchorBase}/${name}` }])),
      stop: async () => { await stopChild(dagpact); await stopChild(started); },
    };
  } catch (error) {
    await stopChild(dagpact);
    if (anchor) await stopChild(anchor);
    throw error;
  }
}
