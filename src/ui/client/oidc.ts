// Sign-in with the company's OpenID provider (docs/adr/0017): the authorization-code flow with PKCE as a
// public client (RFC 7636, OAuth 2.0 for Browser-Based Apps): no client secret in the browser. The
// provider's endpoints come from discovery on the configured issuer; the verifier and state live in
// sessionStorage only between leaving for the provider and coming back; the access token is kept for
// this tab only, like an API token, and sent as a bearer token to the same API with the same authorization.
import { session } from './api.js';

export interface ConsoleConfig {
  auth_enabled: boolean;
  oidc: { issuer: string; client_id: string; scopes: string; resource: string } | null;
}
type OidcConfig = NonNullable<ConsoleConfig['oidc']>;

interface Discovery { issuer: string; authorization_endpoint: string; token_endpoint: string; end_session_endpoint?: string }

const PENDING = 'dagpact.oidc.pending';

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n: number) => b64url(crypto.getRandomValues(new Uint8Array(n)));
const trim = (url: string) => url.replace(/\/+$/, '');

/** Where the provider sends the browser back: the console's own page (registered at the provider). */
export const redirectUri = () => `${location.origin}/ui/`;

async function discover(cfg: OidcConfig): Promise<Discovery> {
  const url = `${trim(cfg.issuer)}/.well-known/openid-configuration`;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the provider's discovery document (${url}) answered ${res.status}`);
  const doc = await res.json() as Partial<Discovery>;
  if (typeof doc.issuer !== 'string' || trim(doc.issuer) !== trim(cfg.issuer) || !doc.authorization_endpoint || !doc.token_endpoint) {
    throw new Error(`the discovery document at ${url} does not name issuer ${cfg.issuer} with authorization and token endpoints`);
  }
  // The page may only call the issuer's origin (its Content-Security-Policy says so).
  if (new URL(doc.token_endpoint).origin !== new URL(cfg.issuer).origin) {
    throw new Error(`the provider's token endpoint ${doc.token_endpoint} is not on the issuer's origin; the console cannot call it`);
  }
  return doc as Discovery;
}

/** Leaves for the provider's sign-in page; comes back to redirectUri() with a code. */
export async function beginOidcSignIn(cfg: OidcConfig): Promise<void> {
  const d = await discover(cfg);
  const verifier = random(32);
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, hash: location.hash }));
  const url = new URL(d.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: cfg.client_id, redirect_uri: redirectUri(), scope: cfg.scopes, resource: cfg.resource,
    state, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/**
 * On the way back from the provider: exchanges the code for an access token (kept for this tab) and
 * puts the page the user was on back in the address bar. 'none' when this load is not a return.
 */
export async function completeOidcSignIn(cfg: OidcConfig | null): Promise<'none' | 'signed-in' | { error: string }> {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return 'none';
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { state: string; verifier: string; hash: string } | null;
  sessionStorage.removeItem(PENDING);
  // The code is single-use and must not stay in the address bar or the history.
  history.replaceState(null, '', `/ui/${pending?.hash ?? ''}`);
  if (q.has('error')) return { error: `The provider refused the sign-in: ${q.get('error_description') ?? q.get('error')}` };
  if (!cfg) return { error: 'Sign-in with an OpenID provider is not configured on this server.' };
  if (!pending || pending.state !== q.get('state')) return { error: 'That sign-in answer does not belong to this tab; sign in again.' };
  try {
    const d = await discover(cfg);
    const res = await fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: redirectUri(), client_id: cfg.client_id,
        code_verifier: pending.verifier, resource: cfg.resource,
      }),
    });
    const body = await res.json() as { access_token?: string; id_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) return { error: `The provider did not issue a token: ${body.error_description ?? body.error ?? res.status}` };
    session.signIn(body.access_token, {
      kind: 'oidc', ...(body.expires_in ? { expiresAt: Date.now() + body.expires_in * 1000 } : {}), ...(body.id_token ? { idToken: body.id_token } : {}),
    });
    return 'signed-in';
  } catch (error) {
    return { error: `Signing in with the provider failed: ${(error as Error).message}` };
  }
}

/**
 * Signs out of the console (the tab forgets its token) and, when the provider offers RP-initiated
 * logout, of the provider too; it sends the browser back to the console. False when the provider has
 * no end-session endpoint (only the tab's token is forgotten).
 */
export async function oidcSignOut(cfg: OidcConfig): Promise<boolean> {
  const idToken = session.meta()?.idToken;
  session.signOut();
  let d: Discovery;
  try { d = await discover(cfg); } catch { return false; }
  if (!d.end_session_endpoint) return false;
  const url = new URL(d.end_session_endpoint);
  url.search = new URLSearchParams({ client_id: cfg.client_id, post_logout_redirect_uri: redirectUri(), ...(idToken ? { id_token_hint: idToken } : {}) }).toString();
  location.assign(url.toString());
  return true;
}
