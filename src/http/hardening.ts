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

  // Callback hooks throughout: they run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    if (options.openMode && !allowed.has(hostName(request.headers.host))) {
      // Without tokens, a page on another site could reach this server through DNS rebinding.
      done(new DagpactError('FORBIDDEN', `the Host header "${String(request.headers.host ?? '').slice(0, 100)}" is not served while the API runs without ` +
        'authentication; use localhost or a host listed in DAGPACT_ALLOWED_HOSTS, or set DAGPACT_ADMIN_TOKEN'));
      return;
    }
    if (request.headers.authorization !== undefined) {
      const wait = limiter.retryAfterSeconds(request.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        done(new DagpactError('TOO_MANY_REQUESTS', `too many failed authentications from ${request.ip}; retry in ${wait} s`));
        return;
      }
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode === 401 && request.headers.authorization !== undefined) limiter.recordFailure(request.ip);
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    if ((request.routeOptions.url ?? request.url).includes('/tokens')) reply.header('cache-control', 'no-store');
    done(null, payload);
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
  // Callback hooks, not async ones: they run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, _reply, done) => { set(request.raw.socket, 0); done(); });
  app.addHook('onSend', (request, _reply, payload, done) => {
    set(request.raw.socket, idleMs);
    done(null, payload);
  });
}
