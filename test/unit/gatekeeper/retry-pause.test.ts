// Backoff while a dependency is down: which failures count as "down", the pause sequence, and the
// consumer loop and start-up following it (with in-memory fakes of the consumer and the routing table).
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DagpactError, errors } from '../../../src/core/errors.js';
import { translate } from '../../../src/gatekeeper/adapters/pulsar.js';
import { makeGatekeeper } from '../../../src/gatekeeper/gatekeeper.js';
import type { ProcessDeps } from '../../../src/gatekeeper/process-message.js';
import { isTransientFailure, makeReceivePause } from '../../../src/gatekeeper/retry-pause.js';
import type { RoutingSource, SourceMessage, TopicConsumer } from '../../../src/gatekeeper/types.js';
import { PulsarClientError } from '../../../src/pulsar/index.js';
import { translateDbError } from '../../../src/store/db-errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const wrapped = (cause: unknown) => new Error('Failed query: insert into "quarantine_records" ...', { cause });

describe('isTransientFailure', () => {
  // Codes only: the adapters translate their failures once (store/db-errors.ts, the Pulsar adapter,
  // the Airflow client); an error none of them translated is not taken for an outage.
  it.each([
    ['connection refused, translated by the store', translateDbError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')), true],
    ['a reset inside a drizzle query error', wrapped(translateDbError(withCode('read ECONNRESET', 'ECONNRESET'))), true],
    ['pg: connection terminated (message only)', wrapped(translateDbError(new Error('Connection terminated unexpectedly'))), true],
    ['pg: the server is starting up (57P03)', translateDbError(withCode('the database system is starting up', '57P03')), true],
    ['DATABASE_UNAVAILABLE', errors.databaseUnavailable(), true],
    ['a broker error translated by the adapter', new DagpactError('UPSTREAM_UNAVAILABLE', 'publishing to t: timeout'), true],
    ['a broker refusal translated by the adapter', translate(new PulsarClientError('AUTHORIZATION_FAILED', 'no'), 'publishing'), false],
    ['a unique violation (23505)', wrapped(translateDbError(withCode('duplicate key value', '23505'))), false],
    ['a socket error no adapter translated', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), false],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'dagId')"), false],
    ['INTERNAL', new DagpactError('INTERNAL', 'unexpected'), false],
    ['not an error', 'boom', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isTransientFailure(error)).toBe(expected);
  });
});

describe('receive pause', () => {
  const noJitter = () => 0.5;
  it.each([
    ['failures right after each pause double it up to the cap', [0, 100, 300, 700, 1_500, 2_300], [100, 200, 400, 800, 800, 800]],
    ['a failure during a pause starts none', [0, 50, 100], [100, 0, 200]],
    ['a quiet period (2 × the last pause, at least 1 s) resets it', [0, 100, 300, 1_701], [100, 200, 400, 100]],
    ['just inside the quiet period it keeps growing', [0, 100, 300, 1_700], [100, 200, 400, 800]],
  ])('%s', (_name, failures, pauses) => {
    const pause = makeReceivePause({ initialMs: 100, maxMs: 800, random: noJitter });
    expect(failures.map((at) => pause.failed(at))).toEqual(pauses);
  });

  it('jitters by at most ±20 %', () => {
    expect(makeReceivePause({ initialMs: 1_000, random: () => 0 }).failed(0)).toBe(800);
    expect(makeReceivePause({ initialMs: 1_000, random: () => 0.999_999 }).failed(0)).toBe(1_200);
  });
});

const log = pino({ level: 'silent' });
const topic = 'persistent://public/default/orders';
const noJitter = () => 0.5;

/**
 * A consumer whose broker redelivers a nacked message at once (the worst case for a retry storm). It
 * notes the (fake) times of every receive; after `budget` receives it waits until closed, so a loop that
 * never pauses ends instead of spinning forever at one instant of fake time.
 */
function instantRedeliveryConsumer(count: number, budget = 1_000) {
  const queue: SourceMessage[] = Array.from({ length: count }, (_, i) => ({ topic, messageId: `1:${i}:-1:-1`, payload: new Uint8Array(), properties: {}, redeliveryCount: 0 }));
  let close!: () => void;
  const closed = new Promise<undefined>((r) => { close = () => r(undefined); });
  const stats = { received: 0, acked: 0, nacked: 0, receiveStartedAt: [] as number[], receivedAt: [] as number[] };
  const consumer: TopicConsumer = {
    topic,
    async receive() {
      stats.receiveStartedAt.push(Date.now());
      // A real receive waits for I/O; here one (fake) macrotask, so the loop yields to timers between receives.
      await new Promise((r) => setImmediate(r));
      if (queue.length === 0 || stats.received >= budget) return closed;
      stats.received++;
      stats.receivedAt.push(Date.now());
      return queue.shift();
    },
    async ack() { stats.acked++; },
    nack(message) { stats.nacked++; queue.push({ ...message, redeliveryCount: message.redeliveryCount + 1 }); },
    async close() { close(); },
  };
  return { consumer, stats };
}

