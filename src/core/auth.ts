// Identity and permissions. A principal (API token, OIDC bearer token, the bootstrap admin) holds
// roles; a request needs one permission, and `can` decides whether the roles grant it:
//   read                   every authenticated role can read
//   check                  register schemas and DAG versions, run pre-deploy checks (CI)
//   write                  legacy alias: check + registry settings and soft deletes + deploy:* (not payloads)
//   deploy:<env>           deploy/undeploy, replay/discard quarantined messages of <env> (`*` = every env)
//   payload:read:<env>     see quarantined payloads of <env> unredacted (`*` = every env)
//   admin                  everything, including force-deploys, NONE/IMPORT, permanent deletes, tokens, audit
// API tokens are random secrets shown once at creation; only their SHA-256 is stored. They expire, can
// be rotated (the old one keeps working for a grace period) and record when they were last used.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditEventInput } from './audit.js';
import { DagpactError } from './errors.js';

/** The roles a token can carry in its plain form; environment roles are `deploy:<env>`, `payload:read:<env>`. */
export const BASE_ROLES = ['read', 'check', 'write', 'admin'] as const;
/** Kept for compatibility with callers that listed the old three scopes. */
export const SCOPES = BASE_ROLES;
export type Role = string;

const ENV = '(?:\\*|[A-Za-z0-9][A-Za-z0-9._-]{0,99})';
export const ROLE_PATTERN = `^(?:read|check|write|admin|deploy:${ENV}|payload:read:${ENV})$`;
const ROLE_RE = new RegExp(ROLE_PATTERN);

export function isRole(value: string): boolean {
  return ROLE_RE.test(value);
}

/** Who made a request. `id` is unique and never chosen by a user: `token:<id>`, `oidc:<iss>#<sub>`, `bootstrap-admin`. */
export interface Principal {
  id: string;
  name: string;
  scopes: Role[];
}

function envRole(roles: readonly string[], prefix: string, env: string): boolean {
  return roles.includes(`${prefix}:${env}`) || roles.includes(`${prefix}:*`);
}

/** Whether the principal's roles grant `permission` (one of the permissions listed above). */
export function can(principal: Pick<Principal, 'scopes'>, permission: string): boolean {
  const roles = principal.scopes;
  if (roles.includes('admin')) return true;
  if (permission === 'read') return roles.length > 0;
  if (permission === 'check') return roles.includes('check') || roles.includes('write');
  if (permission === 'write') return roles.includes('write');
  if (permission.startsWith('deploy:')) return roles.includes('write') || envRole(roles, 'deploy', permission.slice('deploy:'.length));
  if (permission.startsWith('payload:read:')) return envRole(roles, 'payload:read', permission.slice('payload:read:'.length));
  return false;
}

/** @deprecated use `can`; kept for callers of the old scope check. */
export const hasScope = can;

/** Throws 403 naming the missing permission and what it was needed for. */
export function requirePermission(principal: Principal, permission: string, forWhat: string): void {
  if (can(principal, permission)) return;
  throw new DagpactError('FORBIDDEN',
    `${describe(principal)} lacks the "${permission}" permission needed for ${forWhat}`,
    { details: { missing_permission: permission, principal: principal.id } });
}

export function describe(principal: Principal): string {
  return principal.id === 'anonymous' ? 'an anonymous caller' : `principal "${principal.name}" (${principal.id})`;
}

export interface TokenRecord {
  id: number;
  name: string;
  scopes: Role[];
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  /** Set on a token that was rotated: its successor's id. */
  replacedBy: number | null;
}

export interface TokenStore {
  insertToken(args: { name: string; tokenHash: string; scopes: Role[]; createdBy: string; expiresAt: Date | null; audit: AuditEventInput }): Promise<TokenRecord>;
  findTokenByHash(args: { tokenHash: string }): Promise<TokenRecord | undefined>;
  listTokens(args: { includeRevoked: boolean }): Promise<TokenRecord[]>;
  /** Revokes and records `audit(record)` in one transaction; undefined when the token does not exist. */
  revokeToken(args: { id: number; audit: (record: TokenRecord) => AuditEventInput }): Promise<TokenRecord | undefined>;
  /**
   * In one transaction: locks the token, inserts its successor, sets the old one's expiry to `oldExpiresAt`
   * (never later than it was) and `replaced_by`, and records the audit event.
   */
  rotateToken(args: {
    id: number; tokenHash: string; createdBy: string; newExpiresAt: Date | null; oldExpiresAt: Date;
    audit: (old: TokenRecord, successor: TokenRecord) => AuditEventInput;
  }): Promise<{ old: TokenRecord; successor: TokenRecord } | 'revoked' | undefined>;
  /** Sets last_used_at unless it was set less than `minIntervalMs` ago (one cheap conditional update). */
  touchToken(args: { id: number; at: Date; minIntervalMs: number }): Promise<void>;
}

/** Verifies a bearer credential that is not an API token (e.g. an OIDC JWT); undefined = not valid. */
export interface BearerVerifier {
  /** Whether the credential looks like one this verifier handles (a JWT), so others are not tried. */
  accepts(secret: string): boolean;
  verify(secret: string): Promise<Principal | undefined>;
}

