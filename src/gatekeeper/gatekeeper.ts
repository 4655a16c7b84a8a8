// The consumer loop: follows the routing table (polled from the database), keeps one Shared
// subscription per source topic, processes up to `concurrency` messages per topic at once, acks a
// message only after processMessage() resolved (everything durable) and nacks it on any failure.
// stop() drains: no new receives, in-flight messages finish, then consumers close.
import type { Logger } from 'pino';
import type { GatekeeperMetrics } from './metrics.js';
import { processMessage, type ProcessDeps } from './process-message.js';
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
  log: Logger;
}

/** A partition's messages belong to their partitioned topic's routes. */
export function baseTopic(topic: string): string {
  return topic.replace(/-partition-\d+$/, '');
}

export function makeGatekeeper(options: GatekeeperOptions) {
  const { log } = options;
  let routesByTopic = new Map<string, Route[]>();
  let marker: string | undefined;
  const loops = new Map<string, { consumer: TopicConsumer; stopped: boolean; done: Promise<void> }>();
  let refreshTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let lastRefreshOk = false;
  const inFlight = new Set<Promise<void>>();

  async function handle(consumer: TopicConsumer, message: SourceMessage) {
    options.metrics?.received(message);
    const routes = routesByTopic.get(options.normalizeTopic(baseTopic(message.topic))) ?? [];
    try {
      await processMessage(options.process, message, routes);
    } catch (error) {
      options.metrics?.nacked(message, error);
      log.warn({ topic: message.topic, messageId: message.messageId, redeliveryCount: message.redeliveryCount, err: error }, 'processing failed: nacked for redelivery');
      consumer.nack(message);
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

  async function runLoop(topic: string, state: { consumer: TopicConsumer; stopped: boolean }) {
    const mine = new Set<Promise<void>>();
    while (!state.stopped && !stopping) {
      if (mine.size >= options.concurrency) { await Promise.race(mine); continue; }
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
      const p = handle(state.consumer, message).finally(() => { mine.delete(p); inFlight.delete(p); options.metrics?.inFlight.dec(); });
      mine.add(p); inFlight.add(p); options.metrics?.inFlight.inc();
    }
    await Promise.allSettled([...mine]);
  }

  async function subscribe(topic: string) {
    const consumer = await options.consumers.subscribe({ topic, subscription: options.subscription });
    const state = { consumer, stopped: false, done: Promise.resolve() };
    state.done = runLoop(topic, state);
    loops.set(topic, state);
    log.info({ topic, subscription: options.subscription }, 'subscribed');
  }

  async function unsubscribe(topic: string) {
    const state = loops.get(topic);
    if (!state) return;
    loops.delete(topic);
    state.stopped = true;
    // Close first so a pending receive() returns; unacked messages stay in the durable subscription.
    await state.consumer.close().catch((err: unknown) => log.warn({ topic, err }, 'closing consumer failed'));
    await state.done;
    log.info({ topic }, 'unsubscribed: no active DAG version consumes it any more');
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
    for (const topic of [...loops.keys()]) if (!wanted.has(topic)) await unsubscribe(topic);
  }

  function schedule() {
    if (stopping) return;
    refreshTimer = setTimeout(() => {
      refresh().catch((err: unknown) => { lastRefreshOk = false; log.warn({ err }, 'routing refresh failed; keeping the last table'); })
        .finally(schedule);
    }, options.refreshMs);
  }

  return {
    /** Reads the routing table once (failing if it cannot), subscribes, and keeps following it. */
    async start() {
      await refresh();
      schedule();
    },
    /** Stop receiving, let in-flight messages settle, close every consumer. */
    async stop() {
      stopping = true;
      if (refreshTimer) clearTimeout(refreshTimer);
      await Promise.allSettled([...inFlight]);
      await Promise.allSettled([...loops.keys()].map(unsubscribe));
    },
    status: () => ({ topics: [...loops.keys()], routes: [...routesByTopic.values()].flat().length, routingOk: lastRefreshOk, stopping }),
    /** The routes currently in force (tests and the health endpoint). */
    routes: () => [...routesByTopic.values()].flat(),
  };
}

export type Gatekeeper = ReturnType<typeof makeGatekeeper>;
