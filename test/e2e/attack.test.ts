// Issue 11, "measure it": the built `dagpact serve` gets each hostile input of the issue while another
// client polls /healthz. Asserted: every hostile request is answered with a 4xx (or 429), never a 5xx,
// within 2 s; slow and idle sockets are cut; the server is alive afterwards and its RSS bounded; and the
// p99 of /healthz stays under a bound. The poller runs in its own thread at a fixed rate (a poll every
// 5 ms, each timed from when it was due, not when it could be sent), so a stall of the server's event
// loop delays every poll due during it and shows in the percentiles instead of hiding between polls.
// The aim is a p99 under 50 ms (BENCHMARKS.md "Attack: /healthz during hostile requests"). This suite
// shares two cores with other test files, so the assertion is a gross bound: p99 under ATTACK_P99_MS
// (default 250 ms) plus twice the p99 of a control server polled at the same instants, which carries the
// machine's own load (a busy machine stalls every process, and dagpact's has more threads to schedule).
// Both figures are printed. Without the compute pool (DAGPACT_COMPUTE_WORKERS=0) it fails here.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN = 'attack-admin-token-0123456789';
const REQUEST_BUDGET_MS = 2000;
const RSS_BOUND_MB = 768;
const GROSS_P99_MS = Number(process.env.ATTACK_P99_MS ?? 250);
const POLL_EVERY_MS = 5;

/** A bare Node HTTP server in a process of its own: what any server on this machine answers in, now. */
async function startControlServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e',
    "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); })"],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the control server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/**
 * Polls GET /healthz every `everyMs` from a thread of its own (the test's thread builds megabytes of
 * hostile JSON). Each poll is sent when due even if earlier ones are still waiting (up to 16 sockets), and
 * its latency counts from when it was due. stop() returns every latency in milliseconds.
 */
