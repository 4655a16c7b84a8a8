// OIDC bearer tokens from the company's identity provider (docs/adr/0005). The issuer's
// /.well-known/openid-configuration is read on first use (so the server starts while the provider is
// down), its JWKS fetched through jose's remote key set: cached for `jwksCacheMaxAgeMs`, refetched when a
// token names an unknown `kid` (key rotation) but at most once per `jwksCooldownMs`. Signature, issuer,
// audience, exp and nbf are checked with `clockSkewSeconds` of tolerance. A configurable claim (groups,
// roles, or a dotted path such as realm_access.roles) is mapped to dagpact roles by `roleMap`.
// The principal's id is `oidc:<iss>#<sub>`: unique, and never a name the user chose.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { isRole, type BearerVerifier, type Principal } from '../core/auth.js';
import { DagpactError } from '../core/errors.js';

export interface OidcSettings {
  issuer: string;
  /** The `aud` the tokens must carry (the resource indicator of the API). */
  audience: string;
  /** The claim holding groups or roles; dotted for nested claims. */
  rolesClaim: string;
  /** Claim value → dagpact roles. */
  roleMap: Record<string, string[]>;
  clockSkewSeconds: number;
  jwksCacheMaxAgeMs?: number;
  jwksCooldownMs?: number;
  /** Accepted signature algorithms (default: the asymmetric ones). */
  algorithms?: string[];
}

/** Parses `group=role[,role];group2=role` (the DAGPACT_OIDC_ROLE_MAP syntax); undefined on a bad entry. */
export function parseRoleMap(raw: string): Record<string, string[]> | undefined {
  const map: Record<string, string[]> = {};
  for (const entry of raw.split(';').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.lastIndexOf('=');
    if (eq <= 0) return undefined;
    const claim = entry.slice(0, eq).trim();
    const roles = entry.slice(eq + 1).split(',').map((r) => r.trim()).filter(Boolean);
    if (!claim || roles.length === 0 || !roles.every(isRole)) return undefined;
    map[claim] = [...new Set([...(map[claim] ?? []), ...roles])];
  }
  return Object.keys(map).length ? map : undefined;
}

function claimValues(payload: JWTPayload, path: string): string[] {
  let node: unknown = payload;
  for (const part of path.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  if (Array.isArray(node)) return node.filter((v): v is string => typeof v === 'string');
  if (typeof node === 'string') return node.split(/\s+/).filter(Boolean); // e.g. a space-separated `scope`
  return [];
}

const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+$/;
const DEFAULT_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export function makeOidcVerifier(settings: OidcSettings, options: { fetch?: typeof fetch } = {}): BearerVerifier & { discovered(): Promise<{ jwksUri: string }> } {
  const doFetch = options.fetch ?? fetch;
  const issuer = settings.issuer.replace(/\/+$/, '');
  let discovery: Promise<{ jwksUri: string; keys: ReturnType<typeof createRemoteJWKSet> }> | undefined;

  const unavailable = (what: string, cause: unknown) => new DagpactError('UPSTREAM_UNAVAILABLE',
    `the OpenID provider ${issuer} could not be reached (${what}); tokens from it cannot be checked right now, try again`, { cause });

  function discover() {
    discovery ??= (async () => {
      const url = `${issuer}/.well-known/openid-configuration`;
      let doc: { issuer?: unknown; jwks_uri?: unknown };
      try {
        const res = await doFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        doc = await res.json() as typeof doc;
      } catch (error) {
        throw unavailable(`discovery at ${url}: ${(error as Error).message}`, error);
      }
      // The document must be the issuer's own (OpenID Connect Discovery §4.3).
      if (typeof doc.issuer !== 'string' || doc.issuer.replace(/\/+$/, '') !== issuer || typeof doc.jwks_uri !== 'string') {
        throw new DagpactError('UPSTREAM_ERROR', `the discovery document at ${url} does not name issuer ${issuer} and a jwks_uri`);
      }
      const keys = createRemoteJWKSet(new URL(doc.jwks_uri), {
        cacheMaxAge: settings.jwksCacheMaxAgeMs ?? 600_000,
        cooldownDuration: settings.jwksCooldownMs ?? 30_000,
      });
      return { jwksUri: doc.jwks_uri, keys };
    })();
    // A failed discovery is retried by the next request, not cached.
    discovery.catch(() => { discovery = undefined; });
    return discovery;
  }

  return {
    accepts: (secret) => JWT_SHAPE.test(secret),

    async discovered() {
      return { jwksUri: (await discover()).jwksUri };
    },

    async verify(secret): Promise<Principal | undefined> {
      const { keys } = await discover();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(secret, keys, {
          issuer: [issuer, `${issuer}/`], audience: settings.audience, clockTolerance: settings.clockSkewSeconds,
          algorithms: settings.algorithms ?? DEFAULT_ALGS, requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWKSTimeout || (error instanceof TypeError && /fetch/i.test(error.message))) {
          throw unavailable('fetching its JWKS', error);
        }
        return undefined; // bad signature, unknown key after refetch, wrong issuer/audience, expired, not yet valid
      }
      const roles = new Set<string>();
      for (const value of claimValues(payload, settings.rolesClaim)) for (const r of settings.roleMap[value] ?? []) roles.add(r);
      // A person's token (authorization code) also names the client it was issued to (client_id): the
      // person is the subject, so sub comes before client_id; a client's own token has sub = the client.
      const name = [payload.preferred_username, payload.email, payload.sub, payload.client_id].find((v): v is string => typeof v === 'string')!;
      return { id: `oidc:${payload.iss}#${payload.sub}`, name, scopes: [...roles] };
    },
  };
}
