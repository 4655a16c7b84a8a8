// Prometheus metrics of the HTTP API, served at /metrics.
import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

export function installMetrics(app: FastifyInstance, registry: Registry) {
  const duration = new Histogram({
    name: 'dagpact_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.get('/metrics', {
    config: { public: true },
    schema: { hide: true },
  }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
