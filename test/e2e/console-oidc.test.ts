// Sign-in to the web console with a real OpenID Provider (npm oidc-provider) in headless Chromium: the
// console discovers the provider from the configured issuer, runs the authorization-code flow with PKCE
// as a public client, the person signs in and consents on the provider's own pages, and the console
// calls the API with the access token it got. Roles come from the groups claim exactly as for the API:
// a person whose groups give read only sees read-only controls and is refused a write. axe-core on the
// console's pages; screenshots in .tmp/screenshots.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { launchChromium, openRoute, screenshot, seriousA11yViolations } from '../support/browser.js';
import { makeSigningKey, RESOURCE, startProvider, type RunningProvider } from '../support/oidc-provider.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN = 'e2e-console-oidc-admin-0123456789';
const CLIENT_ID = 'dagpact-console-spa';
const ALICE = { login: 'alice', groups: ['dagpact-oncall'] };
const BOB = { login: 'bob', groups: ['dagpact-viewers'] };
const ROLE_MAP = 'dagpact-oncall=write,payload:read:prod;dagpact-viewers=read';

let db: TestDatabase;
let provider: RunningProvider;
let server: ServerProcess;
let browser: Browser;
const problems: string[] = [];

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => { problems.push(`page error: ${e.message}`); });
  return page;
}

