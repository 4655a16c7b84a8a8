// The gatekeeper's Prometheus metrics.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '../core/gatekeeper/decide.js';
import { PlainHistogram } from '../support/histogram.js';
import type { SourceMessage } from './types.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function makeGatekeeperMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'dagpact_gatekeeper_' });
  let routingRefreshedAt: number | undefined;
  const registers = [registry];
  // Counted per message in plain maps (topic → DAG → outcome and reason) and handed to the counter when
  // it is read: prom-client hashes a label object on every inc(), which every message would pay.
  interface Pending { labels: { outcome: string; reason: string; topic: string; dag_id: string }; count: number }
  const pendingDecisions = new Map<string, Map<string, Map<string, Pending>>>();
  const messages = new Counter({
    name: 'dagpact_gatekeeper_messages_total', help: 'Per-DAG decisions settled, by outcome, reason, topic and DAG',
    labelNames: ['outcome', 'reason', 'topic', 'dag_id'] as const, registers,
    collect() {
      for (const byDag of pendingDecisions.values()) {
        for (const byOutcome of byDag.values()) {
          for (const pending of byOutcome.values()) {
            if (pending.count > 0) { this.inc(pending.labels, pending.count); pending.count = 0; }
          }
        }
      }
    },
  });
  // Observed on every message: kept by hand (support/histogram.ts), rendered by prom-client.
  const decisionSeconds = new PlainHistogram('dagpact_gatekeeper_decision_seconds', 'Time to identify, resolve and decide one message', LATENCY_BUCKETS, registers);
  const endToEndSeconds = new PlainHistogram('dagpact_gatekeeper_end_to_end_seconds', 'From the source message publish time to its ack', LATENCY_BUCKETS, registers);
  const failures = new Counter({
    name: 'dagpact_gatekeeper_nacks_total', help: 'Messages negatively acknowledged after a transient failure',
    labelNames: ['topic', 'error'] as const, registers,
  });
  const redeliveries = new Counter({
    name: 'dagpact_gatekeeper_redeliveries_total', help: 'Messages received again (redelivery count > 0)',
    labelNames: ['topic'] as const, registers,
  });
  const pauses = new Counter({
    name: 'dagpact_gatekeeper_receive_pauses_total', help: 'Times a consumer stopped receiving for a while after a dependency was unavailable',
    labelNames: ['topic'] as const, registers,
  });
  const routes = new Gauge({ name: 'dagpact_gatekeeper_routes', help: 'Routes in the routing table', registers });
  const topics = new Gauge({ name: 'dagpact_gatekeeper_subscribed_topics', help: 'Source topics subscribed', registers });
  new Gauge({
    name: 'dagpact_gatekeeper_routing_table_age_seconds', help: 'Seconds since the routing table was last read from the database',
    registers,
    collect() { this.set(routingRefreshedAt === undefined ? -1 : (Date.now() - routingRefreshedAt) / 1000); },
  });
  // Changed twice per message: a plain count, handed to the gauge when it is read.
  let inFlightCount = 0;
  new Gauge({ name: 'dagpact_gatekeeper_in_flight', help: 'Messages being processed', registers, collect() { this.set(inFlightCount); } });

  return {
    registry,
    inFlight: { inc() { inFlightCount++; }, dec() { inFlightCount--; } },
    decision(message: SourceMessage, d: Decision, seconds: number) {
      let byDag = pendingDecisions.get(message.topic);
      if (!byDag) { byDag = new Map(); pendingDecisions.set(message.topic, byDag); }
      let byOutcome = byDag.get(d.dagId);
      if (!byOutcome) { byOutcome = new Map(); byDag.set(d.dagId, byOutcome); }
      const key = d.reasonCode === undefined ? d.outcome : `${d.outcome} ${d.reasonCode}`;
      let pending = byOutcome.get(key);
      if (!pending) {
        pending = { labels: { outcome: d.outcome, reason: d.reasonCode ?? '', topic: message.topic, dag_id: d.dagId }, count: 0 };
        byOutcome.set(key, pending);
      }
      pending.count++;
      decisionSeconds.observe(seconds);
    },
    acked(message: SourceMessage) {
      if (message.publishTime) endToEndSeconds.observe(Math.max(0, (Date.now() - message.publishTime.getTime()) / 1000));
    },
    received(message: SourceMessage) {
      if (message.redeliveryCount > 0) redeliveries.inc({ topic: message.topic });
    },
    nacked(message: SourceMessage, error: unknown) {
      const code = (error as { code?: unknown })?.code;
      failures.inc({ topic: message.topic, error: typeof code === 'string' ? code : (error as Error)?.name ?? 'Error' });
    },
    paused(topic: string) {
      pauses.inc({ topic });
    },
    routing(args: { routes: number; topics: number }) {
      routingRefreshedAt = Date.now();
      routes.set(args.routes);
      topics.set(args.topics);
    },
  };
}

export type GatekeeperMetrics = ReturnType<typeof makeGatekeeperMetrics>;
