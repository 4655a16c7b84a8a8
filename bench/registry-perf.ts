// Where a read's CPU goes, kernel included: `dagpact serve` (from dist/, embedded PGlite, warn-level
// logs) and bench/constant-server.ts with the same bodies, each sampled by Linux `perf` (cpu-clock,
// call stacks, the server's main thread only) while autocannon loads it. Two pairs:
//  - `GET /ccompat/schemas/ids/{id}` against the constant with its body;
//  - `GET /healthz` against the constant with its body: the per-request pipeline with nothing read.
// Per pair: the main thread's CPU per request answered, split into the kernel's share and user space's
// (Node, V8's builtins, JIT-compiled JavaScript, libc), and the functions dagpact spends most more on.
// V8's own profiler (bench/registry-profile.ts) does not see the kernel's work, nor when it is not
// attributed to a JavaScript frame; this does.
//
//   npm run build && npx tsx bench/registry-perf.ts   (needs Linux perf, Debian's linux-perf, and the
//                                                       right to use it: root, or perf_event_paranoid <= 1)
//
// Env: BENCH_SECONDS (default 8) sampled per server after 3 s of warm-up, BENCH_CONNECTIONS (default 64),
// BENCH_TOP (default 12): how many functions to list per pair, largest difference first.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { startServedPair, type ServedPair } from './served-pair.js';

const run = promisify(execFile);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const top = Number(process.env.BENCH_TOP ?? 12);
const FREQUENCY = 4000; // samples per second of CPU: one sample stands for 250 µs

/** One sampled load: requests answered, and the stacks of the samples, leaf first. */
interface Sampled { requests: number; rate: number; stacks: string[][] }

/** Loads `url` for `seconds` while perf samples thread `tid`; returns the stacks and requests answered. */
async function sample(url: string, tid: number, dir: string, name: string): Promise<Sampled> {
  await autocannon({ url, connections, duration: 3 });
  const data = join(dir, `${name}.perf`);
  const perf = run('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(FREQUENCY), '-g', '-t', String(tid), '-o', data, '--', 'sleep', String(seconds)]);
  const load = await autocannon({ url, connections, duration: seconds });
  await perf;
  const { stdout } = await run('perf', ['script', '-i', data, '-F', 'ip,sym,dso'], { maxBuffer: 1 << 30 });
  const stacks: string[][] = [];
  for (const block of stdout.split('\n\n')) {
    // "ffffffff82203249 _raw_spin_unlock_irqrestore ([kernel.kallsyms])": the kernel's frames get a mark.
    const frames = block.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const frame = l.replace(/^[0-9a-f]+ /, '').replace(/ \(([^()]*)\)$/, (_, dso: string) => (dso === '[kernel.kallsyms]' ? KERNEL_MARK : ''));
      return frame.replace(/file:\/\/.*?\/(dist|bench)\//, '$1/').replace(/\/\S*?node_modules\//, '');
    });
    if (frames.length > 0) stacks.push(frames);
  }
  return { requests: load.requests.total, rate: load.requests.average, stacks };
}

const KERNEL_MARK = ' [kernel]';
const isKernel = (frame: string) => frame.endsWith(KERNEL_MARK);

/** µs per request by leaf function. */
function perRequest(s: Sampled): Map<string, number> {
  const out = new Map<string, number>();
  const unit = 1e6 / FREQUENCY / s.requests;
  for (const stack of s.stacks) out.set(stack[0]!, (out.get(stack[0]!) ?? 0) + unit);
  return out;
}

/** The caller that explains a leaf: the first JavaScript frame for V8's builtins, three frames for the kernel. */
function callerOf(stack: string[]): string {
  if (isKernel(stack[0]!)) return stack.slice(1, 4).join(' < ');
  return stack.slice(1).find((f) => f.startsWith('JS:')) ?? stack[1] ?? '';
}

async function main() {
  await run('perf', ['--version']).catch(() => { throw new Error('this benchmark needs Linux perf (Debian package linux-perf)'); });
  const dir = mkdtempSync(join(tmpdir(), 'dagpact-registry-perf-'));
  let pair: ServedPair | undefined;
  try {
    pair = await startServedPair({
      dir, flags: { dagpact: ['--perf-basic-prof'], anchor: ['--perf-basic-prof'] },
      schema: { type: 'record', name: 'Wide', namespace: 'bench', fields: Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, type: i % 2 ? 'string' : 'long' })) },
      paths: (id) => ({ byId: `/ccompat/schemas/ids/${id}`, health: '/healthz' }),
    });
    for (const [name, urls] of Object.entries(pair.urls)) {
      const d = await sample(urls.dagpact, pair.dagpact.pid!, dir, `dagpact-${name}`);
      const a = await sample(urls.anchor, pair.anchor.pid!, dir, `anchor-${name}`);
      const dl = perRequest(d);
      const al = perRequest(a);
      const sum = (m: Map<string, number>, kernel?: boolean) => [...m].filter(([k]) => kernel === undefined || isKernel(k) === kernel).reduce((s, [, v]) => s + v, 0);
      console.log(`\n${name === 'byId' ? `GET ${new URL(urls.dagpact).pathname}` : 'GET /healthz (the pipeline, nothing read)'} against its constant anchor: `
        + `${d.rate.toFixed(0)} against ${a.rate.toFixed(0)} req/s (${(d.rate / a.rate).toFixed(2)}x) under perf, ${seconds} s each`);
      console.log('| main thread, µs per request | dagpact | anchor | difference |');
      console.log('|---|---:|---:|---:|');
      for (const [label, kernel] of [['kernel', true], ['user space', false], ['total', undefined]] as const) {
        console.log(`| ${label} | ${sum(dl, kernel).toFixed(2)} | ${sum(al, kernel).toFixed(2)} | ${(sum(dl, kernel) - sum(al, kernel)) >= 0 ? '+' : ''}${(sum(dl, kernel) - sum(al, kernel)).toFixed(2)} |`);
      }
      console.log(`\nThe ${top} functions dagpact spends most more on (self time, µs per request), with where dagpact's samples of them come from:`);
      console.log('| function | dagpact | anchor | difference | dagpact\'s main caller |');
      console.log('|---|---:|---:|---:|---|');
      const diffs = [...new Set([...dl.keys(), ...al.keys()])].map((k) => ({ k, d: dl.get(k) ?? 0, a: al.get(k) ?? 0 }))
        .sort((x, y) => (y.d - y.a) - (x.d - x.a)).slice(0, top);
      for (const { k, d: dv, a: av } of diffs) {
        const callers = new Map<string, number>();
        for (const stack of d.stacks) if (stack[0] === k) callers.set(callerOf(stack), (callers.get(callerOf(stack)) ?? 0) + 1);
        const [main, n] = [...callers].sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
        const share = callers.size ? ` (${Math.round((100 * n) / [...callers.values()].reduce((s, v) => s + v, 0))}%)` : '';
        console.log(`| ${k.slice(0, 90)} | ${dv.toFixed(3)} | ${av.toFixed(3)} | +${(dv - av).toFixed(3)} | ${main.slice(0, 110)}${share} |`);
      }
    }
  } finally {
    await pair?.stop();
    rmSync(dir, { recursive: true, force: true });
    // --perf-basic-prof's symbol maps, one per process.
    for (const child of pair ? [pair.dagpact, pair.anchor] : []) rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
}

await main();