const TOKEN_PREFIX = 'dgp_';
/** last_used_at is written at most this often per token. */
export const LAST_USED_INTERVAL_MS = 60_000;

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function validateRoles(roles: string[]): string[] {
  if (roles.length === 0) {
    throw new DagpactError('VALIDATION_FAILED', 'scopes must name at least one role: read, check, write, admin, deploy:<env>, payload:read:<env>', {
      details: { problems: [{ path: '$.scopes', message: 'must not be empty' }] },
    });
  }
  const bad = roles.findIndex((r) => !isRole(r));
  if (bad >= 0) {
    throw new DagpactError('VALIDATION_FAILED', `$.scopes[${bad}]: "${roles[bad]}" is not a role; use read, check, write, admin, deploy:<env> or payload:read:<env>`, {
      details: { problems: [{ path: `$.scopes[${bad}]`, message: 'is not a role' }] },
    });
  }
  return [...new Set(roles)];
}

export interface TokenServiceDeps {
  store: TokenStore;
  adminToken: string | undefined;
  /** OIDC (or another issuer's) bearer tokens; tried for credentials it accepts. */
  bearer?: BearerVerifier;
  /** How long a rotated token keeps working by default (seconds). */
  rotationGraceSeconds?: number;
  clock?: () => Date;
}

export function makeTokenService(deps: TokenServiceDeps) {
  const adminHash = deps.adminToken ? createHash('sha256').update(deps.adminToken).digest() : undefined;
  const now = deps.clock ?? (() => new Date());
  const graceSeconds = deps.rotationGraceSeconds ?? 86_400;
  const event = (actor: Principal, action: string, targetId: string, details?: unknown): AuditEventInput =>
    ({ actor: actor.id, actorName: actor.name, action, targetType: 'token', targetId, details });
  const expiry = (seconds: number | undefined) => (seconds === undefined ? null : new Date(now().getTime() + seconds * 1000));

  return {
    /** Whether any credential can exist: without an admin token, the API runs open. */
    enabled: adminHash !== undefined || deps.bearer !== undefined,

    async authenticate(secret: string): Promise<Principal | undefined> {
      if (adminHash) {
        const given = createHash('sha256').update(secret).digest();
        if (timingSafeEqual(given, adminHash)) return { id: 'bootstrap-admin', name: 'bootstrap-admin', scopes: ['admin'] };
      }
      if (deps.bearer?.accepts(secret)) return deps.bearer.verify(secret);
      if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
      const record = await deps.store.findTokenByHash({ tokenHash: hashToken(secret) });
      const at = now();
      if (!record || record.revokedAt || (record.expiresAt && record.expiresAt <= at)) return undefined;
      if (!record.lastUsedAt || at.getTime() - record.lastUsedAt.getTime() >= LAST_USED_INTERVAL_MS) {
        await deps.store.touchToken({ id: record.id, at, minIntervalMs: LAST_USED_INTERVAL_MS });
      }
      return { id: `token:${record.id}`, name: record.name, scopes: record.scopes };
    },

    async create(args: { name: string; scopes: Role[]; expiresInSeconds?: number }, actor: Principal) {
      const scopes = validateRoles(args.scopes);
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const expiresAt = expiry(args.expiresInSeconds);
      const record = await deps.store.insertToken({
        name: args.name, tokenHash: hashToken(token), scopes, createdBy: actor.id, expiresAt,
        audit: event(actor, 'token.create', '?', { name: args.name, scopes, expires_at: expiresAt?.toISOString() ?? null }),
      });
      return { token, record };
    },

    list(args: { includeRevoked: boolean }) {
      return deps.store.listTokens(args);
    },

    async revoke(id: number, actor: Principal) {
      const record = await deps.store.revokeToken({ id, audit: () => event(actor, 'token.revoke', String(id)) });
      if (!record) throw new DagpactError('TOKEN_NOT_FOUND', `token ${id} does not exist`);
      return record;
    },

    /** Issues a successor with the same name and roles; the old token keeps working for `graceSeconds`. */
    async rotate(id: number, args: { graceSeconds?: number; expiresInSeconds?: number }, actor: Principal) {
      const grace = args.graceSeconds ?? graceSeconds;
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const out = await deps.store.rotateToken({
        id, tokenHash: hashToken(token), createdBy: actor.id, newExpiresAt: expiry(args.expiresInSeconds),
        oldExpiresAt: new Date(now().getTime() + grace * 1000),
        audit: (old, successor) => event(actor, 'token.rotate', String(old.id), { successor: successor.id, old_expires_at: old.expiresAt?.toISOString() }),
      });
      if (!out) throw new DagpactError('TOKEN_NOT_FOUND', `token ${id} does not exist`);
      if (out === 'revoked') throw new DagpactError('INVALID_STATE', `token ${id} is revoked; a revoked token cannot be rotated, create a new one`);
      return { token, record: out.successor, old: out.old };
    },
  };
}

export type TokenService = ReturnType<typeof makeTokenService>;
