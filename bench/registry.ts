// Benchmark: dagpact's schema reads against the HTTP stack's own limit and against Pulsar's schema
// registry, on the same machine in the same run, with autocannon; and the time of a transitive
// compatibility check of a 200-field Avro record against 100 versions.
//
// Targets, each driven by autocannon with CONNECTIONS keep-alive connections for SECONDS after a 2 s
// warm-up, in alternating order over ROUNDS rounds (medians reported):
//  - the anchor: bench/constant-server.ts, a Fastify server in its own process answering the very body
//    dagpact answers (fetched from dagpact first), as a constant;
//  - dagpact `GET /ccompat/schemas/ids/{id}` and `GET /ccompat/subjects/{s}/versions/latest`
//    (`dagpact serve` from dist/ on embedded PGlite, warn-level logs);
//  - Pulsar's `GET /admin/v2/schemas/{t}/schema` for the same schema;
//  - bench/node-http-constant.ts: node:http alone answering the body of schemas/ids/{id}, with no
//    framework. The ceiling of a handler in front of Fastify (docs/adr/0030), compared with the anchor;
//  - dagpact `GET /healthz` and its own constant anchor: a route that reads nothing, through the same
//    per-request pipeline (request id, security headers, Host check, metrics; no authentication, it is
//    public). What separates a schema read from its anchor is then split in two: the pipeline (healthz
//    against its anchor) and the registry's own work (a schema read against healthz).
// Beside the rates, the CPU time each server process (dagpact's, the anchor's) spent per request answered,
// read from /proc: steadier than the rate on a shared machine, where the load generator competes too.
//
//   npm run build && npx tsx bench/registry.ts   (needs a broker: scripts/pulsar/harness.sh start)
//
// Env: PULSAR_ADMIN_URL (default http://127.0.0.1:8080), DATABASE_URL (default: embedded PGlite in a
// temp dir), BENCH_SECONDS per target (default 5), BENCH_CONNECTIONS (default 64), BENCH_ROUNDS (default 3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { checkCompatibility } from '../src/core/compat/levels.js';
import { makeFormats } from '../src/core/formats/index.js';
import { makePulsarAdmin } from '../src/pulsar-admin/admin-client.js';
import { startServerProcess } from '../test/support/server-process.js';
import { processCpuMicros } from './proc-cpu.js';
import { startConstantServer, stopChild } from './served-pair.js';

const pulsarAdminUrl = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

interface Run { rps: number; p50: number; p99: number; errors: number; non2xx: number; cpuMicros: number }

/** autocannon against `url`; with `pid`, also the CPU time that process spent per request answered. */
async function cannon(url: string, duration: number, pid?: number): Promise<Run> {
  const cpu0 = processCpuMicros(pid);
  const r = await autocannon({ url, connections, duration, pipelining: 1 });
  const cpuMicros = (processCpuMicros(pid) - cpu0) / r.requests.total;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, cpuMicros };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function wideRecord(fields: number, version: number) {
  const f = Array.from({ length: fields }, (_, i) => ({ name: `f${i}`, type: i % 3 === 0 ? 'long' : i % 3 === 1 ? 'string' : ['null', 'double'], ...(i % 3 === 2 ? { default: null } : {}) }));
  // Each version adds one optional field: every version is backward compatible with the earlier ones.
  for (let v = 0; v < version; v++) f.push({ name: `added_${v}`, type: ['null', 'string'], default: null } as never);
  return JSON.stringify({ type: 'record', name: 'Wide', namespace: 'bench', fields: f });
}

