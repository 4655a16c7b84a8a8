// The consumer loop: follows the routing table (polled from the database), keeps one Shared
// subscription per source topic, processes up to `concurrency` messages per topic at once, acks a
// message only after processMessage() resolved (everything durable) and nacks it on any failure.
// A failure on an unavailable dependency (database, registry, broker) also pauses receiving on that
// consumer with exponential backoff (retry-pause.ts). start() keeps retrying the first routing table
// with backoff while the database is unreachable; status().ready turns true once it has one.
// stop() drains: no new receives, the routing refresh in flight ends (a consumer it subscribes after
// stop() began is closed at once), in-flight messages finish, then consumers close.
import type { Logger } from 'pino';
import { partitionedTopic } from '../core/gatekeeper/routes.js';
import type { GatekeeperMetrics } from './metrics.js';
import { processMessage, type ProcessDeps } from './process-message.js';
import { isTransientFailure, makeReceivePause, type ReceivePause, type ReceivePauseOptions } from './retry-pause.js';
import type { ConsumerFactory, Route, RoutingSource, SourceMessage, TopicConsumer } from './types.js';

export interface GatekeeperOptions {
  environment: string;
  routing: RoutingSource;
  consumers: ConsumerFactory;
  process: ProcessDeps;
  subscription: string;
  /** Subscribe to these topics instead of every topic an active DAG version consumes. */
  topics?: string[];
  refreshMs: number;
  concurrency: number;
  /** Maps a topic as contracts name it to the name messages carry (e.g. adds persistent://public/default/). */
  normalizeTopic(topic: string): string;
  metrics?: GatekeeperMetrics;
  /** Backoff of a consumer after a transient failure, and of start() while the routing table cannot be read. */
  retryPause?: ReceivePauseOptions;
  log: Logger;
}

interface LoopState {
  consumer: TopicConsumer;
  stopped: boolean;
  done: Promise<void>;
  pause: ReceivePause;
  /** Ends a running pause early (stop, closeConsumer). */
  wake?: () => void;
  /** Messages of this loop being handled (at most options.concurrency). */
  active: number;
  /** Woken when one of them has finished. */
  waiters: Array<() => void>;
}

/** Resolves when one of the loop's messages has finished. */
function oneFinished(state: LoopState): Promise<void> {
  return new Promise((resolve) => { state.waiters.push(resolve); });
}

/** Resolves when the loop has no message left being handled. */
async function drained(state: LoopState): Promise<void> {
  while (state.active > 0) await oneFinished(state);
}

/** Sleeps ms unless woken first (state.wake). */
function pauseFor(state: { wake?: () => void }, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { state.wake = undefined; resolve(); }, ms);
    state.wake = () => { clearTimeout(timer); state.wake = undefined; resolve(); };
  });
}


