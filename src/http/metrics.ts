// Prometheus metrics of the HTTP API, served at /metrics. The request-duration histogram is kept here
// rather than in prom-client's Histogram: every request observes it, and prom-client hashes a label
// object per observation. Here a series is found by the route's own config object (one per route, made
// by Fastify) and the status, and an observation is a few array increments; prom-client's registry
// still renders it, in the same text format, through the metric's get().
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { BucketCounts, type MetricValue } from '../support/histogram.js';
import type { RouteFacts } from './request-pipeline.js';

const NAME = 'dagpact_http_request_duration_seconds';
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Series {
  readonly labels: { method: string; route: string; status: string };
  readonly counts: BucketCounts;
}

/** The request-duration histogram, registered with prom-client's registry as a metric of its own. */
export class RequestDurations {
  readonly name = NAME;
  readonly help = 'HTTP request duration by route and status';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Per route (its config object), per method and status. */
  private byRoute = new WeakMap<FastifyContextConfig, Map<string, Series>>();
  private all: Series[] = [];

  observe(config: FastifyContextConfig, method: string, route: string, status: number, seconds: number): void {
    let perRoute = this.byRoute.get(config);
    if (!perRoute) { perRoute = new Map(); this.byRoute.set(config, perRoute); }
    // Methods are a handful of short strings and statuses three digits: the key is cheap to build.
    const key = method + status;
    let series = perRoute.get(key);
    if (!series) {
      series = { labels: { method, route, status: String(status) }, counts: new BucketCounts(BUCKETS) };
      perRoute.set(key, series);
      this.all.push(series);
    }
    series.counts.observe(seconds);
  }

  /** prom-client's registry renders this; the shape is that of its own histograms. */
  get() {
    const values: MetricValue[] = [];
    for (const s of this.all) values.push(...s.counts.values(NAME, s.labels));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.byRoute = new WeakMap();
    this.all = [];
  }
}

/** What the request pipeline records after each answer. */
export type RecordRequest = (request: FastifyRequest, reply: FastifyReply, route: RouteFacts) => void;

/** Serves /metrics and returns the per-request recorder the request pipeline calls. */
export function installMetrics(app: FastifyInstance, registry: Registry): RecordRequest {
  const durations = new RequestDurations();
  registry.registerMetric(durations as unknown as Parameters<Registry['registerMetric']>[0]);
  app.get('/metrics', {
    config: { public: true },
    schema: { hide: true },
  }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return (request, reply, route) => {
    durations.observe(route.config, request.method, route.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  };
}