function processWith(fail: () => Error | undefined): ProcessDeps {
  return {
    resolver: { resolveAndDecideNow: async () => { const e = fail(); if (e) throw e; return { decisions: [], pulsarWriter: undefined }; } } as unknown as ProcessDeps['resolver'],
    sinks: {} as ProcessDeps['sinks'],
    poisonRedeliveries: 1_000_000,
  };
}

const routing = (table: RoutingSource['routingTable']): RoutingSource => ({ routingTable: table });
const oneRoute = async () => ({ marker: 'm', routes: [] });

describe('gatekeeper backoff', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 0 }); });
  afterEach(() => { vi.useRealTimers(); });

  it('the database is down: receiving pauses 50, 100, then 200 ms each time, no receive starts during a pause', async () => {
    const { consumer, stats } = instantRedeliveryConsumer(5, 100);
    const pauses: Array<{ time: number; pauseMs: number }> = [];
    const warnings = pino({ level: 'warn' }, { write: (line: string) => { const e = JSON.parse(line); if (e.pauseMs) pauses.push({ time: e.time, pauseMs: e.pauseMs }); } });
    const gk = makeGatekeeper({
      environment: 'test', routing: routing(oneRoute), consumers: { subscribe: async () => consumer }, process: processWith(() => errors.databaseUnavailable()),
      subscription: 's', topics: [topic], refreshMs: 60_000, concurrency: 2, normalizeTopic: (t) => t,
      retryPause: { initialMs: 50, maxMs: 200, random: noJitter }, log: warnings,
    });
    await gk.start();
    await vi.advanceTimersByTimeAsync(800);
    await gk.stop();
    // Without a pause every nacked message comes straight back (see the next case); with one there is
    // a burst of at most `concurrency` receives per pause.
    expect(pauses.map((p) => p.pauseMs)).toEqual([50, 100, 200, 200, 200, 200]);
    for (const p of pauses) {
      expect(stats.receiveStartedAt.filter((t) => t > p.time && t < p.time + p.pauseMs), `receives during the pause at ${p.time} ms`).toEqual([]);
    }
    expect(stats.received).toBeLessThanOrEqual(2 * (pauses.length + 1));
    expect(stats.nacked, 'every attempt is nacked (nothing dropped)').toBe(stats.received);
    expect(stats.acked).toBe(0);
  });

  it('a message-specific bug: no pause, every redelivery is received at once', async () => {
    const { consumer, stats } = instantRedeliveryConsumer(5, 300);
    const gk = makeGatekeeper({
      environment: 'test', routing: routing(oneRoute), consumers: { subscribe: async () => consumer }, process: processWith(() => new TypeError('bug')),
      subscription: 's', topics: [topic], refreshMs: 60_000, concurrency: 2, normalizeTopic: (t) => t,
      retryPause: { initialMs: 50, maxMs: 200, random: noJitter }, log,
    });
    await gk.start();
    await vi.advanceTimersByTimeAsync(800);
    await gk.stop();
    // Each fake receive takes one macrotask (1 ms of fake time): the budget runs out with no pause between.
    expect(stats.received).toBe(300);
    expect(Math.max(...stats.receivedAt.slice(1).map((t, i) => t - stats.receivedAt[i]!)), 'the longest gap between receives').toBeLessThanOrEqual(1);
    expect(stats.nacked).toBe(stats.received);
    expect(stats.acked).toBe(0);
  });

  it('starts while the routing table cannot be read, not ready until it can', async () => {
    let attempts = 0;
    const attemptedAt: number[] = [];
    const gk = makeGatekeeper({
      environment: 'test', consumers: { subscribe: async () => instantRedeliveryConsumer(0).consumer }, process: processWith(() => undefined),
      routing: routing(async () => {
        attemptedAt.push(Date.now());
        if (++attempts < 4) throw new Error('connect ECONNREFUSED', { cause: translateDbError(withCode('refused', 'ECONNREFUSED')) });
        return oneRoute();
      }),
      subscription: 's', topics: [topic], refreshMs: 60_000, concurrency: 1, normalizeTopic: (t) => t, retryPause: { initialMs: 10, maxMs: 40, random: noJitter }, log,
    });
    expect(gk.status().ready).toBe(false);
    const started = gk.start();
    await vi.advanceTimersByTimeAsync(5);
    expect(gk.status().ready).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await started;
    expect(attemptedAt).toEqual([0, 10, 30, 70]);
    expect(gk.status()).toMatchObject({ ready: true, routingOk: true, topics: [topic] });
    await gk.stop();
  });

  it('fails to start on an error that waiting will not fix', async () => {
    const gk = makeGatekeeper({
      environment: 'test', consumers: { subscribe: async () => instantRedeliveryConsumer(0).consumer }, process: processWith(() => undefined),
      routing: routing(async () => { throw new Error('the database is not migrated; run "dagpact migrate" first'); }),
      subscription: 's', refreshMs: 60_000, concurrency: 1, normalizeTopic: (t) => t, retryPause: { initialMs: 10 }, log,
    });
    await expect(gk.start()).rejects.toThrow(/not migrated/);
    expect(gk.status().ready).toBe(false);
  });
});
