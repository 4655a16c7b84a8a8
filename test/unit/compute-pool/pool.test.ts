// The compute pool (src/compute-pool, docs/adr/0019): real worker threads. The real worker (loaded from
// src/ through tsx here; the e2e attack test runs the built one) answers as the in-process port does and
// its errors cross with code and details; a stand-in worker (fixtures/test-worker.mjs) blocks on a gate
// the test opens, crashes or spins, for the queue bound, crash replacement, deadline and shutdown.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeInlineCompute } from '../../../src/core/compute/inline.js';
import type { SchemaSource } from '../../../src/core/compute/port.js';
import type { ComputeTask } from '../../../src/core/compute/tasks.js';
import { DagpactError } from '../../../src/core/errors.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import { defaultWorkerEntry, makeComputePool, type ComputePool } from '../../../src/compute-pool/pool.js';
import { installShutdown } from '../../../src/start/shutdown.js';

const avro = (text: unknown): SchemaSource => ({ format: 'AVRO', text: JSON.stringify(text), references: [] });
const json = (text: unknown): SchemaSource => ({ format: 'JSON', text: JSON.stringify(text), references: [] });
const anyOf = (m: number, k: number) => ({ anyOf: Array.from({ length: m }, (_, i) => ({ type: 'object', properties: { [`p${i}`]: { type: 'string', maxLength: i + k } }, required: [`p${i}`] })) });
const v1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] };
const v2 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }, { name: 'total', type: 'double' }] };