function startPoller(urls: string[], everyMs: number): { stop(): Promise<Poll[][]> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const latencies = workerData.urls.map(() => []);
    let pending = 0, stopping = false, done;
    const start = performance.now();
    let n = 0;
    const poll = (due) => workerData.urls.forEach((url, i) => {
      pending++;
      const req = http.get(url + '/healthz', { agent }, (res) => {
        res.resume();
        res.on('end', () => { latencies[i].push([performance.timeOrigin + due, performance.now() - due]); finish(); });
      });
      req.on('error', () => { latencies[i].push([performance.timeOrigin + due, Infinity]); finish(); });
    });
    const finish = () => { pending--; if (stopping && pending === 0) done(); };
    const tick = () => {
      if (stopping) return;
      const now = performance.now();
      // Every poll that fell due since the last tick, each timed from its own due time.
      while (start + n * workerData.everyMs <= now) poll(start + n++ * workerData.everyMs);
      setTimeout(tick, Math.max(0, start + n * workerData.everyMs - performance.now()));
    };
    tick();
    parentPort.on('message', () => {
      stopping = true;
      new Promise((r) => { done = r; if (pending === 0) r(); }).then(() => { agent.destroy(); parentPort.postMessage(latencies); });
    });`;
  const worker = new Worker(code, { eval: true, workerData: { urls, everyMs } });
  worker.unref();
  return {
    stop: () => new Promise((resolve, reject) => {
      worker.once('message', (polls: Array<Array<[number, number]>>) => {
        void worker.terminate();
        resolve(polls.map((list) => list.map(([due, ms]) => ({ due, ms }))));
      });
      worker.once('error', reject);
      worker.postMessage('stop');
    }),
  };
}

interface Hostile { name: string; status?: number; ms?: number; from?: number; to?: number }
/** One /healthz poll: when it was due (ms since the epoch, sub-millisecond) and how long it took from then. */
interface Poll { due: number; ms: number }
const now = () => performance.timeOrigin + performance.now();

const record = (i: number, extra = false) => ({ type: 'record', name: `R${i}`, fields: [{ name: 'a', type: 'int' }, ...(extra ? [{ name: 'b', type: 'string', default: '' }] : [])] });
const union = (n: number, changed = -1) => ['null', ...Array.from({ length: n }, (_, i) => record(i, i === changed))];
const anyOf = (m: number, k: number) => ({ anyOf: Array.from({ length: m }, (_, i) => ({ type: 'object', properties: { [`p${i}`]: { type: 'string', maxLength: i + k } }, required: [`p${i}`] })) });

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('attack: nothing one request sends crashes or stalls the server (issue 11)', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let writeToken = '';
  let control: { url: string; child: ChildProcess };
  const results: Hostile[] = [];

  const call = async (path: string, init: { method?: string; body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {}) => {
    const started = performance.now();
    const res = await fetch(server.url + path, {
      method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? ADMIN}`, ...init.headers },
      body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
      signal: AbortSignal.timeout(30_000),
    }).catch((error: unknown) => {
      // A dropped connection says what the server logged meanwhile.
      const cause = (error as { cause?: Error }).cause;
      throw new Error(`${path}: ${(error as Error).message} (${cause?.message ?? 'no cause'}) after ${(performance.now() - started).toFixed(0)} ms; ` +
        `the server's last warnings:\n${server.output().split('\n').filter((l) => /"level":[4-6]0/.test(l)).slice(-8).join('\n')}`, { cause: error });
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started, retryAfter: res.headers.get('retry-after') };
  };

  beforeAll(async () => {
    control = await startControlServer();
    db = await createTestDatabase();
    server = await startServerProcess({
      DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, DAGPACT_LOG_LEVEL: 'warn', PULSAR_ADMIN_URL: undefined, PULSAR_SERVICE_URL: undefined,
      DAGPACT_HEADERS_TIMEOUT_MS: '1000', DAGPACT_REQUEST_TIMEOUT_MS: '2000', DAGPACT_IDLE_TIMEOUT_MS: '2000',
    }, { timeoutMs: 90_000 });
    const token = await fetch(`${server.url}/v1/tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci', scopes: ['write'] }),
    });
    writeToken = (await token.json() as { token: string }).token;
    // Subjects the hostile reads and checks go against, registered as an ordinary user would.
    expect((await call('/ccompat/subjects/wide-union/versions', { body: { schema: JSON.stringify(union(900)) } })).status).toBe(200);
    expect((await call('/v1/subjects/wide-anyof/versions', { body: { format: 'JSON', schema: JSON.stringify(anyOf(300, 0)) } })).status).toBe(201);
    expect((await call('/v1/subjects/evil-pattern/versions', { body: { format: 'JSON', schema: JSON.stringify({ type: 'string', pattern: '^(a+)+$' }) } })).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    // A server that died mid-attack says why here (its last output and how it ended).
    const alive = await fetch(`${server?.url}/healthz`).then((r) => r.ok, () => false);
    if (server && !alive) {
      await new Promise((r) => setTimeout(r, 500));
      console.log(`dagpact serve is not answering (exit ${server.child.exitCode}, signal ${server.child.signalCode}); its last output:\n` +
        server.output().split('\n').filter((l) => !/incoming request|request completed/.test(l)).slice(-20).join('\n'));
    }
    await server?.stop();
    control?.child.kill();
    await db?.drop();
  });

  it('answers every hostile input with a 4xx within 2 s while /healthz stays fast, and survives', async () => {
    // The poller: a /healthz every 5 ms from its own thread, timed from when each was due; the control
    // (a bare Node HTTP server in its own process) is polled at the same instants, so what the machine's
    // load adds to every server can be told apart from what dagpact's event loop adds.
    const poller = startPoller([server.url, control.url], POLL_EVERY_MS);
    let polls: Poll[];

    // Slow and idle sockets opened first, so they are held through the whole attack.
    const sockets: Array<{ socket: Socket; closed: boolean; kind: string }> = [];
    const open = (kind: string, first: string, drip?: string) => new Promise<void>((resolve) => {
      const s = { socket: connect(Number(new URL(server.url).port), '127.0.0.1'), closed: false, kind };
      // Read what the server sends: behind an unread 408 its FIN is never seen, and the socket looks open.
      s.socket.resume();
      s.socket.on('close', () => { s.closed = true; });
      s.socket.on('error', () => { s.closed = true; });
      s.socket.on('connect', () => {
        if (first) s.socket.write(first);
        if (drip) {
          const t = setInterval(() => { if (s.closed) clearInterval(t); else s.socket.write(drip); }, 300);
        }
        resolve();
      });
      sockets.push(s);
    });
    for (let i = 0; i < 10; i++) await open('slow headers', 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n');
    for (let i = 0; i < 10; i++) {
      await open('slow body', `POST /v1/subjects/slow/versions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`, ' ');
    }
    for (let i = 0; i < 10; i++) await open('idle', '');

    const hostile = async (name: string, run: () => Promise<{ status: number; ms: number }>) => {
      const from = now();
      const r = await run();
      results.push({ name, status: r.status, ms: r.ms, from, to: now() });
    };
    // The worst /healthz poll that fell due while a hostile request was in flight.
    const worstDuring = (r: Hostile) => Math.max(0, ...polls.filter((p) => p.due >= r.from! && p.due <= r.to!).map((p) => p.ms));
    const manifest = (extra: string) => ({ manifest: `dag_id: d\nversion: v\nconsumes: [{topic: t, subject: s, version: 1${extra}}]\n` });

    await hostile('Avro 10,000-branch union (registration)', () => call('/ccompat/subjects/wide-union/versions', { body: { schema: JSON.stringify(union(10_000)) } }));
    await hostile('Avro 900-branch union vs 900-branch union (compatibility, read scope)', () =>
      call('/ccompat/compatibility/subjects/wide-union/versions/latest', { body: { schema: JSON.stringify(union(900, 899)) } }));
    await hostile('JSON Schema anyOf 300 x 300 (compatibility budget)', () =>
      call('/v1/subjects/wide-anyof/compatibility', { body: { format: 'JSON', schema: JSON.stringify(anyOf(300, 1)) } }));
    await hostile('JSON Schema 600-branch anyOf (registration)', () =>
      call('/v1/subjects/wide-anyof-2/versions', { body: { format: 'JSON', schema: JSON.stringify(anyOf(600, 0)) } }));
    await hostile('ReDoS: catastrophic pattern vs 50,000-char const (compatibility)', () =>
      call('/v1/subjects/evil-pattern/compatibility', { body: { format: 'JSON', schema: JSON.stringify({ const: `${'a'.repeat(50_000)}!` }) } }));
    await hostile('ReDoS: lookahead pattern (registration)', () =>
      call('/v1/subjects/evil-2/versions', { body: { format: 'JSON', schema: JSON.stringify({ type: 'string', pattern: '^(?=(a+)+$)a*$' }) } }));
    const keys = Array.from({ length: 9_900 }, (_, i) => `some_key_name_${i}: 1`).join(', ');
    await hostile('YAML 209 KB manifest with a duplicate key', () => call('/v1/checks', { body: { environment: 'dev', ...manifest(`, ${keys}, some_key_name_5: 2`) } }));
    await hostile('YAML 2 MB nested flow', () => call('/v1/dags', { body: { manifest: `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}` } }));
    await hostile('manifest topic with ".."', () => call('/v1/dags', { body: { manifest: 'dag_id: d\nversion: v\nconsumes: [{topic: "persistent://../../clusters", subject: s, version: 1}]\n' } }));
    await hostile('write token sets IMPORT mode', () => call('/ccompat/mode/imp', { method: 'PUT', body: { mode: 'IMPORT' }, token: writeToken }));
    await hostile('subject with a bidi override', () => call(`/v1/subjects/${encodeURIComponent('x\u202Eexe.txt')}/versions`, { body: { schema: '"string"' } }));
    await hostile('DNS-rebinding Host header (admin token set: served, but still 4xx for a missing route)', () => call('/v1/nothing', { headers: { host: 'attacker.example' } }));
    const guesses: Array<{ status: number; retryAfter: string | null }> = [];
    for (let i = 0; i < 25; i++) {
      const r = await call('/v1/tokens', { body: { name: 'x', scopes: ['read'] }, token: `dgp_guess_${i}` });
      guesses.push(r);
      results.push({ name: `failed authentication ${i + 1}`, status: r.status, ms: r.ms });
    }

    // The attack is over: the percentiles are of its duration only, not of the quiet wait below.
    let controlPolls: Poll[];
    [polls, controlPolls] = await poller.stop() as [Poll[], Poll[]];
    const latencies = polls.map((p) => p.ms);
    const controlSorted = controlPolls.map((p) => p.ms).sort((a, b) => a - b);

    // Slow headers, slow bodies and idle sockets are all cut by the server.
    try {
      await until('every slow and idle socket to be closed by the server', () => sockets.every((s) => s.closed), 20_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}: still open: ${sockets.filter((s) => !s.closed).map((s) => s.kind).join(', ')}`);
    }
    for (const s of sockets) s.socket.destroy();

    // Report (BENCHMARKS.md style).
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const rss = rssMb(server.child.pid!);
    console.log([
      '## Attack run (test/e2e/attack.test.ts)',
      '| hostile request | status | ms | worst /healthz while in flight (ms) |', '| --- | --- | --- | --- |',
      ...results.filter((r) => !r.name.startsWith('failed authentication') || r.name.endsWith(' 1') || r.name.endsWith(' 21'))
        .map((r) => `| ${r.name} | ${r.status} | ${r.ms!.toFixed(0)} | ${r.from === undefined ? '' : worstDuring(r).toFixed(0)} |`),
      `| slow-header, slow-body and idle sockets (30) | closed by the server | | |`,
      '',
      `/healthz during the attack (one every ${POLL_EVERY_MS} ms, from when due): ${latencies.length} requests, p50 ${p50.toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms (aim: p99 < 50 ms; asserted: < ${GROSS_P99_MS} ms + 2 x the control's p99)`,
      `control (a bare Node HTTP server, polled at the same instants): p50 ${percentile(controlSorted, 50).toFixed(1)} ms, p99 ${percentile(controlSorted, 99).toFixed(1)} ms`,
      `server RSS after the attack: ${rss.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB)`,
    ].join('\n'));

    for (const r of results) {
      // Hostile compatibility checks that are now cheap may simply be answered (200); never a 5xx.
      expect(r.status, r.name).toBeGreaterThanOrEqual(200);
      expect(r.status, r.name).toBeLessThan(500);
      expect(r.ms, r.name).toBeLessThan(REQUEST_BUDGET_MS);
    }
    expect(guesses.slice(0, 20).every((g) => g.status === 401)).toBe(true);
    expect(guesses.slice(20).every((g) => g.status === 429 && Number(g.retryAfter) > 0)).toBe(true);
    // Schema work runs in the compute pool's worker threads (docs/adr/0019), so no hostile request holds
    // the event loop; the bound is gross because the suite shares two cores (the aim, 50 ms, is printed above).
    // Enough polls for a p99 to mean something (a quiet machine gets through the attack in ~1 s: ~200 polls).
    expect(latencies.length).toBeGreaterThan(100);
    expect(p99).toBeLessThan(GROSS_P99_MS + 2 * percentile(controlSorted, 99));
    const alive = await fetch(`${server.url}/healthz`);
    expect(alive.status).toBe(200);
    expect(rss).toBeLessThan(RSS_BOUND_MB);
  }, 120_000);
});
