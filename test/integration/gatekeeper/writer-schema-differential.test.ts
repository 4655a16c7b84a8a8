// The gatekeeper judged by independent oracles on ~250 generated (writer, reader) Avro pairs
// (test/support/avro-writer-reader-pairs.ts). Each pair's writer is registered on the broker by the
// official Python client (AvroSchema(None, schema_definition=writer)), which produces a few messages of
// fastavro-generated data on the pair's topic; the reader is the contract of a DAG version bound to that
// topic. One gatekeeper decides everything. Then, per message:
// - the outcome must be Avro's verdict: ACCEPT iff dagpact's engine (itself checked against the Pulsar
//   broker's Avro checker in test/integration/compat) says the reader reads the writer and fastavro can
//   resolve the datum; otherwise QUARANTINE (REJECT where the binding says so) with SCHEMA_MISMATCH;
// - a forwarded message's trigger-topic bytes, decoded by fastavro with the reader alone, must equal
//   fastavro's writer→reader resolution of the source bytes, and the trigger topic's Pulsar schema
//   (the version the forward carries) must be the reader;
// - for a subset, a second DAG version forwards to the real Airflow: each DAG run's conf.message must
//   equal the same fastavro value.
// The oracles are fastavro (test/python/resolve_expected.py) and the broker; no value is computed by
// the code under test. A summary table by category and outcome is printed.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirflowClient, DagRun } from '../../../src/airflow/client.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import type { startGatekeeper } from '../../../src/start/gatekeeper.js';
import type { Db } from '../../../src/store/db.js';
import { contractBindings, dagVersions, dags } from '../../../src/store/schema.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { generateWriterReaderPairs, type WriterReaderPair } from '../../support/avro-writer-reader-pairs.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { airflowClient, airflowConnection, DAGS } from '../airflow/support.js';
import { ADMIN_URL, createNamespace, deploy, metricValue, PYTHON, SERVICE_URL, startTestGatekeeper, waitFor } from './support.js';

const run = promisify(execFile);
const ENV = `wsd-${randomBytes(4).toString('hex')}`;
const PER_PAIR = 3;
const TOPIC_DAG = 'wsd_reader';
const AIRFLOW_DAG = DAGS.orders;
const avro = makeFormats().get('AVRO');

type Outcome = 'ACCEPT' | 'QUARANTINE' | 'REJECT';
interface Pair extends WriterReaderPair {
  id: string; topic: string; triggerTopic: string; subject: string; onMismatch: 'quarantine' | 'reject'; airflow: boolean;
  compatible: boolean; rules: string[];
}
interface Produced { pair: string; topic: string; seq: string; payload_b64: string }
interface Oracle { key: string; ok: boolean; value?: unknown; error?: string }
interface DrainedMessage { kind: 'message'; topic: string; properties: Record<string, string>; payload_b64: string; schema_version: number | null }
interface DrainedSchema { kind: 'schema'; topic: string; version: number; type?: string; schema?: string; error?: string }
interface Binding { topic: string; subject: string; schemaId: number; onMismatch: 'quarantine' | 'reject'; triggerTopic: string | null; forwardTo: 'topic' | 'airflow' }

let db: TestDatabase;
let api: TestApp;
let airflow: AirflowClient;
let gk: Awaited<ReturnType<typeof startGatekeeper>> | undefined;
let pairs: Pair[] = [];

const lines = <T>(stdout: string) => stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

