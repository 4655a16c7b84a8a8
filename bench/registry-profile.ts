// Where a registry read's CPU goes, beside its anchor: `dagpact serve` (from dist/, embedded PGlite,
// warn-level logs) and bench/constant-server.ts, each under V8's sampling profiler (--cpu-prof), loaded
// by autocannon with the same connections on `GET /ccompat/schemas/ids/{id}` and on the constant with
// the same body. Self time is summed per function, leaving out start-up's samples (module loading,
// PGlite), and grouped. Both servers answer with one `writev` per response, so each server's time is
// given in units of its own time in `writev`: a ratio within one profile, comparable across the two.
//
//   npm run build && npx tsx bench/registry-profile.ts
//
// Env: BENCH_SECONDS (default 10) of load per server after 3 s of warm-up, BENCH_CONNECTIONS (default 64),
// BENCH_TOP (default 15): how many functions of "everything else" to list, largest difference first.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startServedPair, type ServedPair } from './served-pair.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const top = Number(process.env.BENCH_TOP ?? 15);

interface CallFrame { functionName: string; url: string }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Samples whose stack holds one of these are start-up's, not a request's. */
const STARTUP = ['pglite', 'Module._load', 'module_job', 'wasm', 'compileSourceTextModule', 'loader:', '/tsx/'];

/** The groups of the table, first match wins; a function in none is "everything else". */
const GROUPS: Array<[string, (key: string) => boolean]> = [
  ['the socket write itself (`writev`)', (k) => k === 'writev '],
  ['Node: response headers (validating and formatting each header)', (k) =>
    ['checkInvalidHeaderChar', '_storeHeader', 'RegExp', 'checkIsHttpToken', 'processHeader', 'matchHeader', 'writeHead', 'setHeader', 'Reply.header', 'safeWriteHead'].some((x) => k.includes(x))],
  ['Node: the stream and socket write path', (k) =>
    ['writevGeneric', 'clearBuffer', 'createWriteWrap', 'writeOrBuffer', '_write ', 'onwrite', 'uncork', 'doWrite', 'write_', 'end node:_http_outgoing', '_send', '_writeRaw', 'afterWrite', 'Socket._writ'].some((x) => k.includes(x))],
  ["Fastify's hooks and validation", (k) => ['hooks.js', 'validation.js', 'validate1', 'lazy-schema', 'handle-request'].some((x) => k.includes(x))],
  ["dagpact's own code", (k) => k.includes('dist/src/')],
  ['the request logger', (k) => k.includes('logger') || k.includes('pino')],
  ['garbage collection', (k) => k.startsWith('(garbage')],
  ['native code outside JavaScript (`(program)`)', (k) => k.startsWith('(program)')],
];

/** Self time (µs) per function ("name url"), start-up's samples and idle time left out. */
function selfTimes(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(dist|bench|node_modules)\//, '$1/').replace(/^node_modules\//, '');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}`;
  };
  const perNode = new Map<number, number>();
  profile.samples.forEach((id, i) => perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  for (const [id, time] of perNode) {
    const stack: string[] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) stack.push(key(byId.get(x)!));
    if (stack[0]!.startsWith('(idle)') || stack.some((s) => STARTUP.some((m) => s.includes(m)))) continue;
    self.set(stack[0]!, (self.get(stack[0]!) ?? 0) + time);
  }
  return self;
}

const groupOf = (k: string) => GROUPS.find(([, match]) => match(k))?.[0] ?? 'everything else';

/** Each group's time, in units of the profile's time in `writev`. */
function grouped(self: Map<string, number>): Map<string, number> {
  const writev = self.get('writev ') ?? NaN;
  const out = new Map<string, number>([...GROUPS.map(([name]) => [name, 0] as [string, number]), ['everything else', 0]]);
  for (const [k, t] of self) {
    const group = groupOf(k);
    out.set(group, out.get(group)! + t / writev);
  }
  return out;
}

/** The main thread's profile in `dir` (Node names it CPU.<date>.<time>.<pid>.0.<n>.cpuprofile). */
function mainProfile(dir: string): Profile {
  const file = readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread profile in ${dir}: ${readdirSync(dir).join(', ')}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
}

async function load(url: string): Promise<number> {
  await autocannon({ url, connections, duration: 3 });
  const r = await autocannon({ url, connections, duration: seconds });
  if (r.errors + r.timeouts + r.non2xx > 0) throw new Error(`${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  return r.requests.average;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'dagpact-profile-'));
  let pair: ServedPair | undefined;
  try {
    const profile = (name: string) => ['--cpu-prof', '--cpu-prof-dir', join(dir, name)];
    pair = await startServedPair({
      dir, flags: { dagpact: profile('dagpact'), anchor: profile('anchor') },
      schema: { type: 'record', name: 'R', namespace: 'bench', fields: [{ name: 'a', type: 'long' }, { name: 'b', type: 'string' }] },
      paths: (id) => ({ byId: `/ccompat/schemas/ids/${id}` }),
    });
    const { dagpact: byIdUrl, anchor: anchorUrl } = pair.urls.byId!;
    const dagpactRate = await load(byIdUrl);
    const anchorRate = await load(anchorUrl);
    await pair.stop();
    const dSelf = selfTimes(mainProfile(join(dir, 'dagpact')));
    const aSelf = selfTimes(mainProfile(join(dir, 'anchor')));
    const d = grouped(dSelf);
    const a = grouped(aSelf);
    const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);

    console.log(`\nUnder the profiler, ${connections} connections, ${seconds} s after 3 s of warm-up: dagpact ${dagpactRate.toFixed(0)} req/s, `
      + `the anchor ${anchorRate.toFixed(0)} req/s (${(dagpactRate / anchorRate).toFixed(2)}x)`);
    console.log('\n| where the time goes (per response, in `writev`s) | dagpact | anchor | difference |');
    console.log('|---|---:|---:|---:|');
    for (const [name, value] of d) {
      const other = a.get(name)!;
      console.log(`| ${name} | ${value.toFixed(3)} | ${other.toFixed(3)} | ${name.startsWith('the socket write') ? '' : (value - other >= 0 ? '+' : '') + (value - other).toFixed(3)} |`);
    }
    console.log(`| **total** | **${total(d).toFixed(3)}** | **${total(a).toFixed(3)}** | |`);
    console.log(`\nThe write is ${(100 / total(d)).toFixed(0)}% of dagpact's CPU per response and ${(100 / total(a)).toFixed(0)}% of the anchor's; `
      + `by this profile dagpact ÷ anchor = ${(total(a) / total(d)).toFixed(2)} (CPU per response, inverted).`);
    const dw = dSelf.get('writev ')!, aw = aSelf.get('writev ')!;
    const rest = [...new Set([...dSelf.keys(), ...aSelf.keys()])].filter((k) => groupOf(k) === 'everything else')
      .map((k) => ({ k, d: (dSelf.get(k) ?? 0) / dw, a: (aSelf.get(k) ?? 0) / aw }))
      .sort((x, y) => (y.d - y.a) - (x.d - x.a)).slice(0, top);
    console.log(`\n"Everything else", the ${top} functions dagpact spends most more on (in \`writev\`s): dagpact / anchor`);
    for (const { k, d: x, a: y } of rest) console.log(`  ${x.toFixed(4)} / ${y.toFixed(4)}  ${k}`);
  } finally {
    await pair?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
