// A real OpenID Provider (npm `oidc-provider`) on 127.0.0.1 for tests: client-credentials grants with
// JWT access tokens for a resource (the audience), and a `groups` claim per client. `start` again on the
// same port with other keys to rotate the provider's JWKS.
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export const RESOURCE = 'https://dagpact.test/api';

export async function makeSigningKey(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

export interface TestClient { id: string; secret: string; groups: string[] }
/** A person who signs in through the provider's (development) login page. */
export interface TestPerson { login: string; groups: string[] }
export const WEB_CLIENT = { id: 'dagpact-console', secret: 'console-secret-0123456789', redirect: 'http://127.0.0.1:9/callback' };

export interface RunningProvider { issuer: string; port: number; stop(): Promise<void> }

/** The web console as the provider knows it: a public client (no secret) using authorization code + PKCE. */
export interface ConsoleClient { id: string; redirect: string }

export async function startProvider(args: { keys: JWK[]; clients: TestClient[]; people?: TestPerson[]; port?: number; consoleClient?: ConsoleClient }): Promise<RunningProvider> {
  const port = args.port ?? 0;
  const groupsOf = new Map(args.clients.map((c) => [c.id, c.groups]));
  const personGroups = new Map((args.people ?? []).map((p) => [p.login, p.groups]));
  let issuer = `http://127.0.0.1:${port}`;
  const make = (iss: string) => new Provider(iss, {
    clients: [
      ...args.clients.map((c) => ({
        client_id: c.id, client_secret: c.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      })),
      { client_id: WEB_CLIENT.id, client_secret: WEB_CLIENT.secret, grant_types: ['authorization_code'], redirect_uris: [WEB_CLIENT.redirect], response_types: ['code'] },
      ...(args.consoleClient ? [{
        client_id: args.consoleClient.id, token_endpoint_auth_method: 'none', grant_types: ['authorization_code'],
        redirect_uris: [args.consoleClient.redirect], post_logout_redirect_uris: [args.consoleClient.redirect], response_types: ['code'],
      }] : []),
    ],
    jwks: { keys: args.keys as never },
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api', audience: RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string; accountId?: string }) =>
      ({ groups: token.accountId ? personGroups.get(token.accountId) ?? [] : groupsOf.get(token.clientId ?? '') ?? [] }),
  } as never);
  // Port 0: listen first to learn the port, then build the provider whose issuer names it.
  const http = await import('node:http');
  let handler: ((req: unknown, res: unknown) => void) | undefined;
  // No keep-alive: a restarted provider must not meet sockets pooled by the previous one.
  const server: Server = http.createServer((req, res) => { res.shouldKeepAlive = false; handler!(req, res); });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as { port: number }).port;
  issuer = `http://127.0.0.1:${actual}`;
  handler = make(issuer).callback() as never;
  return {
    issuer, port: actual,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function clientCredentialsToken(issuer: string, client: TestClient): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api', resource: RESOURCE }),
  });
  const body = await res.json() as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/**
 * A person's access token through the authorization-code flow with PKCE: the browser's steps (sign-in
 * and consent on the provider's development pages, cookies kept between them) done with fetch.
 */
export async function personToken(issuer: string, login: string): Promise<string> {
  const { createHash, randomBytes } = await import('node:crypto');
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) { const [kv] = c.split(';'); const i = kv!.indexOf('='); jar.set(kv!.slice(0, i), kv!.slice(i + 1)); }
  };
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(url, issuer), { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: cookie() } });
    remember(res);
    return res;
  };
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL('/auth', issuer);
  auth.search = new URLSearchParams({
    client_id: WEB_CLIENT.id, response_type: 'code', redirect_uri: WEB_CLIENT.redirect, scope: 'openid api', resource: RESOURCE,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString();
  let res = await go(auth.toString());
  for (let step = 0; step < 10; step++) {
    const location = res.headers.get('location');
    if (!location) throw new Error(`the authorization flow stopped at ${res.status}: ${(await res.text()).slice(0, 300)}`);
    if (location.startsWith(WEB_CLIENT.redirect)) {
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`no code in ${location}`);
      const tokenRes = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${WEB_CLIENT.id}:${WEB_CLIENT.secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_CLIENT.redirect, code_verifier: verifier, resource: RESOURCE }),
      });
      const body = await tokenRes.json() as { access_token?: string };
      if (!body.access_token) throw new Error(`token exchange failed: ${JSON.stringify(body)}`);
      return body.access_token;
    }
    if (location.includes('/interaction/')) {
      const page = await go(location);
      const html = await page.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? (html.includes('name="login"') ? 'login' : 'consent');
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      res = await go(new URL(location, issuer).pathname, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    } else {
      res = await go(location);
    }
  }
  throw new Error('the authorization flow did not end in 10 steps');
}
