// The compute pool: the API server's implementation of the core's compute port (core/compute/port.ts).
// A few worker threads run schema parsing, compatibility verdicts and manifest YAML reading, so no
// request's input holds the event loop (docs/adr/0019). Work waits in a bounded queue: a full queue is a
// 429, work that waited too long a 503, both with Retry-After. A worker that dies (out of memory, a
// crash, a task past its deadline) is replaced and its request gets a clear error.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LevelVerdict } from '../core/compat/levels.js';
import type { SchemaCompute, SchemaSummary } from '../core/compute/port.js';
import type { ComputeTask } from '../core/compute/tasks.js';
import { DagpactError } from '../core/errors.js';
import type { CompatibilityIssue } from '../core/formats/types.js';
import { fromWire, type ReplyMessage } from './protocol.js';

export interface ComputePoolOptions {
  /** Worker threads (at least 1). */
  size: number;
  /** Tasks that may wait for a worker; one more is refused with 429. */
  maxQueue: number;
  /** How long a task may wait for a worker before it is refused with 503. */
  maxWaitMs: number;
  /** How long a task may run before its worker is stopped (a safety net: the work budget is a counter). */
  taskTimeoutMs: number;
  /** Old-generation heap of each worker; running out stops that worker, not the server. */
  memoryLimitMb?: number;
  /** Byte budget of each worker's cache of parsed schemas. */
  cacheBytes?: number;
  /** The worker script; default: compute-worker next to this module (dist/ or, under tsx/vitest, src/). */
  entry?: WorkerEntry;
  /** Linux nice value (0-19) of each worker thread: the event loop wins the CPU when cores are scarce. Default 10. */
  nice?: number;
  /** Passed to the worker script as workerData (merged with cacheBytes and nice). */
  workerData?: Record<string, unknown>;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface WorkerEntry {
  /** The script, or (with `eval`) the code of a bootstrap that loads it. */
  url: URL | string;
  eval?: boolean;
  /** Node options of the worker; undefined: the process's own. */
  execArgv?: string[];
}

export interface ComputePool extends SchemaCompute {
  /** Runs one task (what the port's methods call). */
  run(task: ComputeTask): Promise<unknown>;
  stats(): { size: number; busy: number; queued: number; replaced: number };
  /** Refuses new work, fails queued and running work with COMPUTE_UNAVAILABLE and stops every worker. */
  close(): Promise<void>;
}

/**
 * The worker script beside this module: compute-worker.js in a build; compute-worker.ts when this module
 * runs from src/ (vitest, tsx), loaded through tsx's loader in the worker.
 */
export function defaultWorkerEntry(): WorkerEntry {
  const js = new URL('./compute-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js };
  const ts = new URL('./compute-worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(ts))) {
    // Node 20 does not carry `--import tsx` into a worker's own loader: register tsx in the worker, then load.
    const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(ts.href)}); })` +
      '.catch((error) => { setImmediate(() => { throw error; }); });';
    return { url: code, eval: true };
  }
  throw new Error(`the compute worker script is missing next to ${fileURLToPath(import.meta.url)}`);
}

interface Pending {
  id: number;
  task: ComputeTask;
  resolve(value: unknown): void;
  reject(error: Error): void;
  waitTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  running?: Pending;
  runTimer?: NodeJS.Timeout;
  /** Set when the pool stops this worker on purpose; its exit is then not a crash. */
  retired?: boolean;
  lastError?: Error & { code?: string };
}

const busy = (message: string, retryAfterSeconds: number) =>
  new DagpactError('COMPUTE_UNAVAILABLE', message, { details: { retryAfterSeconds } });

export function makeComputePool(options: ComputePoolOptions): ComputePool {
  const size = Math.max(1, Math.floor(options.size));
  const entry = options.entry ?? defaultWorkerEntry();
  const retryAfterSeconds = Math.max(1, Math.ceil(options.maxWaitMs / 1000));
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;
  let replaced = 0;
  let crashesInARow = 0;

  function spawn(index: number): void {
    const worker = new Worker(entry.url, {
      ...(entry.eval ? { eval: true } : {}),
      workerData: { ...options.workerData, nice: options.nice ?? 10, ...(options.cacheBytes ? { cacheBytes: options.cacheBytes } : {}) },
      ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      ...(options.memoryLimitMb ? { resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitMb } } : {}),
    });
    // Idle workers do not keep a process alive (a CLI run, a test); a listening server does anyway.
    worker.unref();
    const slot: Slot = { worker };
    slots[index] = slot;
    worker.on('message', (reply: ReplyMessage) => onReply(slot, reply));
    worker.on('error', (error) => { slot.lastError = error; });
    worker.on('exit', (code) => onExit(index, slot, code));
    pump(slot);
  }

  function onReply(slot: Slot, reply: ReplyMessage): void {
    const pending = slot.running;
    if (!pending || pending.id !== reply.id) return;
    clearTimeout(slot.runTimer);
    slot.running = undefined;
    crashesInARow = 0;
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(fromWire(reply.error));
    pump(slot);
  }

  function onExit(index: number, slot: Slot, code: number): void {
    clearTimeout(slot.runTimer);
    const pending = slot.running;
    slot.running = undefined;
    const onPurpose = slot.retired;
    slot.retired = true; // a dead worker takes no more work; its replacement does
    if (onPurpose || closed) {
      pending?.reject(busy('the schema computation was stopped: the server is shutting down', retryAfterSeconds));
      return;
    }
    const error = slot.lastError;
    if (pending) {
      if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        pending.reject(new DagpactError('SCHEMA_TOO_COMPLEX',
          `the schema computation ran out of memory (${options.memoryLimitMb ?? 'default'} MB); split the schema into smaller types or shorten large unions, anyOf/oneOf lists or enums`,
          { details: { problems: [{ path: '$', message: 'too large to process' }] } }));
      } else {
        pending.reject(busy(`the schema worker stopped (exit code ${code}${error ? `: ${error.message}` : ''}); it has been replaced, retry the request`, retryAfterSeconds));
      }
    }
    options.log?.error({ code, err: error, task: pending?.task.kind }, 'a compute worker stopped; starting another');
    replaced++;
    crashesInARow++;
    // A worker that cannot even start must not be restarted in a tight loop.
    const delay = crashesInARow > 3 ? 1000 : 0;
    setTimeout(() => { if (!closed) spawn(index); }, delay).unref();
  }

  function dispatch(slot: Slot, pending: Pending): void {
    clearTimeout(pending.waitTimer);
    slot.running = pending;
    slot.runTimer = setTimeout(() => {
      // Past its deadline: stop the worker (the only way to stop synchronous work) and answer now.
      slot.retired = true;
      slot.running = undefined;
      pending.reject(new DagpactError('SCHEMA_TOO_COMPLEX',
        `the schema computation took longer than ${options.taskTimeoutMs} ms and was stopped; split the schema into smaller types or shorten large unions, anyOf/oneOf lists or enums`,
        { details: { problems: [{ path: '$', message: 'too complex to process' }] } }));
      options.log?.warn({ task: pending.task.kind, timeoutMs: options.taskTimeoutMs }, 'a compute task ran past its deadline; replacing its worker');
      const index = slots.indexOf(slot);
      void slot.worker.terminate();
      replaced++;
      if (!closed) spawn(index);
    }, options.taskTimeoutMs);
    slot.runTimer.unref();
    slot.worker.postMessage({ id: pending.id, task: pending.task });
  }

  function pump(slot: Slot): void {
    if (closed || slot.running || slot.retired || slots[slots.indexOf(slot)] !== slot) return;
    const next = queue.shift();
    if (next) dispatch(slot, next);
  }

  function run(task: ComputeTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (closed) {
        reject(busy('the server is shutting down and takes no more schema work', retryAfterSeconds));
        return;
      }
      const pending: Pending = { id: nextId++, task, resolve, reject };
      const free = slots.find((s) => !s.running && !s.retired);
      if (free && queue.length === 0) {
        dispatch(free, pending);
        return;
      }
      if (queue.length >= options.maxQueue) {
        reject(new DagpactError('TOO_MANY_REQUESTS',
          `the server is busy with other schema work (${queue.length} requests waiting); retry in ${retryAfterSeconds} s`,
          { details: { retryAfterSeconds } }));
        return;
      }
      pending.waitTimer = setTimeout(() => {
        const at = queue.indexOf(pending);
        if (at < 0) return;
        queue.splice(at, 1);
        reject(busy(`the schema work waited more than ${options.maxWaitMs} ms for a free worker; retry in ${retryAfterSeconds} s`, retryAfterSeconds));
      }, options.maxWaitMs);
      pending.waitTimer.unref();
      queue.push(pending);
    });
  }

  for (let i = 0; i < size; i++) spawn(i);

  return {
    run,
    summarize: async (source, pinned) => await run({ kind: 'summarize', source, ...(pinned ? { pinned } : {}) }) as SchemaSummary,
    backwardIssues: async (pairs) => await run({ kind: 'backwardIssues', pairs }) as CompatibilityIssue[][],
    compatibility: async (args) => await run({ kind: 'compatibility', ...args }) as LevelVerdict,
    readManifest: (text) => run({ kind: 'readManifest', text }),
    stats: () => ({ size, busy: slots.filter((s) => s.running).length, queued: queue.length, replaced }),
    async close() {
      if (closed) return;
      closed = true;
      for (const pending of queue.splice(0)) {
        clearTimeout(pending.waitTimer);
        pending.reject(busy('the server is shutting down and takes no more schema work', retryAfterSeconds));
      }
      await Promise.all(slots.map(async (slot) => {
        slot.retired = true;
        await slot.worker.terminate();
      }));
    },
  };
}
