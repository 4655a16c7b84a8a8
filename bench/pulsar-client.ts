// Benchmark: dagpact's Pulsar client (src/pulsar/) against the official client (C++ core, through the
// Python `pulsar-client` wheel) on the same broker in the same run. 1 KiB payloads (half random hex,
// so LZ4 has something to do), four modes: no batching, batching (1,000 messages / 10 ms, both
// clients), LZ4 without batching, batching + LZ4.
//
// Per mode and round, the two clients alternate:
//  - produce: COUNT async sends with at most 1,000 pending; rate = COUNT / (first send → last receipt);
//    which client produces first flips each round;
//  - consume + ack: both clients read the same topic (the one the C++ client just produced, so the
//    entries are identical) on their own Shared subscription from the earliest position, receive() and
//    ack() one message at a time; rate = COUNT / (first message → last ack() call). Acks are grouped by
//    both clients' defaults (100 ms). Which client reads first flips on a period of two rounds (C++,
//    dagpact, dagpact, C++, ...), so that each goes first as often on the topic written last as on the
//    one written before the other client's. dagpact is also measured reading with receiveBatch()
//    ("batch recv"), after both receive() reads.
// Medians of ROUNDS rounds; ratio = dagpact ÷ C++ client. Each consume also reports the consuming
// process's CPU per message over the same span (process.cpuUsage(); Python's time.process_time()) and
// its voluntary context switches per message, all threads (getrusage on both sides), and
// the broker's over the whole consume (subscription and start-up included) when its pid is known, and
// then also the broker's CPU and voluntary context switches per message by thread group (bookie-io-N-N,
// pulsar-io-N-N, ...), summed over the rounds: which of the broker's threads work more for one reader.
//
// Where the broker reads the entries from (BENCH_READ_FROM):
//  - bookie (default): no cursor is active while the topic is written, so the broker caches nothing and
//    reads every entry back from its bookie, one request per entry. That costs the broker 45-70 µs of CPU
//    per unbatched message, ten times either client, so it paces both readers.
//  - cache: a holder consumer (its own client and connection, a receiver queue of 1) is subscribed
//    before the C++ client writes, as a consumer that keeps up with a topic is. Its cursor is active, so
//    the broker keeps each entry in its cache as it is written, and both clients read from there: the
//    tailing read, where what is measured is the clients. Needs a broker whose cache holds a whole
//    topic for the length of a round; the benchmark checks the broker's runtime configuration and says
//    what to start it with otherwise. The cache is direct memory, on top of netty's buffers and the
//    bookie's caches: the harness's default 512m runs out (OutOfDirectMemoryError, connections reset).
//      PULSAR_DIRECT_MEMORY=1g PULSAR_EXTRA_CONF='managedLedgerCacheSizeMB=256;managedLedgerCacheEvictionTimeThresholdMillis=600000;managedLedgerCursorBackloggedThreshold=100000000' \
//        bash scripts/pulsar/harness.sh start   (after a stop: the settings apply when the broker starts)
//
//   npm run build && npx tsx bench/pulsar-client.ts   (needs a broker, e.g. scripts/pulsar/harness.sh start, and the test venv)
//
// Env: PULSAR_SERVICE_URL (default pulsar://127.0.0.1:6650), PULSAR_ADMIN_URL (default http://127.0.0.1:8080; the
// benchmark deletes its topics through it after each round: a run writes up to 4 GB), BENCH_PYTHON (default .venv/bin/python, the
// venv scripts/python/venv.sh creates), BENCH_MESSAGES (default 20000), BENCH_ROUNDS (default 5),
// BENCH_MODES (comma list of plain,batch,lz4,batch-lz4; default all), BENCH_BROKER_PID (default: the pulsar harness's pid file),
// BENCH_READ_FROM (bookie or cache, above; default bookie).
// First, as the dagpact command does (src/cli/main.ts): keeps process.nextTick on V8's fast path.
import '../src/support/tick-shape.js';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { CompressionType, Consumer } from '../src/pulsar/index.js';
import { fromDist } from './dist.js';
import { addThreadGroups, processCpuMicros, threadGroupDelta, threadGroupUsage, type ThreadGroups } from './proc-cpu.js';