async function inspect(page: Page, name: string) {
  await screenshot(page, name);
  const violations = await seriousA11yViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

/** Clicks "Sign in with your organisation" and walks the provider's login and consent pages. */
async function signInThroughProvider(page: Page, login: string, shot?: string) {
  await page.click('#oidc-sign-in');
  await page.waitForURL((url) => url.origin === provider.issuer && url.pathname.startsWith('/interaction/'));
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any');
  if (shot) await screenshot(page, shot);
  await page.click('button[type=submit]');
  // Consent, the first time this person meets the console's client; then back to the console.
  const back = () => page.waitForURL((url) => url.origin === server.url);
  const where = await Promise.race([
    back().then(() => 'back', () => 'gone'),
    page.waitForSelector('input[name=prompt][value=consent]', { state: 'attached' }).then(() => 'consent', () => 'gone'),
  ]);
  if (where === 'consent') await page.click('button[type=submit]');
  await page.waitForURL((url) => url.origin === server.url);
}

beforeAll(async () => {
  db = await createPostgresTestDatabase();
  const port = await freePort();
  provider = await startProvider({
    keys: [await makeSigningKey('console-key')], clients: [], people: [ALICE, BOB],
    consoleClient: { id: CLIENT_ID, redirect: `http://127.0.0.1:${port}/ui/` },
  });
  server = await startServerProcess({
    DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, DAGPACT_AUTH_READS: 'true', DAGPACT_LOG_LEVEL: 'warn',
    DAGPACT_OIDC_ISSUER: provider.issuer, DAGPACT_OIDC_AUDIENCE: RESOURCE, DAGPACT_OIDC_ROLE_MAP: ROLE_MAP,
    DAGPACT_OIDC_CONSOLE_CLIENT_ID: CLIENT_ID, DAGPACT_OIDC_CONSOLE_SCOPES: 'openid api',
    // No Pulsar here (drift and lag say "not checked"), even when the suite's environment names a broker.
    PULSAR_ADMIN_URL: undefined, PULSAR_SERVICE_URL: undefined,
  }, { port });
  const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then(async (r) => { if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`); });
  await post('/v1/subjects/orders-value/versions', { schema: { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] } });
  const manifest = { dag_id: 'fraud', version: 'v1', consumes: [{ topic: 'persistent://public/default/orders', subject: 'orders-value', version: 1 }] };
  await post('/v1/dags', { manifest });
  await post('/v1/deployments', { dag_id: 'fraud', version: 'v1', environment: 'prod', force: true, reason: 'seed' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.stop();
  await db?.drop();
});

describe('console sign-in with the OpenID provider', () => {
  it('documents the provider in /v1/console/config and lets the page reach exactly its origin', async () => {
    const cfg = await (await fetch(`${server.url}/v1/console/config`)).json();
    expect(cfg).toEqual({ auth_enabled: true, oidc: { issuer: provider.issuer, client_id: CLIENT_ID, scopes: 'openid api', resource: RESOURCE } });
    const csp = (await fetch(`${server.url}/ui/`)).headers.get('content-security-policy')!;
    expect(csp.split('; ').find((d) => d.startsWith('connect-src'))).toBe(`connect-src 'self' ${provider.issuer}`);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('a person signs in through the provider, sees the pages their groups allow, and signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await newPage(context);
    await page.goto(`${server.url}/ui/#/contracts`);
    await page.waitForSelector('main[data-ready="signin"]');
    expect(await page.textContent('#oidc-sign-in')).toContain('Sign in with your organisation');
    await inspect(page, 'oidc-01-sign-in');

    await signInThroughProvider(page, ALICE.login, 'oidc-02-provider-login');
    // Back on the page the person asked for, signed in; the code is gone from the address bar.
    await page.waitForSelector('main[data-ready="/contracts"]');
    expect(new URL(page.url()).search).toBe('');
    expect(new URL(page.url()).hash).toBe('#/contracts');
    expect(await page.textContent('#whoami')).toContain('alice · can write');
    expect(await page.textContent('td[data-dag="fraud"][data-env="prod"] .version')).toBe('v1');
    // This server has no Pulsar admin API: drift is "not checked", not an error.
    expect(await page.getAttribute('td[data-dag="fraud"][data-env="prod"] .drift', 'data-drift')).toBe('not-checked');
    expect(await page.textContent('#drift-status')).toContain('Not checked');
    await inspect(page, 'oidc-03-signed-in-contracts');
    // The token is kept for this tab only.
    const stored = await page.evaluate(() => ({ session: sessionStorage.getItem('dagpact.token'), local: localStorage.length }));
    expect(stored.session?.split('.')).toHaveLength(3); // a JWT access token
    expect(stored.local).toBe(0);

    await openRoute(page, '#/quarantine?environment=prod');
    expect(await page.locator('#replay-all').count()).toBe(1);
    await inspect(page, 'oidc-04-quarantine-writer');

    // Sign-out forgets the tab's token and ends the provider's session (RP-initiated logout), then
    // comes back to the console.
    await page.click('text=Sign out');
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.click('button[name=logout][value=yes]');
    await page.waitForURL((url) => url.origin === server.url);
    await page.waitForSelector('main[data-ready="signin"]');
    expect(await page.evaluate(() => sessionStorage.getItem('dagpact.token'))).toBeNull();
    // Signing in again asks for the login: the provider's session is gone too.
    await page.click('#oidc-sign-in');
    await page.waitForURL((url) => url.origin === provider.issuer && url.pathname.startsWith('/interaction/'));
    await page.waitForSelector('input[name=login]');
    await context.close();
  });

  it('a person whose groups give read only sees read-only controls, and the API refuses their write', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await newPage(context);
    await page.goto(`${server.url}/ui/#/quarantine?environment=prod`);
    await page.waitForSelector('main[data-ready="signin"]');
    await signInThroughProvider(page, BOB.login);
    await page.waitForSelector('main[data-ready="/quarantine"]');
    expect(await page.textContent('#whoami')).toContain('bob · read-only');
    expect(await page.locator('#replay-all, #discard-all').count()).toBe(0);
    expect(await page.textContent('main')).toContain('Read-only');
    await inspect(page, 'oidc-05-quarantine-read-only');
    await openRoute(page, '#/overview');
    expect(await page.getAttribute('#gatekeeper-lag', 'data-backlog')).toBe('not-checked');
    await inspect(page, 'oidc-06-overview-read-only');
    // The same authorization as the API: the page's own token cannot write.
    const status = await page.evaluate(async () => (await fetch('/v1/subjects/sneaky-value/versions', {
      method: 'POST', headers: { authorization: `Bearer ${sessionStorage.getItem('dagpact.token')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ schema: '"string"' }),
    })).status);
    expect(status).toBe(403);

    // A token the API no longer accepts (here: its signature broken) sends the tab back to sign-in.
    await page.evaluate(() => sessionStorage.setItem('dagpact.token', `${sessionStorage.getItem('dagpact.token')}x`));
    await openRoute(page, '#/contracts');
    expect(await page.getAttribute('main', 'data-ready')).toBe('signin');
    expect(await page.textContent('main [role=alert]')).toContain('expired or was revoked');
    expect(await page.evaluate(() => sessionStorage.getItem('dagpact.token'))).toBeNull();
    await inspect(page, 'oidc-07-signed-out-expired');
    await context.close();
    expect(problems, 'no Content-Security-Policy violations or page errors').toEqual([]);
  });
});
