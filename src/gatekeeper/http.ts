// The gatekeeper's own small HTTP listener: /healthz (readiness + routing status) and /metrics.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function startGatekeeperHttp(args: {
  host: string;
  port: number;
  metrics: Registry;
  status(): { ready: boolean; routingOk: boolean; stopping: boolean; topics: string[]; routes: number };
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const s = args.status();
      // Not ready until the first routing table is read (the database may still be down at start);
      // a later failed refresh keeps the last table, so routing_ok false alone is not unready.
      const ok = s.ready && !s.stopping;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : s.stopping ? 'unavailable' : 'starting', ready: s.ready, routing_ok: s.routingOk, topics: s.topics, routes: s.routes }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      args.metrics.metrics().then((body) => {
        res.writeHead(200, { 'content-type': args.metrics.contentType });
        res.end(body);
      }, (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error_code: 'ROUTE_NOT_FOUND', message: `${req.method} ${path} does not exist; try /healthz or /metrics` }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, args.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : args.port;
      resolve({ server, port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
