// What the API does on every request, whatever the route, in one Fastify hook per phase
// (docs/adr/0023). Each step keeps its home (startup-gate.ts, hardening.ts, auth-hook.ts, metrics.ts);
// this file only says in which order they run. One hook instead of one per concern because each hook is
// a dispatch Fastify pays on every request, and a registry read is little more than that.
//
//   onRequest  - the socket marked busy (the idle sweep lets it be until the answer is handed to Node);
//                x-request-id and the security headers (set now, they go out with any answer, errors
//                included: no onSend hook is needed); wait for the database (not the probes); the Host
//                check and the failed-authentication limit; authentication and the route's permission
//   onResponse - a refused credential counted; the request-duration histogram
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticate } from './auth-hook.js';
import type { Hardening, IdleTimeoutGuard } from './hardening.js';
import type { RecordRequest } from './metrics.js';
import { startupWait, type Startup } from './startup-gate.js';

/** The route a request matched, read once per request (Fastify's `routeOptions` builds an object per read). */
export interface RouteFacts {
  /** The route's path pattern; undefined when no route matched. */
  readonly url: string | undefined;
  readonly config: FastifyContextConfig;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the request pipeline's first step. */
    routeFacts: RouteFacts | null;
  }
}

export interface RequestPipeline {
  startup?: Startup;
  idle: IdleTimeoutGuard;
  hardening: Hardening;
  authenticate: Authenticate;
  record: RecordRequest;
}

function factsOf(request: FastifyRequest): RouteFacts {
  const options = request.routeOptions;
  return { url: options.url, config: options.config ?? {} };
}

export function installRequestPipeline(app: FastifyInstance, steps: RequestPipeline): void {
  const { startup, idle, hardening, authenticate, record } = steps;
  app.decorateRequest('routeFacts', null);

  const admit = (request: FastifyRequest, reply: FastifyReply, route: RouteFacts, done: (error?: Error) => void) => {
    const refusal = hardening.refusal(request, reply);
    if (refusal) { done(refusal); return; }
    authenticate(request, route, done);
  };

  // Callback hooks throughout: an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    idle.busy(request, reply);
    reply.header('x-request-id', request.id);
    hardening.headers(request, reply);
    const route = factsOf(request);
    request.routeFacts = route;
    const wait = startup ? startupWait(startup, route.url) : undefined;
    if (wait) {
      void wait.then((refusal) => { if (refusal) done(refusal); else admit(request, reply, route, done); });
      return;
    }
    admit(request, reply, route, done);
  });

  app.addHook('onResponse', (request, reply, done) => {
    hardening.answered(request, reply);
    record(request, reply, request.routeFacts ?? factsOf(request));
    done();
  });
}
