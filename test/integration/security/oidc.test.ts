// OIDC bearer tokens against a real OpenID Provider (npm oidc-provider) on 127.0.0.1: discovery, JWKS,
// audience, groups → roles, and a JWKS key rotation mid-run. The clock jose reads (Date) is faked so the
// JWKS cache and refetch cooldown are crossed without waiting.
import { decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeOidcVerifier, parseRoleMap } from '../../../src/oidc/oidc-verifier.js';
import { clientCredentialsToken, makeSigningKey, personToken, RESOURCE, startProvider, type RunningProvider, type TestClient } from '../../support/oidc-provider.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

const CI: TestClient = { id: 'ci-prod', secret: 'ci-secret-0123456789', groups: ['dagpact-ci', 'dagpact-deployers'] };
const OTHER: TestClient = { id: 'someone', secret: 'other-secret-0123456789', groups: ['unrelated'] };
const ALICE = { login: 'alice', groups: ['dagpact-oncall'] };
const ROLE_MAP = 'dagpact-ci=check;dagpact-deployers=deploy:prod;dagpact-oncall=payload:read:prod,deploy:prod';

let provider: RunningProvider;
let t: TestApp;
const CACHE_MS = 120_000;
const COOLDOWN_MS = 30_000;

let keyA: Awaited<ReturnType<typeof makeSigningKey>>;

beforeAll(async () => {
  keyA = await makeSigningKey('key-a');
  provider = await startProvider({ keys: [keyA], clients: [CI, OTHER], people: [ALICE] });
  const verifier = makeOidcVerifier({
    issuer: provider.issuer, audience: RESOURCE, rolesClaim: 'groups', roleMap: parseRoleMap(ROLE_MAP)!, clockSkewSeconds: 30,
    jwksCacheMaxAgeMs: CACHE_MS, jwksCooldownMs: COOLDOWN_MS,
  });
  t = await buildTestApp({ authReads: true, bearer: verifier });
});
afterAll(async () => { await t?.close(); await provider?.stop(); });
afterEach(() => { vi.useRealTimers(); });

