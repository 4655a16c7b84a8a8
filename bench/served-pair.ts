// What the registry's profiling benchmarks (registry-profile.ts, registry-perf.ts) stand up: `dagpact
// serve` from dist/ (embedded PGlite in `dir`, warn-level logs) with one Avro schema registered, and
// bench/constant-server.ts answering, for each named dagpact path, the very body dagpact answers there.
// Each process is started with the Node flags given for it (a profiler's, for instance).
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

async function stopChild(child: ChildProcess): Promise<void> {
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
    const bodies: string[] = [];
    for (const [name, path] of paths) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, await (await fetch(`${base}${path}`)).text());
      bodies.push(`${name}=${file}`);
    }
    const anchorPort = await freePort();
    const anchorBase = `http://127.0.0.1:${anchorPort}/constant`;
    anchor = node([...flags.anchor, '--import', 'tsx', 'bench/constant-server.ts', String(anchorPort), ...bodies]);
    await waitFor('the constant server to answer', async () => (await fetch(`${anchorBase}/${paths[0]![0]}`)).ok, { timeoutMs: 30_000, intervalMs: 200 });
    const started = anchor;
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