// The client under test runs from the build (bench/dist.ts).
const { PulsarClient } = await fromDist<typeof import('../src/pulsar/index.js')>('pulsar/index.js');
type PulsarClient = InstanceType<typeof PulsarClient>;

const run = promisify(execFile);
const SERVICE_URL = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const ADMIN_URL = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const PYTHON = process.env.BENCH_PYTHON ?? '.venv/bin/python';
// The broker's CPU per message consumed, when its pid is known (the test harness's pid file, or
// BENCH_BROKER_PID): a consumer that waits more than it works is paced by the broker's side.
const BROKER_PID = process.env.BENCH_BROKER_PID ?? (() => { try { return readFileSync('.tmp/pulsar/default/broker.pid', 'utf8').trim(); } catch { return undefined; } })();
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MODES: Record<string, { batching: boolean; compression: CompressionType }> = {
  plain: { batching: false, compression: 'NONE' },
  batch: { batching: true, compression: 'NONE' },
  lz4: { batching: false, compression: 'LZ4' },
  'batch-lz4': { batching: true, compression: 'LZ4' },
};
const modes = (process.env.BENCH_MODES ?? Object.keys(MODES).join(',')).split(',').map((m) => m.trim()).filter(Boolean);
const PAYLOAD = Buffer.from(randomBytes(256).toString('hex') + 'x'.repeat(512)); // 1,024 bytes
const READ_FROM = process.env.BENCH_READ_FROM ?? 'bookie';
if (READ_FROM !== 'bookie' && READ_FROM !== 'cache') throw new Error(`BENCH_READ_FROM must be bookie or cache, not ${READ_FROM}`);

/**
 * For BENCH_READ_FROM=cache: the broker must keep a whole topic's entries (N of about 1.1 KiB, twice
 * over for headroom) for longer than a round, and must not deactivate the holder's cursor as backlogged.
 */
async function checkBrokerCache(): Promise<void> {
  const res = await fetch(`${ADMIN_URL}/admin/v2/brokers/configuration/runtime`);
  if (!res.ok) throw new Error(`could not read the broker's runtime configuration: HTTP ${res.status}`);
  const conf = (await res.json()) as Record<string, string>;
  const needed: Record<string, number> = {
    managedLedgerCacheSizeMB: Math.ceil((2 * N * (PAYLOAD.length + 100)) / (1024 * 1024)),
    managedLedgerCacheEvictionTimeThresholdMillis: 600_000,
    managedLedgerCursorBackloggedThreshold: 2 * N,
  };
  const short = Object.entries(needed).filter(([key, min]) => !(Number(conf[key]) >= min));
  if (short.length > 0) {
    throw new Error(`BENCH_READ_FROM=cache: the broker's ${short.map(([k]) => `${k} is ${conf[k]}`).join(', ')}; start it with `
      + `PULSAR_DIRECT_MEMORY=1g PULSAR_EXTRA_CONF='${Object.entries(needed).map(([k, v]) => `${k}=${Math.max(v, Number(conf[k]) || 0)}`).join(';')}' (scripts/pulsar/harness.sh)`);
  }
}

/** Per mode and reader: the broker's thread groups, summed over the rounds' receive() consumes. */
const brokerThreads: Record<string, { cpp: ThreadGroups; dagpact: ThreadGroups }> = {};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Deletes a topic of this run and its data (its subscriptions with it); a failure is reported, not fatal. */
async function deleteTopic(topic: string): Promise<void> {
  const path = topic.replace('persistent://', 'persistent/');
  try {
    const res = await fetch(`${ADMIN_URL}/admin/v2/${path}?force=true`, { method: 'DELETE' });
    if (!res.ok && res.status !== 404) console.error(`could not delete ${topic}: HTTP ${res.status} ${await res.text()}`);
  } catch (error) {
    console.error(`could not delete ${topic}: ${(error as Error).message}`);
  }
}

