// Authentication and scope checks for every route. A route's scope comes from its config
// (`config: { scope: 'admin' }`), else from its method: reads need `read` (only when reads are
// protected), everything else needs `write`. `config: { public: true }` skips auth (health probes).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasScope, type Principal, type Scope, type TokenService } from '../core/auth.js';
import { DagpactError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    scope?: Scope;
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

export function installAuth(app: FastifyInstance, deps: { tokens: TokenService; authReads: boolean }) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config ?? {};
    if (!deps.tokens.enabled) { request.principal = OPEN_MODE; return; }
    const secret = credential(request);
    const principal = secret ? await deps.tokens.authenticate(secret) : undefined;
    request.principal = principal ?? ANONYMOUS;
    if (config.public || !request.routeOptions.url) return;
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    const needed: Scope | undefined = config.scope ?? (isRead ? (deps.authReads ? 'read' : undefined) : 'write');
    if (!needed) return;
    if (!principal) {
      throw new DagpactError('UNAUTHENTICATED', secret
        ? 'the token is unknown or revoked; send a valid token as "Authorization: Bearer <token>"'
        : 'this endpoint needs a token; send "Authorization: Bearer <token>"');
    }
    if (!hasScope(principal, needed)) {
      throw new DagpactError('FORBIDDEN', `token "${principal.name}" lacks the "${needed}" scope needed for ${request.method} ${request.routeOptions.url}`);
    }
  });
}
