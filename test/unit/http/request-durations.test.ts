// The request-duration histogram kept by hand (metrics.ts) must read, through prom-client's registry,
// exactly as prom-client's own Histogram reads for the same observations.
import type { FastifyContextConfig } from 'fastify';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestDurations } from '../../../src/http/metrics.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Observation { route: FastifyContextConfig; method: string; url: string; status: number; seconds: number }

// Stand-ins for Fastify's per-route config objects (the histogram keys its series by their identity).
const routeA: FastifyContextConfig = {};
const routeB: FastifyContextConfig = {};
const notFound: FastifyContextConfig = {};

const cases: Array<{ name: string; observations: Observation[] }> = [
  { name: 'nothing observed', observations: [] },
  { name: 'one request', observations: [{ route: routeA, method: 'GET', url: '/a', status: 200, seconds: 0.0004 }] },
  {
    name: 'bucket edges, +Inf, two routes, two statuses, two methods, unmatched',
    observations: [
      { route: routeA, method: 'GET', url: '/a', status: 200, seconds: 0.001 },
      { route: routeA, method: 'GET', url: '/a', status: 200, seconds: 0.0010001 },
      { route: routeA, method: 'GET', url: '/a', status: 404, seconds: 3 },
      { route: routeA, method: 'HEAD', url: '/a', status: 200, seconds: 0.25 },
      { route: routeB, method: 'POST', url: '/b/:id', status: 201, seconds: 2.5 },
      { route: routeB, method: 'POST', url: '/b/:id', status: 201, seconds: 0 },
      { route: notFound, method: 'GET', url: 'unmatched', status: 404, seconds: 0.02 },
    ],
  },
];

describe('RequestDurations', () => {
  it.each(cases)('renders as prom-client renders its own histogram: $name', async ({ observations }) => {
    const ours = new Registry();
    const durations = new RequestDurations();
    ours.registerMetric(durations as never);
    const reference = new Registry();
    const histogram = new Histogram({
      name: 'dagpact_http_request_duration_seconds', help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const, buckets: BUCKETS, registers: [reference],
    });
    for (const o of observations) {
      durations.observe(o.route, o.method, o.url, o.status, o.seconds);
      histogram.observe({ method: o.method, route: o.url, status: String(o.status) }, o.seconds);
    }
    const sorted = (text: string) => text.split('\n').sort().join('\n');
    expect(sorted(await ours.metrics())).toBe(sorted(await reference.metrics()));
  });

  it('forgets everything on reset', async () => {
    const registry = new Registry();
    const durations = new RequestDurations();
    registry.registerMetric(durations as never);
    durations.observe(routeA, 'GET', '/a', 200, 0.01);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('route="/a"');
  });
});