/** Runs one of test/python/*.py with a JSON file argument; resolves with its JSON lines. */
async function python<T>(script: string, input: unknown, args: string[] = []): Promise<T[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wsd-'));
  const file = join(dir, 'input.json');
  writeFileSync(file, JSON.stringify(input));
  try {
    const { stdout } = await run(PYTHON, [`test/python/${script}`, ...args.map((a) => (a === '@input' ? file : a))], { maxBuffer: 512 * 1024 * 1024, timeout: 600_000 });
    return lines<T>(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A DAG version binding topics with per-binding forward targets (seedDagVersion has no forward_to). */
async function seedBindings(d: Db, args: { dagId: string; version: string; bindings: Binding[] }): Promise<number> {
  await d.insert(dags).values({ dagId: args.dagId }).onConflictDoNothing();
  const consumes = args.bindings.map((b) => ({ topic: b.topic, subject: b.subject, subjectVersion: 1, schemaId: b.schemaId, forwardTo: b.forwardTo }));
  const [row] = await d.insert(dagVersions).values({
    dagId: args.dagId, version: args.version, contract: { consumes }, contractHash: randomBytes(8).toString('hex'), createdBy: 'test',
  }).returning({ id: dagVersions.id });
  await d.insert(contractBindings).values(args.bindings.map((b) => ({
    dagVersionId: row!.id, direction: 'consumes', topic: b.topic, subject: b.subject, subjectVersion: 1, schemaId: b.schemaId,
    onMismatch: b.onMismatch, triggerTopic: b.triggerTopic, forwardTo: b.forwardTo,
  })));
  return row!.id;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/**
 * The pairs whose topics a second DAG version forwards to Airflow: values that plain JSON and resolution
 * can get wrong (longs beyond 2^53, bytes and fixed, float promotions, defaults, swapped fields, enum
 * defaults, unions, recursion, logical types) and a few that must be held.
 */
const AIRFLOW_PAIRS = [
  'identity: every primitive, enum, fixed and nullable', 'identity: logical types', 'rename: sku renamed to product, no alias',
  'rename: string field renamed with alias', 'rename: bytes field renamed, no alias, reader default', 'rename: two fields swap names via aliases',
  'reorder: two string fields swapped (sku, product)', 'reorder: array item record fields reordered', 'add-remove: reader adds fixed field with default',
  'add-remove: writer map of records removed in reader', 'add-remove: reader adds long field without default', 'promotion: int to float',
  'promotion: long to float', 'promotion: long to double', 'promotion: nullable long to nullable double', 'enum: reader removes a symbol, enum default',
  'enum: map of enums, symbol removed no default', 'union: branches reordered', 'union: nullable record renamed with alias',
  'nested: two levels: inner field removed, outer defaulted field added', 'nested: recursive list promoted int to long',
  'array-map: map of records: field renamed with alias', 'logical: timestamp-millis to double', 'logical: uuid to bytes',
];

beforeAll(async () => {
  airflow = await airflowClient();
  db = await createTestDatabase();
  api = await buildTestApp({ db });
  const ns = await createNamespace();
  // One topic of this namespace carries six writers in turn: the broker must accept every new schema.
  const evolvingNs = await createNamespace();
  const policy = await fetch(`${ADMIN_URL}/admin/v2/namespaces/${evolvingNs}/schemaCompatibilityStrategy`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify('ALWAYS_COMPATIBLE'),
  });
  expect(policy.status, await policy.text()).toBeLessThan(300);

  const generated = generateWriterReaderPairs();
  const forAirflow = new Set(AIRFLOW_PAIRS);
  const unknown = AIRFLOW_PAIRS.filter((name) => !generated.some((p) => p.name === name && !p.topicGroup));
  expect(unknown, 'AIRFLOW_PAIRS names pairs the generator makes').toEqual([]);
  // Every ninth topic's binding rejects (dead letter) instead of quarantining.
  const topicKeys = [...new Set(generated.map((p, i) => p.topicGroup ?? `pair-${i}`))];
  pairs = generated.map((p, i) => {
    const key = p.topicGroup ?? `pair-${i}`;
    const issues = avro.backwardIssues(avro.parse(JSON.stringify(p.reader)), avro.parse(JSON.stringify(p.writer)));
    return {
      ...p, id: `p${i}`, topic: `persistent://${p.topicGroup ? evolvingNs : ns}/${key}`, triggerTopic: `persistent://${ns}/trigger-${key}`,
      subject: `wsd-${key}-value`, onMismatch: topicKeys.indexOf(key) % 9 === 4 ? 'reject' : 'quarantine', airflow: forAirflow.has(p.name),
      compatible: issues.length === 0, rules: issues.map((x) => x.rule),
    };
  });

  // The reader of each topic, registered in dagpact as a user does (pairs of one topic share it).
  const topics = [...new Map(pairs.map((p) => [p.topic, p])).values()];
  const schemaIds = new Map<string, number>();
  await inBatches(topics, 8, async (p) => {
    const res = await api.app.inject({ method: 'POST', url: `/ccompat/subjects/${p.subject}/versions`, headers: adminHeaders, payload: { schema: JSON.stringify(p.reader) } });
    expect(res.statusCode, `${p.name}: ${res.body}`).toBe(200);
    schemaIds.set(p.topic, res.json<{ id: number }>().id);
  });
  const d = db.database.db;
  const binding = (p: Pair, forwardTo: 'topic' | 'airflow'): Binding => ({
    topic: p.topic, subject: p.subject, schemaId: schemaIds.get(p.topic)!, onMismatch: p.onMismatch,
    triggerTopic: forwardTo === 'topic' ? p.triggerTopic : null, forwardTo,
  });
  const toTopics = await seedBindings(d, { dagId: TOPIC_DAG, version: 'v1', bindings: topics.map((p) => binding(p, 'topic')) });
  const toAirflow = await seedBindings(d, { dagId: AIRFLOW_DAG, version: `wsd-${ENV}`, bindings: topics.filter((p) => p.airflow).map((p) => binding(p, 'airflow')) });
  await deploy(d, { environment: ENV, dagId: TOPIC_DAG, dagVersionId: toTopics });
  await deploy(d, { environment: ENV, dagId: AIRFLOW_DAG, dagVersionId: toAirflow });

  const c = await airflowConnection();
  gk = await startTestGatekeeper({
    databaseUrl: db.url!, environment: ENV, ns,
    env: { AIRFLOW_URL: c.url, AIRFLOW_USERNAME: c.username, AIRFLOW_PASSWORD: c.password, DAGPACT_GATEKEEPER_CONCURRENCY: '8' },
  });
  await waitFor('the gatekeeper subscribed to every pair topic', async () => gk!.gatekeeper.status().topics.length === topics.length, 120_000, 250);
}, 600_000);

afterAll(async () => {
  await gk?.stop();
  await api?.close();
  await db?.drop();
});

/** What happened to each (message, DAG): the forward, or the quarantine record. */
interface Observed { outcome: Outcome | 'MISSING' | 'DUPLICATED'; reason?: string }
const observe = (forwards: number, held: Array<{ disposition: string; reason_code: string }>): Observed => {
  if (forwards + held.length > 1) return { outcome: 'DUPLICATED', reason: `${forwards} forwards, ${held.length} records` };
  if (forwards === 1) return { outcome: 'ACCEPT' };
  if (held.length === 1) return { outcome: held[0]!.disposition === 'reject' ? 'REJECT' : 'QUARANTINE', reason: held[0]!.reason_code };
  return { outcome: 'MISSING' };
};
const label = (o: { outcome: string; reason?: string }) => (o.reason && o.outcome !== 'ACCEPT' ? `${o.outcome}/${o.reason}` : o.outcome);

function summaryTable(rows: Array<{ pair: Pair; observed: string; expected: string; valuesOk: boolean }>): string {
  const categories = [...new Set(rows.map((r) => r.pair.category))];
  const outcomes = [...new Set(rows.map((r) => r.observed))].sort();
  const header = ['category', 'pairs', 'exp ACCEPT', 'exp held', ...outcomes, 'outcome wrong', 'value wrong'];
  const body = categories.map((c) => {
    const rs = rows.filter((r) => r.pair.category === c);
    return [c, rs.length, rs.filter((r) => r.expected === 'ACCEPT').length, rs.filter((r) => r.expected !== 'ACCEPT').length,
      ...outcomes.map((o) => rs.filter((r) => r.observed === o).length), rs.filter((r) => r.observed !== r.expected).length, rs.filter((r) => !r.valuesOk).length];
  });
  const all = [header, ...body, ['total', rows.length, ...header.slice(2).map((_, i) => body.reduce((n, b) => n + Number(b[i + 2]), 0))]];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all.map((r) => r.map((x, i) => String(x).padStart(i === 0 ? 0 : widths[i]!).padEnd(i === 0 ? widths[0]! : 0)).join('  ')).join('\n');
}

describe('the gatekeeper against Avro resolution on generated writer/reader pairs', () => {
  it('decides, re-encodes and hands to Airflow exactly what fastavro resolves', async () => {
    expect(pairs.length).toBeGreaterThanOrEqual(200);
    const byId = new Map(pairs.map((p) => [p.id, p]));
    const produced = await python<Produced>('writer_reader_pairs.py', {
      service_url: SERVICE_URL, pairs: pairs.map((p, i) => ({ id: p.id, topic: p.topic, writer: p.writer, count: PER_PAIR, seed: 1000 + i })),
    }, ['@input']);
    expect(produced).toHaveLength(pairs.length * PER_PAIR);
    const pairOf = (seq: string) => byId.get(seq.split('-')[0]!)!;
    // The oracle's value of every message (independent of the gatekeeper: from the producer's bytes).
    const expected = new Map((await python<Oracle>('resolve_expected.py', produced.map((m) => ({
      key: m.seq, mode: 'resolve', writer: pairOf(m.seq).writer, reader: pairOf(m.seq).reader, payload_b64: m.payload_b64,
    })), ['batch', '@input'])).map((o) => [o.key, o]));

    // Settled = acked; a message is acked only once its forwards and records are durable.
    const acked = async () => metricValue(await gk!.metrics.registry.metrics(), 'dagpact_gatekeeper_end_to_end_seconds_count');
    const settled = await waitFor('every message settled', async () => (await acked()) >= produced.length || undefined, 150_000, 1000)
      .then(() => true, () => false);

    const drained = await python<DrainedMessage | DrainedSchema>('trigger_drain.py', null,
      [SERVICE_URL, '3', '--min', String(produced.length), ...new Set(pairs.flatMap((p) => [p.triggerTopic, p.topic]))]);
    const messages = drained.filter((x): x is DrainedMessage => x.kind === 'message');
    const schemas = new Map(drained.filter((x): x is DrainedSchema => x.kind === 'schema').map((s) => [`${s.topic}#${s.version}`, s]));
    const triggerTopics = new Set(pairs.map((p) => p.triggerTopic));
    const forwards = messages.filter((m) => triggerTopics.has(m.topic));
    const sources = new Map(messages.filter((m) => !triggerTopics.has(m.topic)).map((m) => [m.properties.seq!, m]));
    const held = (await db.database.db.execute(sql`select dag_id, reason_code, disposition, properties->>'seq' as seq, detected_schema_id from quarantine_records`))
      .rows as Array<{ dag_id: string; reason_code: string; disposition: string; seq: string; detected_schema_id: number | null }>;
    // The writer schemas the gatekeeper recorded in dagpact's registry, by the ids forwards and records name.
    const writerIds = new Set([...forwards.map((m) => Number(m.properties['dagpact-writer-schema-id'])), ...held.map((h) => Number(h.detected_schema_id))]
      .filter((id) => Number.isInteger(id) && id > 0));
    const recorded = new Map<number, string>();
    await inBatches([...writerIds], 16, async (id) => {
      const res = await api.app.inject({ method: 'GET', url: `/ccompat/schemas/ids/${id}` });
      if (res.statusCode === 200) recorded.set(id, avro.parse(res.json<{ schema: string }>().schema).fingerprint);
    });
    const isWriter = (id: unknown, pair: Pair) => recorded.get(Number(id)) === avro.parse(JSON.stringify(pair.writer)).fingerprint;
    const runs = (await airflow.listDagRuns({ dagId: AIRFLOW_DAG, runIdPattern: `dagpact__${ENV}__`, limit: 1000 })).runs;
    const runsBySeq = new Map<string, DagRun[]>();
    for (const r of runs) {
      const seq = (r.conf as { dagpact?: { properties?: { seq?: string } } }).dagpact?.properties?.seq ?? '?';
      runsBySeq.set(seq, [...(runsBySeq.get(seq) ?? []), r]);
    }
    const read = new Map((await python<Oracle>('resolve_expected.py', forwards.map((m, i) => ({
      key: String(i), mode: 'read', reader: pairOf(m.properties.seq ?? '?-').reader, payload_b64: m.payload_b64,
    })), ['batch', '@input'])).map((o) => [Number(o.key), o]));

    const failures: Record<string, string[]> = {
      'the writer is the broker schema the source message carries': [], 'outcome (trigger topic DAG)': [], 'outcome (Airflow DAG)': [],
      'trigger-topic value': [], 'trigger-topic Pulsar schema': [], 'Airflow conf.message': [], 'writer recorded in dagpact and named by id': [],
    };
    // Not failures: datums of a pair the engine calls compatible that fastavro still cannot resolve
    // (bytes promoted to string holding invalid UTF-8). Such a message must be held, not forwarded.
    const unresolvable: string[] = [];
    const fail = (kind: string, text: string) => failures[kind]!.push(text);
    const rows: Array<{ pair: Pair; observed: string; expected: string; valuesOk: boolean }> = [];
    for (const pair of pairs) {
      const observedLabels = new Set<string>();
      const expectedLabels = new Set<string>();
      let valuesOk = true;
      for (let n = 0; n < PER_PAIR; n++) {
        const seq = `${pair.id}-${n}`;
        const oracle = expected.get(seq)!;
        const source = sources.get(seq);
        const writerSchema = source?.schema_version != null ? schemas.get(`${pair.topic}#${source.schema_version}`) : undefined;
        if (!writerSchema?.schema || writerSchema.type !== 'AVRO' || avro.parse(writerSchema.schema).fingerprint !== avro.parse(JSON.stringify(pair.writer)).fingerprint) {
          fail('the writer is the broker schema the source message carries', `${seq} ${pair.name}: version ${source?.schema_version} → ${JSON.stringify(writerSchema)?.slice(0, 200)}`);
        }
        if (pair.compatible && !oracle.ok) unresolvable.push(`${seq} ${pair.name}: ${oracle.error}`);
        // Avro's verdict: held with SCHEMA_MISMATCH when the engine says the reader cannot read the writer;
        // held (any reason) when fastavro cannot resolve the datum; ACCEPT otherwise.
        const holdAs = pair.onMismatch === 'reject' ? 'REJECT' : 'QUARANTINE';
        const want = !pair.compatible ? `${holdAs}/SCHEMA_MISMATCH` : oracle.ok ? 'ACCEPT' : holdAs;
        expectedLabels.add(want);
        // A forward counts only on the pair's own trigger topic (one elsewhere leaves this message MISSING).
        const mine = forwards.map((m, i) => [m, i] as const).filter(([m]) => m.properties.seq === seq && m.topic === pair.triggerTopic);
        const records = held.filter((h) => h.seq === seq && h.dag_id === TOPIC_DAG);
        const got = observe(mine.length, records);
        for (const id of [...mine.map(([m]) => m.properties['dagpact-writer-schema-id']), ...records.map((r) => r.detected_schema_id)]) {
          if (!isWriter(id, pair)) fail('writer recorded in dagpact and named by id', `${seq} ${pair.name}: names writer schema id ${id}, which is ${recorded.has(Number(id)) ? 'another schema' : 'not in the registry'}`);
        }
        observedLabels.add(label(got));
        const matches = (o: Observed) => (want.includes('/') ? label(o) === want : o.outcome === want);
        if (!matches(got)) fail('outcome (trigger topic DAG)', `${seq} ${pair.name}: expected ${want}, got ${label(got)}${pair.compatible ? '' : ` (engine: ${pair.rules.join(', ')})`}`);
        for (const [m, i] of mine) {
          const decoded = read.get(i)!;
          if (!decoded.ok || !oracle.ok || JSON.stringify(sortKeys(decoded.value)) !== JSON.stringify(sortKeys(oracle.value))) {
            valuesOk = false;
            fail('trigger-topic value', `${seq} ${pair.name}: read with the reader ${decoded.ok ? JSON.stringify(decoded.value).slice(0, 300) : decoded.error}; fastavro resolves ${oracle.ok ? JSON.stringify(oracle.value).slice(0, 300) : oracle.error}`);
          }
          const s = m.schema_version == null ? undefined : schemas.get(`${m.topic}#${m.schema_version}`);
          if (!s?.schema || s.type !== 'AVRO' || avro.parse(s.schema).fingerprint !== avro.parse(JSON.stringify(pair.reader)).fingerprint) {
            fail('trigger-topic Pulsar schema', `${seq} ${pair.name}: schema version ${m.schema_version} → ${s ? `${s.type} ${s.schema ?? s.error}`.slice(0, 200) : 'none'}`);
          }
        }
        if (pair.airflow) {
          const mineRuns = runsBySeq.get(seq) ?? [];
          const gotAirflow = observe(mineRuns.length, held.filter((h) => h.seq === seq && h.dag_id === AIRFLOW_DAG));
          if (!matches(gotAirflow)) fail('outcome (Airflow DAG)', `${seq} ${pair.name}: expected ${want}, got ${label(gotAirflow)}`);
          const conf = mineRuns[0]?.conf as { message?: unknown } | undefined;
          if (conf && (!oracle.ok || JSON.stringify(sortKeys(conf.message)) !== JSON.stringify(sortKeys(oracle.value)))) {
            valuesOk = false;
            fail('Airflow conf.message', `${seq} ${pair.name}: conf.message ${JSON.stringify(conf.message).slice(0, 300)}; fastavro resolves ${oracle.ok ? JSON.stringify(oracle.value).slice(0, 300) : oracle.error}`);
          }
        }
      }
      rows.push({ pair, observed: [...observedLabels].sort().join('+'), expected: [...expectedLabels].sort().join('+'), valuesOk });
    }

    const count = (k: string) => failures[k]!.length;
    console.log(`writer-schema differential: ${pairs.length} pairs, ${produced.length} messages, settled: ${settled} (${await acked()} acked); `
      + `${forwards.length} trigger-topic forwards, ${held.length} quarantine records, ${runs.length} Airflow runs (${pairs.filter((p) => p.airflow).length} pairs to Airflow)\n`
      + `${summaryTable(rows)}\n${Object.keys(failures).map((k) => `${k}: ${count(k)} failing`).join('\n')}`);
    console.log(`compatible pairs, datum fastavro cannot resolve (expected held): ${unresolvable.length}\n${unresolvable.slice(0, 6).join('\n')}`);
    for (const [kind, list] of Object.entries(failures)) {
      if (list.length > 0) console.log(`--- ${kind} (${list.length}; first 15)\n${list.slice(0, 15).join('\n')}`);
    }
    expect(settled, 'every message acked within the timeout').toBe(true);
    for (const [kind, list] of Object.entries(failures)) expect.soft(list, kind).toEqual([]);
  }, 600_000);
});

/** JSON with object keys sorted, so two values compare by content. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}