export function makeGatekeeper(options: GatekeeperOptions) {
  const { log } = options;
  let routesByTopic = new Map<string, Route[]>();
  let marker: string | undefined;
  const loops = new Map<string, LoopState>();
  let refreshTimer: NodeJS.Timeout | undefined;
  /** The refresh() running now, if any: stop() waits for it so it cannot subscribe behind stop's back. */
  let refreshing: Promise<void> | undefined;
  let stopping = false;
  let lastRefreshOk = false;
  let ready = false;
  const starting: { wake?: () => void } = {};
  // A message's topic → the key of its routes (normalizeTopic and the partition suffix, once per topic).
  const routeKeys = new Map<string, string>();
  const routeKey = (topic: string) => {
    let key = routeKeys.get(topic);
    if (key === undefined) { key = options.normalizeTopic(partitionedTopic(topic)); routeKeys.set(topic, key); }
    return key;
  };

  async function handle(state: LoopState, message: SourceMessage) {
    const consumer = state.consumer;
    options.metrics?.received(message);
    const routes = routesByTopic.get(routeKey(message.topic)) ?? [];
    try {
      await processMessage(options.process, message, routes);
    } catch (error) {
      options.metrics?.nacked(message, error);
      log.warn({ topic: message.topic, messageId: message.messageId, redeliveryCount: message.redeliveryCount, err: error }, 'processing failed: nacked for redelivery');
      consumer.nack(message);
      if (isTransientFailure(error)) {
        const ms = state.pause.failed(Date.now());
        if (ms > 0) {
          options.metrics?.paused(consumer.topic);
          log.warn({ topic: consumer.topic, pauseMs: ms, err: (error as Error)?.message }, 'a dependency is unavailable: pausing receiving on this topic');
        }
      }
      return;
    }
    try {
      await consumer.ack(message);
      options.metrics?.acked(message);
    } catch (error) {
      // The effects are durable; the broker will redeliver and the sinks deduplicate where they can.
      log.warn({ topic: message.topic, messageId: message.messageId, err: error }, 'ack failed after the message was settled');
    }
  }

  async function runLoop(topic: string, state: LoopState) {
    // A count and two callbacks per loop, not a promise set and a closure per message.
    const finished = () => {
      state.active--;
      options.metrics?.inFlight.dec();
      if (state.waiters.length > 0) {
        const waiters = state.waiters;
        state.waiters = [];
        for (const wake of waiters) wake();
      }
    };
    const failed = (error: unknown) => {
      log.error({ topic, err: error }, 'handling a message failed outside its own error handling');
      finished();
    };
    while (!state.stopped && !stopping) {
      if (state.active >= options.concurrency) { await oneFinished(state); continue; }
      const paused = state.pause.remaining(Date.now());
      if (paused > 0) { await pauseFor(state, paused); continue; }
      let message: SourceMessage | undefined;
      try {
        message = await state.consumer.receive();
      } catch (error) {
        if (state.stopped || stopping) break;
        log.warn({ topic, err: error }, 'receive failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!message) break;
      if (state.stopped || stopping) break; // not acked: redelivered to another consumer after close
      state.active++;
      options.metrics?.inFlight.inc();
      handle(state, message).then(finished, failed);
    }
    await drained(state);
  }

  async function subscribe(topic: string) {
    const consumer = await options.consumers.subscribe({ topic, subscription: options.subscription });
    if (stopping) {
      // stop() began while subscribing: it will not see this consumer, so it is closed here.
      await consumer.close().catch((err: unknown) => log.warn({ topic, err }, 'closing consumer failed'));
      return;
    }
    const state: LoopState = { consumer, stopped: false, done: Promise.resolve(), pause: makeReceivePause(options.retryPause), active: 0, waiters: [] };
    state.done = runLoop(topic, state);
    loops.set(topic, state);
    log.info({ topic, subscription: options.subscription }, 'subscribed');
  }

  /** Closes the topic's consumer; the durable subscription stays, with its unacked messages. */
  async function closeConsumer(topic: string) {
    const state = loops.get(topic);
    if (!state) return;
    loops.delete(topic);
    state.stopped = true;
    state.wake?.();
    // Close first so a pending receive() returns; unacked messages stay in the durable subscription.
    await state.consumer.close().catch((err: unknown) => log.warn({ topic, err }, 'closing consumer failed'));
    await state.done;
    log.info({ topic }, 'consumer closed: no active DAG version consumes it any more (the subscription stays)');
  }

  async function refresh() {
    const table = await options.routing.routingTable({ environment: options.environment });
    const next = new Map<string, Route[]>();
    for (const route of table.routes) {
      const topic = options.normalizeTopic(route.topic);
      next.set(topic, [...(next.get(topic) ?? []), route]);
    }
    routesByTopic = next;
    lastRefreshOk = true;
    const wanted = new Set((options.topics ?? [...next.keys()]).map(options.normalizeTopic));
    options.metrics?.routing({ routes: table.routes.length, topics: wanted.size });
    if (table.marker !== marker) {
      log.info({ marker: table.marker, routes: table.routes.length, topics: wanted.size }, 'routing table changed');
      marker = table.marker;
    }
    for (const topic of wanted) if (!loops.has(topic) && !stopping) await subscribe(topic);
    for (const topic of [...loops.keys()]) if (!wanted.has(topic)) await closeConsumer(topic);
    ready = true;
  }

  /** refresh(), tracked in `refreshing`. */
  function runRefresh(): Promise<void> {
    const run = refresh();
    refreshing = run;
    return run.finally(() => { if (refreshing === run) refreshing = undefined; });
  }

  function schedule() {
    if (stopping) return;
    refreshTimer = setTimeout(() => {
      runRefresh().catch((err: unknown) => { lastRefreshOk = false; log.warn({ err }, 'routing refresh failed; keeping the last table'); })
        .finally(schedule);
    }, options.refreshMs);
  }

  return {
    /**
     * Reads the routing table, subscribes, and keeps following it. While the table cannot be read for a
     * transient reason (database down) it retries with backoff, not ready; any other error is thrown.
     */
    async start() {
      const backoff = makeReceivePause(options.retryPause);
      for (;;) {
        if (stopping) return;
        try {
          await runRefresh();
          break;
        } catch (error) {
          if (!isTransientFailure(error)) throw error;
          lastRefreshOk = false;
          const ms = backoff.failed(Date.now());
          log.warn({ err: error, retryInMs: ms }, 'cannot read the routing table yet; retrying (not ready)');
          if (stopping) return;
          await pauseFor(starting, ms);
        }
      }
      schedule();
    },
    /** Stop receiving, let in-flight messages settle, close every consumer. */
    async stop() {
      stopping = true;
      starting.wake?.();
      for (const state of loops.values()) state.wake?.();
      if (refreshTimer) clearTimeout(refreshTimer);
      // A refresh inside subscribe() would otherwise add a consumer after the snapshot below.
      await refreshing?.catch(() => undefined);
      await Promise.all([...loops.values()].map(drained));
      await Promise.allSettled([...loops.keys()].map(closeConsumer));
    },
    status: () => ({ ready, topics: [...loops.keys()], routes: [...routesByTopic.values()].flat().length, routingOk: lastRefreshOk, stopping }),
    /** The routes currently in force (tests and the health endpoint). */
    routes: () => [...routesByTopic.values()].flat(),
  };
}

export type Gatekeeper = ReturnType<typeof makeGatekeeper>;