async function rejection(promise: Promise<unknown>): Promise<DagpactError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DagpactError);
  return error as DagpactError;
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const pools: ComputePool[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('the real compute worker', () => {
  const real = (options: Partial<Parameters<typeof makeComputePool>[0]> = {}) => {
    const pool = makeComputePool({ size: 1, maxQueue: 8, maxWaitMs: 60_000, taskTimeoutMs: 60_000, ...options });
    pools.push(pool);
    return pool;
  };
  const inline = makeInlineCompute(makeFormats());

  it('gives the answers the in-process port gives', async () => {
    // From src/ the worker is compute-worker.ts behind a bootstrap that registers tsx (dist/: test/e2e/compute-pool-dist.test.ts).
    expect(defaultWorkerEntry()).toMatchObject({ eval: true, url: expect.stringContaining('compute-worker.ts') });
    const pool = real();
    expect(await pool.summarize(avro(v2), [])).toEqual(await inline.summarize(avro(v2), []));
    const pairs = [{ reader: avro(v2), writer: avro(v1) }, { reader: avro(v1), writer: avro(v2) }];
    const issues = await pool.backwardIssues(pairs);
    expect(issues).toEqual(await inline.backwardIssues(pairs));
    expect(issues[0]!.map((i) => i.rule)).toEqual(['READER_FIELD_MISSING_DEFAULT_VALUE']);
    const verdict = await pool.compatibility({ candidate: avro(v2), existing: [avro(v1)], level: 'FULL' });
    expect(verdict).toEqual(await inline.compatibility({ candidate: avro(v2), existing: [avro(v1)], level: 'FULL' }));
    expect(verdict.compatible).toBe(false);
    expect(await pool.readManifest('dag_id: d\nversion: "1"\n')).toEqual({ dag_id: 'd', version: '1' });
  }, 120_000);

  it('sends errors back with their code, message and details', async () => {
    const pool = real();
    const invalid = await rejection(pool.summarize(avro({ type: 'record', fields: [] })));
    expect(invalid.code).toBe('INVALID_SCHEMA');
    expect(invalid.status).toBe(422);
    expect((invalid.details as { problems: Array<{ path: string }> }).problems.map((p) => p.path)).toContain('$.name');

    // The work budget is a counter: the same 422 with its limit, whatever thread ran it.
    const tooComplex = await rejection(pool.compatibility({ candidate: json(anyOf(300, 1)), existing: [json(anyOf(300, 0))], level: 'BACKWARD' }));
    expect(tooComplex.code).toBe('SCHEMA_TOO_COMPLEX');
    expect((tooComplex.details as { limit: number }).limit).toBeGreaterThan(0);

    const duplicate = await rejection(pool.readManifest('dag_id: d\nversion: v\ndag_id: e\n'));
    expect(duplicate.code).toBe('INVALID_MANIFEST');
    expect(duplicate.details).toEqual({ problems: [{ path: '$.dag_id', message: 'is given twice; each key may appear once' }] });
  }, 120_000);
});

describe('the pool', () => {
  // gate[0]: 0 holds a blocked task, 1 releases it; gate[1]: how many tasks have blocked so far.
  const gated = (options: Partial<Parameters<typeof makeComputePool>[0]> = {}) => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const pool = makeComputePool({
      size: 1, maxQueue: 1, maxWaitMs: 5_000, taskTimeoutMs: 60_000, ...options,
      entry: { url: new URL('./fixtures/test-worker.mjs', import.meta.url) }, workerData: { gate: gate.buffer },
    });
    pools.push(pool);
    const release = () => { Atomics.store(gate, 0, 1); Atomics.notify(gate, 0); };
    const blocked = (n: number) => until(`${n} blocked task(s)`, () => Atomics.load(gate, 1) >= n);
    return { pool, release, blocked };
  };
  const task = (kind: string) => ({ kind }) as unknown as ComputeTask;

  it('bounds its queue: one task more than it may hold is refused at once with 429 and Retry-After', async () => {
    const { pool, release, blocked } = gated({ maxQueue: 1, maxWaitMs: 5_000 });
    const running = pool.run(task('block'));
    await blocked(1);
    const queued = pool.run(task('echo'));
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 });
    const refused = await rejection(pool.run(task('echo')));
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.status).toBe(429);
    expect(refused.details).toEqual({ retryAfterSeconds: 5 });
    release();
    expect(await running).toEqual({ echo: 'block' });
    expect(await queued).toEqual({ echo: 'echo' });
  });

  it('refuses work that waited too long for a worker with 503 and Retry-After', async () => {
    const { pool, release, blocked } = gated({ maxQueue: 4, maxWaitMs: 2_000 });
    const running = pool.run(task('block'));
    await blocked(1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const waiting = rejection(pool.run(task('echo')));
    vi.advanceTimersByTime(2_001);
    const refused = await waiting;
    expect(refused.code).toBe('COMPUTE_UNAVAILABLE');
    expect(refused.status).toBe(503);
    expect(refused.message).toMatch(/waited more than 2000 ms/);
    expect(refused.details).toEqual({ retryAfterSeconds: 2 });
    expect(pool.stats().queued).toBe(0);
    vi.useRealTimers();
    release();
    expect(await running).toEqual({ echo: 'block' });
  });

  for (const kind of ['crash', 'exit']) {
    it(`replaces a worker that dies (${kind}); its request gets a clear 503 and the next one is served`, async () => {
      const { pool } = gated();
      const failed = await rejection(pool.run(task(kind)));
      expect(failed.code).toBe('COMPUTE_UNAVAILABLE');
      expect(failed.message).toMatch(/the schema worker stopped .*it has been replaced/);
      expect(await pool.run(task('echo'))).toEqual({ echo: 'echo' });
      expect(pool.stats().replaced).toBe(1);
    });
  }

  it('stops a task past its deadline as too complex (422) and serves the next one on a new worker', async () => {
    const { pool } = gated();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const spinning = rejection(pool.run(task('spin')));
    vi.advanceTimersByTime(60_001);
    const stopped = await spinning;
    vi.useRealTimers();
    expect(stopped.code).toBe('SCHEMA_TOO_COMPLEX');
    expect(stopped.message).toMatch(/took longer than 60000 ms/);
    expect(await pool.run(task('echo'))).toEqual({ echo: 'echo' });
    expect(pool.stats().replaced).toBe(1);
  });

  it('is closed by the shutdown steps: running and queued work fail with 503, workers stop, new work is refused', async () => {
    const { pool, blocked } = gated({ maxQueue: 2 });
    const running = rejection(pool.run(task('block'))); // never released: only stopping its worker ends it
    await blocked(1);
    const queued = rejection(pool.run(task('echo')));
    const exit = vi.fn();
    const log = { info: vi.fn(), debug: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const shutdown = installShutdown({ log: log as never, deadlineMs: 30_000, exit, steps: [{ name: 'compute', run: () => pool.close() }] });
    try {
      await shutdown.shutdown('SIGTERM');
    } finally {
      shutdown.dispose();
    }
    expect(exit).toHaveBeenCalledWith(0);
    expect((await running).code).toBe('COMPUTE_UNAVAILABLE');
    expect((await queued).code).toBe('COMPUTE_UNAVAILABLE');
    expect((await rejection(pool.run(task('echo')))).message).toMatch(/shutting down/);
  });
});
