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

export interface RunningProvider { issuer: string; port: number; stop(): Promise<void> }

export async function startProvider(args: { keys: JWK[]; clients: TestClient[]; port?: number }): Promise<RunningProvider> {
  const port = args.port ?? 0;
  const groupsOf = new Map(args.clients.map((c) => [c.id, c.groups]));
  let issuer = `http://127.0.0.1:${port}`;
  const make = (iss: string) => new Provider(iss, {
    clients: args.clients.map((c) => ({
      client_id: c.id, client_secret: c.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
    })),
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
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => ({ groups: groupsOf.get(token.clientId ?? '') ?? [] }),
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