async function transitiveCheck() {
  const avro = makeFormats().get('AVRO');
  const existing = Array.from({ length: 100 }, (_, v) => avro.parse(wideRecord(200, v)));
  const candidate = avro.parse(wideRecord(200, 100));
  const runs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const res = checkCompatibility({ provider: avro, candidate, existing, level: 'FULL_TRANSITIVE' });
    runs.push(performance.now() - t0);
    if (!res.compatible) throw new Error('benchmark schemas should be compatible');
  }
  // Reference in the same process: parsing the 101 schemas once (what a registry must do anyway).
  const p0 = performance.now();
  for (let v = 0; v <= 100; v++) avro.parse(wideRecord(200, v));
  const parseMs = performance.now() - p0;
  runs.sort((a, b) => a - b);
  return { medianMs: runs[15]!, maxMs: runs[29]!, parseAllMs: parseMs };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'dagpact-bench-'));
  const server = await startServerProcess({ DAGPACT_DATA_DIR: dataDir, DAGPACT_LOG_LEVEL: 'warn', DAGPACT_ADMIN_TOKEN: undefined, DATABASE_URL: process.env.DATABASE_URL });
  let anchor: Awaited<ReturnType<typeof startConstantServer>> | undefined;
  let bare: Awaited<ReturnType<typeof startConstantServer>> | undefined;
  try {
    const schema = wideRecord(20, 0);
    const reg = await fetch(`${server.url}/ccompat/subjects/bench-value/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema }),
    });
    const { id } = (await reg.json()) as { id: number };
    const byIdUrl = `${server.url}/ccompat/schemas/ids/${id}`;
    const latestUrl = `${server.url}/ccompat/subjects/bench-value/versions/latest`;
    const healthUrl = `${server.url}/healthz`;
    const bodies = { byId: await (await fetch(byIdUrl)).text(), latest: await (await fetch(latestUrl)).text(), health: await (await fetch(healthUrl)).text() };
    anchor = await startConstantServer(bodies, dataDir);
    bare = await startConstantServer({ byId: bodies.byId }, dataDir, { script: 'bench/node-http-constant.ts' });
    for (const [constant, names] of [[anchor, Object.keys(bodies)], [bare, ['byId']]] as const) {
      for (const name of names) {
        if (await (await fetch(`${constant.url}/constant/${name}`)).text() !== bodies[name as keyof typeof bodies]) throw new Error(`the constant ${name} differs from dagpact's body`);
      }
    }
    const admin = makePulsarAdmin({ url: pulsarAdminUrl });
    const topic = `persistent://public/default/bench-schema-${Date.now()}`;
    await admin.postSchema(topic, { type: 'AVRO', schema });
    const pulsarUrl = `${pulsarAdminUrl}/admin/v2/schemas/public/default/${topic.split('/').pop()}/schema`;

    // The server processes whose CPU per request is measured (the broker's is not: it serves the benchmark's topic too).
    const targets: Array<[string, string, number | undefined]> = [
      ['constant, body of schemas/ids/{id} (anchor)', `${anchor.url}/constant/byId`, anchor.child.pid],
      ['dagpact GET /ccompat/schemas/ids/{id}', byIdUrl, server.child.pid],
      ['constant, body of versions/latest (anchor)', `${anchor.url}/constant/latest`, anchor.child.pid],
      ['dagpact GET /ccompat/subjects/{s}/versions/latest', latestUrl, server.child.pid],
      ['Pulsar GET /admin/v2/schemas/{t}/schema', pulsarUrl, undefined],
      ['constant, body of healthz (anchor)', `${anchor.url}/constant/health`, anchor.child.pid],
      ['dagpact GET /healthz (the pipeline alone)', healthUrl, server.child.pid],
      ['node:http alone, body of schemas/ids/{id}', `${bare.url}/constant/byId`, bare.child.pid],
    ];
    const runs = new Map<string, Run[]>(targets.map(([name]) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so no target always runs first (or right after the same neighbour).
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const [name, url, pid] of order) {
        await cannon(url, 2); // warm-up
        const r = await cannon(url, seconds, pid);
        runs.get(name)!.push(r);
        console.error(`round ${round + 1} ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.cpuMicros.toFixed(1)} µs CPU/request, errors ${r.errors}, non-2xx ${r.non2xx}`);
      }
    }
    const med = (name: string, k: keyof Run) => median(runs.get(name)!.map((r) => r[k]));
    const perRound = (a: string, b: string) => runs.get(a)!.map((r, i) => (r.rps / runs.get(b)![i]!.rps).toFixed(2)).join(' / ');
    const [cId, dId, cLatest, dLatest, pulsar, cHealth, dHealth, bareId] = targets.map(([n]) => n) as [string, string, string, string, string, string, string, string];
    console.log(`\nschema reads: autocannon, ${connections} connections, ${seconds} s per target after 2 s warm-up, ${rounds} rounds alternating, medians`);
    console.log('| target | req/s | p50 ms | p99 ms | errors | vs its constant anchor | vs Pulsar | server CPU µs/request | anchor ÷ this, CPU |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, anchorName] of [[cId, cId], [dId, cId], [cLatest, cLatest], [dLatest, cLatest], [pulsar, undefined], [cHealth, cHealth], [dHealth, cHealth], [bareId, cId]] as Array<[string, string | undefined]>) {
      const rps = med(name, 'rps');
      const errors = runs.get(name)!.reduce((n, r) => n + r.errors + r.non2xx, 0);
      const cpu = med(name, 'cpuMicros');
      console.log(`| ${name} | ${rps.toFixed(0)} | ${med(name, 'p50')} | ${med(name, 'p99')} | ${errors} | ${anchorName ? (rps / med(anchorName, 'rps')).toFixed(2) + 'x' : ''} | ${name === cHealth || name === dHealth ? '' : (rps / med(pulsar, 'rps')).toFixed(2) + 'x'} | ` +
        `${Number.isNaN(cpu) ? '' : cpu.toFixed(1)} | ${anchorName && !Number.isNaN(cpu) ? (med(anchorName, 'cpuMicros') / cpu).toFixed(2) + 'x' : ''} |`);
    }
    console.log(`\nper round, dagpact / anchor: schemas/ids ${perRound(dId, cId)}; versions/latest ${perRound(dLatest, cLatest)}; healthz ${perRound(dHealth, cHealth)}; node:http alone ${perRound(bareId, cId)}`);
    // The split (healthz answers another body, so it is not compared with Pulsar): the pipeline's share is
    // healthz against its anchor; the registry's own, a read against healthz.
    const rate = (name: string) => med(name, 'rps');
    const extra = (a: string, b: string) => { const d = med(a, 'cpuMicros') - med(b, 'cpuMicros'); return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)}`; };
    console.log(`where the gap is (medians): the pipeline alone, healthz ÷ its anchor ${(rate(dHealth) / rate(cHealth)).toFixed(2)}x by rate, `
      + `${extra(dHealth, cHealth)} µs CPU/request; the registry's read on top of it, schemas/ids ÷ healthz ${(rate(dId) / rate(dHealth)).toFixed(2)}x, `
      + `versions/latest ÷ healthz ${(rate(dLatest) / rate(dHealth)).toFixed(2)}x by rate, ${extra(dId, dHealth)} and ${extra(dLatest, dHealth)} µs CPU/request`);
    const t = await transitiveCheck();
    console.log(`\ntransitive check (FULL_TRANSITIVE, 200-field record vs 100 versions): median ${t.medianMs.toFixed(1)} ms, max ${t.maxMs.toFixed(1)} ms over 30 runs; reference: parsing the 101 schemas once ${t.parseAllMs.toFixed(1)} ms (ratio ${(t.medianMs / t.parseAllMs).toFixed(2)})`);
  } finally {
    if (anchor) await stopChild(anchor.child);
    if (bare) await stopChild(bare.child);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
