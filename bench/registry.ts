// Benchmark: dagpact's schema reads against Pulsar's own schema registry on the same machine, and the
// time of a transitive compatibility check of a 200-field Avro record against 100 versions.
//
//   npx tsx bench/registry.ts            (needs a built dist/ and a broker: scripts/pulsar/harness.sh start)
//
// Env: PULSAR_ADMIN_URL (default http://127.0.0.1:8080), DATABASE_URL (default: embedded PGlite in a
// temp dir), BENCH_SECONDS per target (default 8), BENCH_CONCURRENCY (default 16).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCompatibility } from '../src/core/compat/levels.js';
import { makeFormats } from '../src/core/formats/index.js';
import { makePulsarAdmin } from '../src/pulsar-admin/admin-client.js';
import { startServerProcess } from '../test/support/server-process.js';
import { load, type LoadResult } from './http-load.js';

const pulsarAdminUrl = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

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
  try {
    const schema = wideRecord(20, 0);
    const reg = await fetch(`${server.url}/ccompat/subjects/bench-value/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema }),
    });
    const { id } = (await reg.json()) as { id: number };
    const admin = makePulsarAdmin({ url: pulsarAdminUrl });
    const topic = `persistent://public/default/bench-schema-${Date.now()}`;
    await admin.postSchema(topic, { type: 'AVRO', schema });
    const pulsarUrl = `${pulsarAdminUrl}/admin/v2/schemas/public/default/${topic.split('/').pop()}/schema`;

    const targets: Array<[string, string]> = [
      ['pulsar GET /admin/v2/schemas/{t}/schema (reference)', pulsarUrl],
      ['dagpact GET /ccompat/schemas/ids/{id}', `${server.url}/ccompat/schemas/ids/${id}`],
      ['dagpact GET /ccompat/subjects/{s}/versions/latest', `${server.url}/ccompat/subjects/bench-value/versions/latest`],
    ];
    const results: Array<[string, LoadResult]> = [];
    for (const [name, url] of targets) {
      await load(url, { concurrency, durationMs: 1000 }); // warm-up
      results.push([name, await load(url, { concurrency, durationMs: seconds * 1000 })]);
    }
    const ref = results[0]![1];
    console.log(`\nschema reads: ${concurrency} keep-alive connections, ${seconds}s each, one process, same machine`);
    console.log('| target | req/s | p50 ms | p99 ms | errors | throughput vs Pulsar |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [name, r] of results) {
      console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.errors} | ${(r.rps / ref.rps).toFixed(2)}x |`);
    }
    const t = await transitiveCheck();
    console.log(`\ntransitive check (FULL_TRANSITIVE, 200-field record vs 100 versions): median ${t.medianMs.toFixed(1)} ms, max ${t.maxMs.toFixed(1)} ms over 30 runs; reference: parsing the 101 schemas once ${t.parseAllMs.toFixed(1)} ms (ratio ${(t.medianMs / t.parseAllMs).toFixed(2)})`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
