// Protections every response and request gets, whatever the route: security headers, the Host check
// that stops DNS rebinding while the API runs open, and the failed-authentication rate limit
// (docs/adr/0013). The request pipeline asks for the refusal before authentication, so refused requests
// never reach a token look-up.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Server, ServerResponse } from 'node:http';
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

/** Hardening's part of each request (request-pipeline.ts calls it): refusals before authentication,
 * headers on every answer, failed authentications counted after it. */
export interface Hardening {
  /** Why this request is refused before its credential is even looked at, if it is. */
  refusal(request: FastifyRequest, reply: FastifyReply): DagpactError | undefined;
  /** Headers every answer gets. */
  headers(request: FastifyRequest, reply: FastifyReply): void;
  /** After the answer: a refused credential counts toward its address's limit. */
  answered(request: FastifyRequest, reply: FastifyReply): void;
}

export function makeHardening(options: HardeningOptions): Hardening {
  const allowed = new Set([...LOOPBACK, ...options.allowedHosts.map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase())]);
  const limiter = makeAuthFailureLimiter(options.authFailures, options.now);
  // A client sends the same Host header on every request: the last one served is remembered as is.
  let servedHost: string | undefined;
  const served = (host: string | undefined) => {
    if (host !== undefined && host === servedHost) return true;
    if (!allowed.has(hostName(host))) return false;
    servedHost = host;
    return true;
  };
  return {
    refusal(request, reply) {
      if (options.openMode && !served(request.headers.host)) {
        // Without tokens, a page on another site could reach this server through DNS rebinding.
        return new DagpactError('FORBIDDEN', `the Host header "${String(request.headers.host ?? '').slice(0, 100)}" is not served while the API runs without ` +
          'authentication; use localhost or a host listed in DAGPACT_ALLOWED_HOSTS, or set DAGPACT_ADMIN_TOKEN');
      }
      if (request.headers.authorization !== undefined) {
        const wait = limiter.retryAfterSeconds(request.ip);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          return new DagpactError('TOO_MANY_REQUESTS', `too many failed authentications from ${request.ip}; retry in ${wait} s`);
        }
      }
      return undefined;
    },
    headers(request, reply) {
      reply.header('x-content-type-options', 'nosniff');
      // The raw URL (with any query) is a superset of the route's: no route without /tokens in its path
      // answers a token, and a stray no-store costs nothing.
      if (request.url.includes('/tokens')) reply.header('cache-control', 'no-store');
    },
    answered(request, reply) {
      if (reply.statusCode === 401 && request.headers.authorization !== undefined) limiter.recordFailure(request.ip);
    },
  };
}

/**
 * The idle timeout is for idle clients, not for the server's own work: a handler that awaits the
 * database or Pulsar for longer than it (no bytes on the socket meanwhile) keeps its connection. A
 * socket is closed once no byte has moved either way for `idleTimeoutMs` while no request on it is
 * being handled; a request counts from its start (its headers are in; requestTimeout still bounds the
 * body) until its answer is handed to Node (its headers written; a streamed answer that stalls because
 * the client does not read is idleness again). A client that sends nothing, or that does not read its
 * answer, is cut.
 *
 * It is a sweep, not Node's socket timeout (docs/adr/0025): every interval (a quarter of the timeout,
 * at most a second) each open socket's byte counters are compared with the last sweep's. A socket
 * timeout re-arms a timer on every read and write and twice per request; the sweep costs nothing per
 * request but one store, and a connection is cut between `idleTimeoutMs` and 1.25 × that.
 */
export interface IdleTimeoutGuard {
  /** A request has started on this socket: not idle until its answer is handed to Node. */
  busy(request: FastifyRequest, reply: FastifyReply): void;
}

const kState = Symbol('dagpact.idle');
/** The byte count at the last sweep, since when it has not moved, and the answer of the request in progress. */
interface IdleState { bytes: number; since: number; answer: ServerResponse | undefined }
type Tracked = Socket & { [kState]?: IdleState };

export function guardIdleTimeout(server: Server, idleTimeoutMs: number, now: () => number = Date.now): IdleTimeoutGuard {
  const sockets = new Set<Tracked>();
  server.on('connection', (socket: Tracked) => {
    socket[kState] = { bytes: 0, since: now(), answer: undefined };
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const sweep = () => {
    const t = now();
    for (const socket of sockets) {
      const state = socket[kState]!;
      const bytes = socket.bytesRead + socket.bytesWritten;
      if (bytes !== state.bytes || (state.answer !== undefined && !state.answer.headersSent)) {
        state.bytes = bytes;
        state.since = t;
      } else if (t - state.since >= idleTimeoutMs) {
        socket.destroy();
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  server.on('listening', () => {
    clearInterval(timer);
    timer = setInterval(sweep, Math.max(10, Math.min(1000, Math.floor(idleTimeoutMs / 4)))).unref();
  });
  server.on('close', () => clearInterval(timer));
  return {
    busy(request, reply) {
      const state = (request.raw.socket as Tracked | null)?.[kState];
      if (state) state.answer = reply.raw;
    },
  };
}
