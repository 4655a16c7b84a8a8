// Bearer-token authentication and scopes. Tokens are random secrets shown once at creation; only
// their SHA-256 is stored (a fast hash is enough for 256-bit random secrets). The admin token from
// config bootstraps everything else and is never stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditLog } from './audit.js';
import { DagpactError } from './errors.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who made a request: a stored token, the bootstrap admin, or anyone when auth is off. */
export interface Principal {
  id: string;
  name: string;
  scopes: Scope[];
}

export interface TokenRecord {
  id: number;
  name: string;
  scopes: Scope[];
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface TokenStore {
  insertToken(args: { name: string; tokenHash: string; scopes: Scope[]; createdBy: string }): Promise<TokenRecord>;
  findTokenByHash(args: { tokenHash: string }): Promise<TokenRecord | undefined>;
  listTokens(args: { includeRevoked: boolean }): Promise<TokenRecord[]>;
  revokeToken(args: { id: number }): Promise<TokenRecord | undefined>;
}

const TOKEN_PREFIX = 'dgp_';

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** admin ⊃ write ⊃ read. */
export function hasScope(principal: Principal, needed: Scope): boolean {
  const rank = { read: 0, write: 1, admin: 2 } as const;
  return principal.scopes.some((s) => rank[s] >= rank[needed]);
}

export function makeTokenService(deps: { store: TokenStore; audit: AuditLog; adminToken: string | undefined }) {
  const adminHash = deps.adminToken ? createHash('sha256').update(deps.adminToken).digest() : undefined;

  return {
    /** Whether any credential can exist: without an admin token, the API runs open. */
    enabled: adminHash !== undefined,

    async authenticate(secret: string): Promise<Principal | undefined> {
      if (adminHash) {
        const given = createHash('sha256').update(secret).digest();
        if (timingSafeEqual(given, adminHash)) return { id: 'bootstrap-admin', name: 'bootstrap-admin', scopes: ['admin'] };
      }
      if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
      const record = await deps.store.findTokenByHash({ tokenHash: hashToken(secret) });
      if (!record || record.revokedAt) return undefined;
      return { id: `token:${record.id}`, name: record.name, scopes: record.scopes };
    },

    async create(args: { name: string; scopes: Scope[] }, actor: Principal) {
      if (args.scopes.length === 0) {
        throw new DagpactError('VALIDATION_FAILED', 'scopes must name at least one of read, write, admin', {
          details: { problems: [{ path: '$.scopes', message: 'must not be empty' }] },
        });
      }
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const record = await deps.store.insertToken({
        name: args.name, tokenHash: hashToken(token), scopes: [...new Set(args.scopes)], createdBy: actor.name,
      });
      await deps.audit.record({ actor: actor.name, action: 'token.create', targetType: 'token', targetId: String(record.id), details: { name: args.name, scopes: record.scopes } });
      return { token, record };
    },

    list(args: { includeRevoked: boolean }) {
      return deps.store.listTokens(args);
    },

    async revoke(id: number, actor: Principal) {
      const record = await deps.store.revokeToken({ id });
      if (!record) throw new DagpactError('TOKEN_NOT_FOUND', `token ${id} does not exist`);
      await deps.audit.record({ actor: actor.name, action: 'token.revoke', targetType: 'token', targetId: String(id) });
      return record;
    },
  };
}

export type TokenService = ReturnType<typeof makeTokenService>;