async function python(args: string[]): Promise<{ rate: number; count: number; errors?: number; cpu_us?: number; sleeps?: number }> {
  const { stdout } = await run(PYTHON, ['bench/python/pulsar_client_bench.py', ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no result from the Python client: ${stdout}`);
  return JSON.parse(line) as { rate: number; count: number; errors?: number; cpu_us?: number; sleeps?: number };
}

async function dagpactProduce(client: PulsarClient, topic: string, mode: { batching: boolean; compression: CompressionType }): Promise<number> {
  const producer = await client.createProducer({ topic, maxPendingMessages: 1000, compression: mode.compression,
    batchingMaxMessages: mode.batching ? 1000 : 1, batchingMaxDelayMs: 10 });
  const started = performance.now();
  const sends = new Array<Promise<unknown>>(N);
  for (let i = 0; i < N; i++) sends[i] = producer.send({ payload: PAYLOAD });
  await Promise.all(sends);
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  return N / seconds;
}

/** Rate, and this process's CPU (user + system, all threads) and voluntary context switches per message over the same span. */
async function dagpactConsume(client: PulsarClient, topic: string, subscription: string, style: 'receive' | 'batch'): Promise<{ rate: number; cpuUs: number; sleeps: number }> {
  const consumer: Consumer = await client.subscribe({ topic, subscription, subscriptionType: 'Shared', initialPosition: 'earliest', receiverQueueSize: 1000 });
  let got = 0;
  let started = 0;
  let cpu = process.cpuUsage();
  let sleeps = process.resourceUsage().voluntaryContextSwitches;
  if (style === 'receive') {
    while (got < N) {
      const m = await consumer.receive(30_000);
      if (!m) throw new Error(`dagpact consumer: timed out after ${got} messages`);
      if (got === 0) { started = performance.now(); cpu = process.cpuUsage(); sleeps = process.resourceUsage().voluntaryContextSwitches; }
      void consumer.ack(m);
      got++;
    }
  } else {
    while (got < N) {
      const batch = await consumer.receiveBatch(1000, 30_000);
      if (batch.length === 0) throw new Error(`dagpact consumer: timed out after ${got} messages`);
      if (got === 0) { started = performance.now(); cpu = process.cpuUsage(); sleeps = process.resourceUsage().voluntaryContextSwitches; }
      for (const m of batch) void consumer.ack(m);
      got += batch.length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  sleeps = process.resourceUsage().voluntaryContextSwitches - sleeps;
  await consumer.close();
  return { rate: got / seconds, cpuUs: (used.user + used.system) / got, sleeps: sleeps / got };
}

async function main() {
  if (READ_FROM === 'cache') await checkBrokerCache();
  const client = new PulsarClient({ serviceUrl: SERVICE_URL });
  // The holder's own client: its connection is not the measured consumers'.
  const holderClient = READ_FROM === 'cache' ? new PulsarClient({ serviceUrl: SERVICE_URL }) : undefined;
  const results: Record<string, Record<string, number[]>> = {};
  const runId = Date.now().toString(36);
  try {
    // Warm-up: JIT and connections on both sides, not measured.
    const warm = `persistent://public/default/bench-client-warm-${runId}`;
    await dagpactProduce(client, warm, MODES.plain!);
    await python(['produce', SERVICE_URL, warm, String(Math.min(N, 5000)), PAYLOAD.toString('base64'), '0', 'NONE']);
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of modes) {
        const mode = MODES[name];
        if (!mode) throw new Error(`unknown mode ${name} (plain, batch, lz4, batch-lz4)`);
        const r = (results[name] ??= { dagpactProduce: [], cppProduce: [], dagpactConsume: [], dagpactBatchConsume: [], cppConsume: [], dagpactCpu: [], dagpactBatchCpu: [], cppCpu: [], dagpactBroker: [], cppBroker: [], dagpactSleeps: [], cppSleeps: [] });
        const dTopic = `persistent://public/default/bench-client-${runId}-${name}-${round}-d`;
        const cTopic = `persistent://public/default/bench-client-${runId}-${name}-${round}-c`;
        const cpp = async () => {
          const p = await python(['produce', SERVICE_URL, cTopic, String(N), PAYLOAD.toString('base64'), mode.batching ? '1' : '0', mode.compression]);
          if (p.count !== N || p.errors) throw new Error(`C++ client produced ${p.count} with ${p.errors} errors`);
          r.cppProduce!.push(p.rate);
        };
        const ours = async () => { r.dagpactProduce!.push(await dagpactProduce(client, dTopic, mode)); };
        const holder = holderClient && await holderClient.subscribe({ topic: cTopic, subscription: 'holder', subscriptionType: 'Shared', initialPosition: 'earliest', receiverQueueSize: 1 });
        if (round % 2 === 0) { await ours(); await cpp(); } else { await cpp(); await ours(); }
        // Both consumers read the entries the C++ client wrote.
        const threads = (brokerThreads[name] ??= { cpp: new Map(), dagpact: new Map() });
        const cppRead = async () => {
          const b0 = processCpuMicros(BROKER_PID);
          const t0 = threadGroupUsage(BROKER_PID);
          const c = await python(['consume', SERVICE_URL, cTopic, 'cpp', String(N)]);
          r.cppBroker!.push((processCpuMicros(BROKER_PID) - b0) / N);
          addThreadGroups(threads.cpp, threadGroupDelta(t0, threadGroupUsage(BROKER_PID)));
          r.cppConsume!.push(c.rate);
          r.cppCpu!.push(c.cpu_us ?? NaN);
          r.cppSleeps!.push(c.sleeps ?? NaN);
        };
        const ourRead = async () => {
          const b0 = processCpuMicros(BROKER_PID);
          const t0 = threadGroupUsage(BROKER_PID);
          const one = await dagpactConsume(client, cTopic, 'dagpact', 'receive');
          r.dagpactBroker!.push((processCpuMicros(BROKER_PID) - b0) / N);
          addThreadGroups(threads.dagpact, threadGroupDelta(t0, threadGroupUsage(BROKER_PID)));
          r.dagpactConsume!.push(one.rate);
          r.dagpactCpu!.push(one.cpuUs);
          r.dagpactSleeps!.push(one.sleeps);
        };
        const ourBatchRead = async () => {
          const batch = await dagpactConsume(client, cTopic, 'dagpact-batch', 'batch');
          r.dagpactBatchConsume!.push(batch.rate);
          r.dagpactBatchCpu!.push(batch.cpuUs);
        };
        // The two receive() reads take turns at first and second, on a period of two rounds against the
        // produce order's one, so that over four rounds each reader goes first once on the topic written
        // last and once on the one written before the other. The batch read comes last either way, so
        // that neither receive() read ever follows it.
        if (((round ^ (round >> 1)) & 1) === 0) { await cppRead(); await ourRead(); } else { await ourRead(); await cppRead(); }
        await ourBatchRead();
        await holder?.close();
        await deleteTopic(dTopic); await deleteTopic(cTopic);
        const last = (xs: number[]) => xs.at(-1)!.toFixed(0);
        console.error(`round ${round + 1} ${name}: produce dagpact ${last(r.dagpactProduce!)} / C++ ${last(r.cppProduce!)}; `
          + `consume dagpact ${last(r.dagpactConsume!)} (batch recv ${last(r.dagpactBatchConsume!)}) / C++ ${last(r.cppConsume!)} msg/s; `
          + `consume CPU µs/msg dagpact ${last(r.dagpactCpu!)} (batch recv ${last(r.dagpactBatchCpu!)}) / C++ ${last(r.cppCpu!)}; `
          + `broker CPU µs/msg while dagpact's receive() consumed ${last(r.dagpactBroker!)} / the C++ client's ${last(r.cppBroker!)}`);
      }
    }
  } finally {
    await client.close();
    await holderClient?.close();
    await deleteTopic(`persistent://public/default/bench-client-warm-${runId}`);
  }
  console.log(`\n${N} messages of ${PAYLOAD.length} bytes per measurement, ${ROUNDS} rounds, read from the broker's ${READ_FROM}, medians (msg/s); ratio = dagpact / C++ client`);
  console.log('| mode | produce dagpact | produce C++ | ratio | consume+ack dagpact receive() | consume+ack C++ | ratio | dagpact receiveBatch() | ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of modes) {
    const r = results[name]!;
    const m = (k: string) => median(r[k]!);
    const ratios = (a: string, b: string) => r[a]!.map((x, i) => (x / r[b]![i]!).toFixed(2)).join(' ');
    console.log(`| ${name} | ${m('dagpactProduce').toFixed(0)} | ${m('cppProduce').toFixed(0)} | **${(m('dagpactProduce') / m('cppProduce')).toFixed(2)}** `
      + `| ${m('dagpactConsume').toFixed(0)} | ${m('cppConsume').toFixed(0)} | **${(m('dagpactConsume') / m('cppConsume')).toFixed(2)}** `
      + `| ${m('dagpactBatchConsume').toFixed(0)} | ${(m('dagpactBatchConsume') / m('cppConsume')).toFixed(2)} |`);
    console.error(`${name} per-round ratios: produce ${ratios('dagpactProduce', 'cppProduce')}; consume ${ratios('dagpactConsume', 'cppConsume')}; batch recv ${ratios('dagpactBatchConsume', 'cppConsume')}`);
  }
  // Both consumers are mostly waiting for the broker on this machine; the CPU each spends per message
  // is the client's own cost. Ratio = C++ client's CPU ÷ dagpact's (above 1: dagpact spends less).
  console.log('\nConsume + ack, CPU per message of the consuming process (µs, user + system, all threads) and its sleeps per message (voluntary context switches); medians');
  // Sleeps: the consuming process's voluntary context switches per message (all its threads; getrusage).
  // Few sleeps per message mean the process takes what arrives in long runs on one core.
  console.log('| mode | dagpact receive() | C++ client (Python loop included) | C++ ÷ dagpact | dagpact receiveBatch() | C++ ÷ dagpact | broker, dagpact receive() | broker, C++ client | sleeps/msg, dagpact receive() | sleeps/msg, C++ client |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of modes) {
    const r = results[name]!;
    const m = (k: string) => median(r[k]!);
    console.log(`| ${name} | ${m('dagpactCpu').toFixed(1)} | ${m('cppCpu').toFixed(1)} | **${(m('cppCpu') / m('dagpactCpu')).toFixed(2)}** `
      + `| ${m('dagpactBatchCpu').toFixed(1)} | ${(m('cppCpu') / m('dagpactBatchCpu')).toFixed(2)} | ${m('dagpactBroker').toFixed(1)} | ${m('cppBroker').toFixed(1)} `
      + `| ${m('dagpactSleeps').toFixed(3)} | ${m('cppSleeps').toFixed(3)} |`);
  }
  // Where the broker's CPU went while each client read (all rounds together): its busiest thread groups.
  for (const name of modes) {
    const t = brokerThreads[name];
    if (!t || t.cpp.size === 0) continue;
    const reads = N * ROUNDS;
    const groups = [...new Set([...t.cpp.keys(), ...t.dagpact.keys()])]
      .map((g) => ({ g, c: t.cpp.get(g) ?? { cpuMicros: 0, wakeups: 0 }, d: t.dagpact.get(g) ?? { cpuMicros: 0, wakeups: 0 } }))
      .filter(({ c, d }) => c.cpuMicros + d.cpuMicros > 0.5 * 2 * reads)
      .sort((a, b) => b.c.cpuMicros + b.d.cpuMicros - a.c.cpuMicros - a.d.cpuMicros);
    console.log(`\nBroker thread groups, ${name}, all rounds' receive() consumes: CPU µs and voluntary context switches per message`);
    console.log('| thread group | CPU while dagpact read | CPU while C++ read | dagpact ÷ C++ | switches while dagpact read | switches while C++ read |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const { g, c, d } of groups) {
      console.log(`| ${g} | ${(d.cpuMicros / reads).toFixed(2)} | ${(c.cpuMicros / reads).toFixed(2)} | ${(d.cpuMicros / c.cpuMicros).toFixed(2)} `
        + `| ${(d.wakeups / reads).toFixed(3)} | ${(c.wakeups / reads).toFixed(3)} |`);
    }
  }
}

await main();
