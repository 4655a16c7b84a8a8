// Protections every response and request gets, whatever the route: security headers, the Host check
// that stops DNS rebinding while the API runs open, and the failed-authentication rate limit
// (docs/adr/0013). Installed before authentication so refused requests never reach a token look-up.
import type { FastifyInstance } from 'fastify';
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
 * The idle timeout (Fastify's connectionTimeout: Node's socket timeout) is for idle clients, not for the
 * server's own work: without this, a handler that awaits the database or Pulsar for longer than it (no
 * bytes on the socket meanwhile) has its connection reset under it. Suspended from the start of a
 * request (its headers are in; requestTimeout still bounds the body) until its answer is sent, which is
 * timed again so a client that does not read cannot hold the socket either.
 */
export function installIdleTimeout(app: FastifyInstance, idleMs: number): void {
  const set = (socket: { setTimeout?: (ms: number) => unknown } | undefined, ms: number) => {
    if (typeof socket?.setTimeout === 'function') socket.setTimeout(ms);
  };
  app.addHook('onRequest', async (request) => { set(request.raw.socket, 0); });
  app.addHook('onSend', async (request, _reply, payload) => {
    set(request.raw.socket, idleMs);
    return payload;
  });
}
