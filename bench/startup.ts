// Benchmark: how long `dagpact serve` takes from spawn to its first 200 from /healthz, on the
// embedded default (PGlite), with a data directory already initialised and with a fresh one; against
// a reference started the same way in the same script: a bare Fastify hello-world process
// (bench/hello-server.ts, compiled to .tmp/ with the project's esbuild so it starts from JavaScript
// as dagpact starts from dist/). Medians of BENCH_RUNS runs each, in alternating order.
//
//   npm run build && npx tsx bench/startup.ts
//
// Env: BENCH_RUNS (default 7), BENCH_COMMAND (default `node scripts/start.mjs serve`, what `npm start`
// runs; `npm` itself adds its own start-up on top, reported once as "npm start"), BENCH_COMPARE (another
// command measured the same way in the same rounds, e.g. an older build: `node ../old/dist/src/cli/main.js serve`).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { freePort } from '../test/support/server-process.js';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const root = join(import.meta.dirname, '..');

/** Ms from spawn to the first 200 from /readyz, per command run by timeToHealthy (the hello-world has none). */
const readyTimes = new Map<string, number[]>();

/**
 * Spawns `argv` and polls GET /healthz every 10 ms; resolves with the ms from spawn to the first 200.
 * With `ready` it then polls /readyz until 200 and records that time under `ready`.
 */
async function timeToHealthy(argv: string[], env: Record<string, string>, port: number, ready?: string): Promise<number> {
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${child.exitCode}: ${err}`);
      if (performance.now() - started > 60_000) throw new Error(`${argv.join(' ')}: no healthy answer in 60 s: ${err}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
      if (ok) {
        const healthy = performance.now() - started;
        if (ready) {
          while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false))) {
            if (performance.now() - started > 60_000) throw new Error(`${argv.join(' ')}: not ready in 60 s: ${err}`);
            await new Promise((r) => setTimeout(r, 10));
          }
          readyTimes.set(ready, [...(readyTimes.get(ready) ?? []), performance.now() - started]);
        }
        return healthy;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    // Its own process group: `npm start` runs node under npm and sh, and the whole group stops.
    if (child.exitCode === null) { process.kill(-child.pid!, 'SIGTERM'); await exited; }
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

const work = mkdtempSync(join(tmpdir(), 'dagpact-startup-'));
try {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const hello = join(root, '.tmp', 'bench-hello-server.mjs');
  buildSync({ entryPoints: [join(root, 'bench', 'hello-server.ts')], outfile: hello, platform: 'node', format: 'esm', packages: 'external' });
  const command = (process.env.BENCH_COMMAND ?? 'node scripts/start.mjs serve').split(' ');
  const initialised = join(work, 'initialised');
  const serverEnv = (port: number, dataDir: string) => ({ DAGPACT_PORT: String(port), DAGPACT_HOST: '127.0.0.1', DAGPACT_DATA_DIR: dataDir, DAGPACT_LOG_LEVEL: 'warn' });
  // The first start initialises and migrates `initialised`; later ones find it ready.
  const first = await freePort();
  await timeToHealthy(command, serverEnv(first, initialised), first);
  const compare = process.env.BENCH_COMPARE?.split(' ');
  const compared = join(work, 'compared');
  if (compare) { const p = await freePort(); await timeToHealthy(compare, serverEnv(p, compared), p); }
  const times = { hello: [] as number[], initialised: [] as number[], fresh: [] as number[], compareInitialised: [] as number[], compareFresh: [] as number[] };
  for (let i = 0; i < runs; i += 1) {
    let port = await freePort();
    times.hello.push(await timeToHealthy(['node', hello, String(port)], {}, port));
    port = await freePort();
    times.initialised.push(await timeToHealthy(command, serverEnv(port, initialised), port, 'initialised'));
    port = await freePort();
    const fresh = join(work, `fresh-${i}`);
    times.fresh.push(await timeToHealthy(command, serverEnv(port, fresh), port, 'fresh'));
    rmSync(fresh, { recursive: true, force: true });
    if (compare) {
      port = await freePort();
      times.compareInitialised.push(await timeToHealthy(compare, serverEnv(port, compared), port, 'compareInitialised'));
      port = await freePort();
      times.compareFresh.push(await timeToHealthy(compare, serverEnv(port, fresh), port, 'compareFresh'));
      rmSync(fresh, { recursive: true, force: true });
    }
  }
  const port = await freePort();
  const npmStart = await timeToHealthy(['npm', 'start', '--silent'], serverEnv(port, initialised), port);
  const ref = median(times.hello);
  const row = (name: string, xs: number[]) => `${name.padEnd(60)} ${median(xs).toFixed(0).padStart(6)} ms  ${(median(xs) / ref).toFixed(1).padStart(5)}×  [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
  console.log(`spawn → first 200 from /healthz, median of ${runs} (× = ratio to the bare Fastify hello-world)`);
  console.log(row('bare Fastify hello-world', times.hello));
  console.log(row(`${command.join(' ')}, initialised dir`, times.initialised));
  console.log(row(`${command.join(' ')}, fresh dir`, times.fresh));
  if (compare) {
    console.log(row(`${compare.join(' ')}, initialised dir`, times.compareInitialised));
    console.log(row(`${compare.join(' ')}, fresh dir`, times.compareFresh));
  }
  console.log('spawn → first 200 from /readyz (database open and migrated), same runs');
  for (const [key, xs] of readyTimes) console.log(row(key, xs));
  console.log(`${'npm start, initialised dir (1 run)'.padEnd(60)} ${npmStart.toFixed(0).padStart(6)} ms  ${(npmStart / ref).toFixed(1).padStart(5)}×`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
