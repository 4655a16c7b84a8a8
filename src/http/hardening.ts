// Protections every response and request gets, whatever the route: security headers, the Host check
// that stops DNS rebinding while the API runs open, and the failed-authentication rate limit
// (docs/adr/0013). Installed before authentication so refused requests never reach a token look-up.
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import { DagpactError } from '../core/errors.js';
import { makeAuthFailureLimiter, type AuthFailureLimits } from './auth-failure-limiter.js';

export interface HardeningOptions {
  /** Open mode (no admin token): only these Host names are served. */
  openMode: boolean;
  allowedHosts: readonly string[];
  authFailures: AuthFailureLimits;
  now?: () => number;
}

/** The host name of a Host header, without port; IPv6 literals keep their brackets. */
export function hostName(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

export function installHardening(app: FastifyInstance, options: HardeningOptions): void {
  const allowed = new Set([...LOOPBACK, ...options.allowedHosts.map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase())]);
  const limiter = makeAuthFailureLimiter(options.authFailures, options.now);

  app.addHook('onRequest', async (request, reply) => {
    if (options.openMode && !allowed.has(hostName(request.headers.host))) {
      // Without tokens, a page on another site could reach this server through DNS rebinding.
      throw new DagpactError('FORBIDDEN', `the Host header "${String(request.headers.host ?? '').slice(0, 100)}" is not served while the API runs without ` +
        'authentication; use localhost or a host listed in DAGPACT_ALLOWED_HOSTS, or set DAGPACT_ADMIN_TOKEN');
    }
    if (request.headers.authorization !== undefined) {
      const wait = limiter.retryAfterSeconds(request.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new DagpactError('TOO_MANY_REQUESTS', `too many failed authentications from ${request.ip}; retry in ${wait} s`);
      }
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401 && request.headers.authorization !== undefined) limiter.recordFailure(request.ip);
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if ((request.routeOptions.url ?? request.url).includes('/tokens')) reply.header('cache-control', 'no-store');
  });
}

/**
 * Closes sockets that carried no traffic for `idleMs` and have no request in flight. Node's socket
 * timeout (Fastify's connectionTimeout) did not fire for a socket that never sends a byte once
 * headersTimeout/requestTimeout checking is on, so dagpact keeps its own once-a-second sweep.
 */
export function installIdleReaper(app: FastifyInstance, idleMs: number): void {
  // Only sockets that never started a request: a kept-alive socket is closed by Node's keepAliveTimeout,
  // which tells the client (Keep-Alive: timeout=N) so it does not send on a socket being closed.
  const sockets = new Map<Socket, { last: number; inFlight: number }>();
  app.server.on('connection', (socket: Socket) => {
    const state = { last: Date.now(), inFlight: 0 };
    sockets.set(socket, state);
    socket.on('data', () => { state.last = Date.now(); });
    socket.on('close', () => sockets.delete(socket));
  });
  const touch = (socket: Socket, delta: number) => {
    const state = sockets.get(socket);
    if (state) { state.last = Date.now(); state.inFlight = Math.max(0, state.inFlight + delta); }
  };
  app.addHook('onRequest', async (request) => { touch(request.raw.socket, 1); });
  // From its first answer on, a socket is Node's to time out (keepAliveTimeout); no longer swept here.
  app.addHook('onResponse', async (request) => { sockets.delete(request.raw.socket); });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [socket, state] of sockets) {
      if (state.inFlight === 0 && now - state.last > idleMs) socket.destroy();
    }
  }, Math.min(1000, idleMs));
  sweep.unref();
  app.addHook('onClose', async () => { clearInterval(sweep); });
}
