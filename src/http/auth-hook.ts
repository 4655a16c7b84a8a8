// Authentication and permission checks for every route (docs/adr/0005). A route's permission comes from
// its config (`config: { scope: 'admin' }`), else from its method: reads need `read` (only when reads
// are protected), everything else needs `write`. `config: { permit }` adds permissions that depend on the
// validated request (the environment deployed to, force, NONE/IMPORT, permanent=true); they are checked
// after validation. `config: { public: true }` skips auth (health probes). Every refusal (401/403, also
// one raised by the core) is written to the audit log.
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

export function installAuth(app: FastifyInstance, deps: { tokens: TokenService; authReads: boolean; audit: AuditLog }) {
  app.decorateRequest('principal', null as unknown as Principal);
  /** What onRequest decides once the caller is known: returns to go on, throws the refusal. */
  const admit = (request: FastifyRequest, secret: string | undefined, principal: Principal | undefined): void => {
    const config = request.routeOptions.config ?? {};
    request.principal = principal ?? ANONYMOUS;
    if (config.public || !request.routeOptions.url) return;
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    const needed = config.scope ?? (isRead ? (deps.authReads ? 'read' : undefined) : 'write');
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
  // Callback hooks: they run on every request, and an async hook costs a promise each; only a request
  // that carries a credential waits for its look-up.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!deps.tokens.enabled) { request.principal = OPEN_MODE; done(); return; }
    const secret = credential(request);
    const decide = (principal: Principal | undefined) => {
      try {
        admit(request, secret, principal);
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    };
    if (!secret) { decide(undefined); return; }
    deps.tokens.authenticate(secret).then(decide, (error: unknown) => done(error as Error));
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const config = request.routeOptions.config ?? {};
    if (!config.permit || !deps.tokens.enabled) { done(); return; }
    try {
      for (const { permission, because } of config.permit(request)) {
        if (!can(request.principal, permission)) throw forbidden(request.principal, permission, request, because);
      }
      const isRead = request.method === 'GET' || request.method === 'HEAD';
      const needed = config.scope ?? (isRead ? (deps.authReads ? 'read' : undefined) : 'write');
      if (needed && !can(request.principal, needed)) throw forbidden(request.principal, needed, request);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
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
}