const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe('OIDC bearer tokens', () => {
  it('parses the role map and refuses a bad one', () => {
    expect(parseRoleMap(ROLE_MAP)).toEqual({ 'dagpact-ci': ['check'], 'dagpact-deployers': ['deploy:prod'], 'dagpact-oncall': ['payload:read:prod', 'deploy:prod'] });
    expect(parseRoleMap('a=root')).toBeUndefined();
    expect(parseRoleMap('=read')).toBeUndefined();
  });

  it('a CI service account\'s client-credentials token gets the mapped roles, and its id is oidc:<iss>#<sub>', async () => {
    const token = await clientCredentialsToken(provider.issuer, CI);
    expect((await call(token, 'GET', '/v1/subjects')).statusCode).toBe(200);
    const reg = await call(token, 'POST', '/v1/subjects/oidc-a/versions', { schema: '"string"', format: 'AVRO' });
    expect(reg.statusCode, reg.body).toBe(201);
    const force = await call(token, 'POST', '/v1/deployments', { dag_id: 'x', version: 'v', environment: 'prod', force: true, reason: 'r' });
    expect(force.statusCode).toBe(403);
    expect(force.json().details.missing_permission).toBe('admin');
    const staging = await call(token, 'POST', '/v1/deployments', { dag_id: 'x', version: 'v', environment: 'staging' });
    expect(staging.json().details.missing_permission).toBe('deploy:staging');

    const audit = await t.app.inject({ method: 'GET', url: '/v1/audit?action=schema.register', headers: adminHeaders });
    expect(audit.json().events[0]).toMatchObject({ actor: `oidc:${provider.issuer}#ci-prod`, actor_name: 'ci-prod' });
  });

  it('a person signed in through the authorization-code flow gets the roles of their groups, under oidc:<iss>#<account>', async () => {
    const token = await personToken(provider.issuer, ALICE.login);
    const reg = await call(token, 'POST', '/v1/subjects/oidc-alice/versions', { schema: '"string"', format: 'AVRO' });
    expect(reg.statusCode).toBe(403);
    expect(reg.json().details).toMatchObject({ missing_permission: 'check', principal: `oidc:${provider.issuer}#alice` });
    const undeploy = await call(token, 'POST', '/v1/deployments', { dag_id: 'x', version: 'v', environment: 'prod' });
    expect(undeploy.statusCode).toBe(404); // allowed (deploy:prod); the DAG does not exist
  });

  it('a token whose groups map to nothing is authenticated but holds no role; forged, tampered or foreign tokens are 401', async () => {
    const other = await clientCredentialsToken(provider.issuer, OTHER);
    const res = await call(other, 'GET', '/v1/subjects');
    expect(res.statusCode).toBe(403);
    expect(res.json().details.principal).toBe(`oidc:${provider.issuer}#someone`);

    const good = await clientCredentialsToken(provider.issuer, CI);
    const [h, p, s] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = [h, Buffer.from(JSON.stringify({ ...payload, groups: ['dagpact-ci', 'admins'] })).toString('base64url'), s].join('.');
    expect((await call(tampered, 'GET', '/v1/subjects')).statusCode).toBe(401);
    const wrongAud = [h, Buffer.from(JSON.stringify({ ...payload, aud: 'https://other' })).toString('base64url'), s].join('.');
    expect((await call(wrongAud, 'GET', '/v1/subjects')).statusCode).toBe(401);
  });

  it('follows a JWKS key rotation: new keys are fetched on an unknown kid (rate-limited); a withdrawn key stops working once the cache refreshes', async () => {
    const oldToken = await clientCredentialsToken(provider.issuer, CI);
    expect(decodeProtectedHeader(oldToken).kid).toBe('key-a');
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now() + CACHE_MS + 1_000;
    vi.setSystemTime(t0); // the cached JWKS is stale now: this call fetches it at t0
    expect((await call(oldToken, 'GET', '/v1/subjects')).statusCode).toBe(200);

    // Rotation step 1: the provider signs with key-b and still publishes key-a.
    const keyB = await makeSigningKey('key-b');
    await provider.stop();
    provider = await startProvider({ keys: [keyB, keyA], clients: [CI, OTHER], people: [ALICE], port: provider.port });
    const newToken = await clientCredentialsToken(provider.issuer, CI);
    expect(decodeProtectedHeader(newToken).kid).toBe('key-b');

    // Within the cooldown after the last fetch, an unknown kid does not fetch again: refused.
    vi.setSystemTime(t0 + 1_000);
    expect((await call(newToken, 'GET', '/v1/subjects')).statusCode).toBe(401);
    const t1 = t0 + COOLDOWN_MS + 1_000;
    vi.setSystemTime(t1); // cooldown over: the unknown kid triggers a fetch, which has key-b
    expect((await call(newToken, 'GET', '/v1/subjects')).statusCode).toBe(200);
    expect((await call(oldToken, 'GET', '/v1/subjects')).statusCode).toBe(200);

    // Step 2: key-a is withdrawn. The cached key keeps working until the cache is older than its max age.
    await provider.stop();
    provider = await startProvider({ keys: [keyB], clients: [CI, OTHER], people: [ALICE], port: provider.port });
    vi.setSystemTime(t1 + 1_000);
    expect((await call(oldToken, 'GET', '/v1/subjects')).statusCode).toBe(200);
    vi.setSystemTime(t1 + CACHE_MS + 1_000);
    expect((await call(oldToken, 'GET', '/v1/subjects')).statusCode).toBe(401);
    expect((await call(newToken, 'GET', '/v1/subjects')).statusCode).toBe(200);
  });

  // Last: it moves the clock an hour ahead.
  it('honours exp with the configured clock skew', async () => {
    const token = await clientCredentialsToken(provider.issuer, CI);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((exp + 20) * 1000); // within the 30 s skew
    expect((await call(token, 'GET', '/v1/subjects')).statusCode).toBe(200);
    vi.setSystemTime((exp + 40) * 1000);
    expect((await call(token, 'GET', '/v1/subjects')).statusCode).toBe(401);
  });

});

