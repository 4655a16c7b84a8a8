// Authentication and permission checks for every route (docs/adr/0005). A route's permission comes from
// its config (`config: { scope: 'admin' }`), else from its method: reads need `read` (only when reads
// are protected), everything else needs `write`. `config: { permit }` adds permissions that depend on the
// validated request (the environment deployed to, force, NONE/IMPORT, permanent=true); they are checked
// after validation. `config: { public: true }` skips auth (health probes). Every refusal (401/403, also
// one raised by the core) is written to the audit log.
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteFacts } from './request-pipeline.js';
import type { AuditLog } from '../core/audit.js';
import { can, describe, type Principal, type TokenService } from '../core/auth.js';
import { DagpactError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The permission the route needs before its input is read. */
    scope?: string;
    /** Permissions that depend on the validated input; each with why it is needed. */
    permit?: (request: FastifyRequest) => Array<{ permission: string; because?: string }>;
    public?: boolean;
  }
}

const ANONYMOUS: Principal = { id: 'anonymous', name: 'anonymous', scopes: [] };
const OPEN_MODE: Principal = { id: 'anonymous', name: 'anonymous', scopes: ['admin'] };

function credential(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [kind, value] = header.split(/\s+/, 2);
  if (!kind || !value) return undefined;
  if (kind.toLowerCase() === 'bearer') return value;
  // Confluent clients send API key and secret as Basic auth; the password is the token.
  if (kind.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return undefined;
}

function forbidden(principal: Principal, permission: string, request: FastifyRequest, because?: string): DagpactError {
  return new DagpactError('FORBIDDEN',
    `${describe(principal)} lacks the "${permission}" permission needed for ${request.method} ${request.routeOptions.url}${because ? ` (${because})` : ''}`,
    { details: { missing_permission: permission, principal: principal.id } });
}

/** What the request pipeline asks of authentication: settle the caller and whether it may go on. */
export type Authenticate = (request: FastifyRequest, route: RouteFacts, done: (error?: Error) => void) => void;

/**
 * Installs what authentication needs on the app (the `principal` request field, the check of
 * input-dependent permissions on the routes that have them, the audit of refusals) and returns the
 * per-request step, which request-pipeline.ts runs in its one onRequest hook.
 */
export function installAuth(app: FastifyInstance, deps: { tokens: TokenService; authReads: boolean; audit: AuditLog }): Authenticate {
  app.decorateRequest('principal', null as unknown as Principal);
  /** The permission a route needs whatever its input: its `scope`, else `read` for reads (when protected), `write` otherwise. */
  const neededPermission = (request: FastifyRequest, config: FastifyContextConfig): string | undefined =>
    config.scope ?? (request.method === 'GET' || request.method === 'HEAD' ? (deps.authReads ? 'read' : undefined) : 'write');
  /** What onRequest decides once the caller is known: returns to go on, throws the refusal. */
  const admit = (request: FastifyRequest, route: RouteFacts, secret: string | undefined, principal: Principal | undefined): void => {
    const config = route.config;
    request.principal = principal ?? ANONYMOUS;
    if (config.public || !route.url) return;
    const needed = neededPermission(request, config);
    if (!needed && !config.permit) return;
    if (!principal) {
      throw new DagpactError('UNAUTHENTICATED', secret
        ? 'the token is unknown, expired or revoked; send a valid token as "Authorization: Bearer <token>"'
        : 'this endpoint needs a token; send "Authorization: Bearer <token>"');
    }
    // With input-dependent permissions the check waits for the validated input, so that a refusal names
    // the strongest permission missing (admin for permanent=true, not the write a soft delete needs).
    if (needed && !config.permit && !can(principal, needed)) throw forbidden(principal, needed, request);
  };
  // Input-dependent permissions, checked once the input is validated: a hook on the routes that have
  // them only, so no other request pays for it.
  const checkPermits = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    const config = request.routeOptions.config;
    try {
      for (const { permission, because } of config.permit!(request)) {
        if (!can(request.principal, permission)) throw forbidden(request.principal, permission, request, because);
      }
      const needed = neededPermission(request, config);
      if (needed && !can(request.principal, needed)) throw forbidden(request.principal, needed, request);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  };
  app.addHook('onRoute', (route) => {
    if (!route.config?.permit || !deps.tokens.enabled) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [checkPermits, ...own] as typeof route.preHandler;
  });
  // A refused attempt is an audit event of its own (there is no change to share a transaction with).
  app.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof DagpactError) || (error.code !== 'FORBIDDEN' && error.code !== 'UNAUTHENTICATED')) return;
    const principal = request.principal ?? ANONYMOUS;
    await deps.audit.record({
      actor: principal.id, actorName: principal.name, action: 'request.refused', targetType: 'route',
      targetId: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      details: { code: error.code, message: error.message, request_id: request.id },
    }).catch((err: unknown) => request.log.warn({ err }, 'recording a refused request in the audit log failed'));
  });
  // Only a request that carries a credential waits for its look-up; the rest are decided in this tick.
  return (request, route, done) => {
    if (!deps.tokens.enabled) { request.principal = OPEN_MODE; done(); return; }
    const secret = credential(request);
    const decide = (principal: Principal | undefined) => {
      try {
        admit(request, route, secret, principal);
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    };
    if (!secret) { decide(undefined); return; }
    deps.tokens.authenticate(secret).then(decide, (error: unknown) => done(error as Error));
  };
}
