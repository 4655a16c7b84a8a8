// The web console in a real browser (Debian's headless Chromium via playwright-core) against the built
// server (`dagpact serve`, real PostgreSQL and Pulsar) and a real gatekeeper, with messages produced by
// the official Python Pulsar client. The scenario an on-call engineer walks through: sign in, see what
// the gatekeeper held and why, deploy a fixing contract, replay, discard, watch the matrix change, read
// a schema diff and the lineage graph. axe-core checks every page (0 serious or critical violations);
// screenshots of every page land in .tmp/screenshots.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresTestDatabase, type TestDatabase } from '../support/db.js';
import { launchChromium, openRoute, screenshot, seriousA11yViolations } from '../support/browser.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { ADMIN_URL, createNamespace, drain, produce, SERVICE_URL, startTestGatekeeper, waitFor } from '../integration/gatekeeper/support.js';

const ADMIN = 'e2e-console-admin-token-0123456789';
const ENV = 'prod';
const ORDER_V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const ORDER_V2 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
const ORDER_V3 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string' }] };
const ALERT = { type: 'record', name: 'Alert', namespace: 'shop', fields: [{ name: 'order_id', type: 'long' }, { name: 'score', type: 'double' }] };

let db: TestDatabase;
let server: ServerProcess;
let gk: Awaited<ReturnType<typeof startTestGatekeeper>>;
let gkStopped = false;
let browser: Browser;
let page: Page;
let ns: string;
const tokens: Record<'writer' | 'reader', string> = { writer: '', reader: '' };
const cspViolations: string[] = [];
const topic = (name: string) => `persistent://${ns}/${name}`;

async function call<T>(method: string, path: string, body?: unknown, token = ADMIN): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const manifest = (version: string, readsVersion: number) => ({
  dag_id: 'fraud', version,
  consumes: [{ topic: topic('orders'), subject: 'orders-value', version: readsVersion, trigger_topic: topic('trigger-fraud') }],
  produces: [{ topic: topic('alerts'), subject: 'alerts-value', schemaType: 'AVRO', schema: JSON.stringify(ALERT) }],
});

async function registerCheckDeploy(m: { dag_id: string; version: string }) {
  await call('POST', '/v1/dags', { manifest: m });
  const check = await call<{ passed: boolean }>('POST', '/v1/checks', { manifest: m, environment: ENV, pulsar: false });
  expect(check.passed, JSON.stringify(check)).toBe(true);
  await call('POST', '/v1/deployments', { dag_id: m.dag_id, version: m.version, environment: ENV });
}

async function heldIds(): Promise<number[]> {
  const r = await call<{ records: Array<{ id: number }> }>('GET', `/v1/quarantine?status=held&dag_id=fraud&environment=${ENV}`);
  return r.records.map((x) => x.id);
}

/** Screenshot and axe-core on the page as it is now. */
async function inspect(name: string) {
  await screenshot(page, name);
  const violations = await seriousA11yViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

/** Re-opens a route until `done` holds (data read from the broker is cached for a second). */
async function openUntil(hash: string, done: () => Promise<boolean>, what: string) {
  await waitFor(what, async () => { await openRoute(page, hash); return done(); }, { timeoutMs: 30_000, intervalMs: 500 });
}

const rowsOf = (selector: string) => page.locator(`${selector} tbody tr`).evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));

beforeAll(async () => {
  db = await createPostgresTestDatabase();
  ns = await createNamespace();
  gk = await startTestGatekeeper({ databaseUrl: db.url!, environment: ENV, ns, env: { DAGPACT_LOG_LEVEL: 'error' } });
  server = await startServerProcess({
    DATABASE_URL: db.url, DAGPACT_ADMIN_TOKEN: ADMIN, DAGPACT_LOG_LEVEL: 'warn',
    PULSAR_SERVICE_URL: SERVICE_URL, PULSAR_ADMIN_URL: ADMIN_URL,
    DAGPACT_TRIGGER_TOPIC_PATTERN: `persistent://${ns}/trigger-{dag_id}`,
    DAGPACT_GATEKEEPER_STATUS_URL: `http://127.0.0.1:${gk.http.port}`,
    DAGPACT_PULSAR_LIVE_CACHE_SECONDS: '1',
  });
  for (const schema of [ORDER_V1, ORDER_V2, ORDER_V3]) await call('POST', '/v1/subjects/orders-value/versions', { schema });
  tokens.writer = (await call<{ token: string }>('POST', '/v1/tokens', { name: 'on-call', scopes: ['write'] })).token;
  tokens.reader = (await call<{ token: string }>('POST', '/v1/tokens', { name: 'viewer', scopes: ['read'] })).token;
  // fraud v1 reads orders v3 (currency required, no default): what producers on v1 write is held.
  await registerCheckDeploy(manifest('v1', 3));
  await call('POST', '/v1/dags', { manifest: { dag_id: 'notify', version: 'n1', consumes: [{ topic: topic('alerts'), subject: 'alerts-value', version: 1 }] } });
  await call('POST', '/v1/checks', { manifest: { dag_id: 'notify', version: 'n1', consumes: [{ topic: topic('alerts'), subject: 'alerts-value', version: 1 }] }, environment: ENV, pulsar: false });
  await call('POST', '/v1/deployments', { dag_id: 'notify', version: 'n1', environment: ENV });
  await waitFor('gatekeeper subscribed', async () => (await fetch(`http://127.0.0.1:${gk.http.port}/healthz`)
    .then((r) => r.json() as Promise<{ topics: string[] }>)).topics.length === 2, 60_000, 200);
  await produce([{ topic: topic('orders'), mode: 'avro', schema: ORDER_V1, messages: [1, 2, 3].map((i) => ({ value: { id: i, amount: i * 10 }, properties: { seq: `o-${i}` } })) }]);
  await waitFor('three held messages', async () => (await heldIds()).length === 3, 60_000, 300);

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  page.on('pageerror', (e) => { cspViolations.push(`page error: ${e.message}`); });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (!gkStopped) await gk?.stop();
  await db?.drop();
});

describe('web console', () => {
  it('walks the on-call scenario in Chromium: sign in, inspect, fix, replay, discard, matrix, diff, lineage', async () => {
    // `/` redirects to the console, which asks for a token.
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await page.waitForSelector('main[data-ready="signin"]');
    await inspect('01-sign-in');
    await page.fill('#token', 'dgp_not-a-real-token');
    await page.click('form button[type=submit]');
    await page.waitForSelector('main[data-ready="signin"] [role=alert]');
    await page.fill('#token', tokens.writer);
    await page.click('form button[type=submit]');
    await page.waitForSelector('main[data-ready="/overview"]');
    expect(await page.textContent('#whoami')).toContain('on-call · can write');

    // Overview: the environment with its active versions, the gatekeeper's health, the held chart.
    const overview = await page.textContent('main');
    expect(overview).toContain('fraud');
    expect(overview).toContain('3 held');
    await page.waitForSelector('svg.chart rect[fill]');
    expect(overview).toMatch(/routing ok/);
    expect(overview, "the gatekeeper's own metrics: 3 quarantined").toMatch(/QUARANTINE\s*3/);
    // Its lag, from the broker: the subscription has taken everything.
    await openUntil('#/overview', async () => (await page.getAttribute('#gatekeeper-lag', 'data-backlog')) === '0', 'no backlog');
    expect(await page.textContent('#gatekeeper-lag')).toContain('Backlog 0 message(s)');
    expect(await page.textContent('#gatekeeper-lag')).toContain('dagpact-gatekeeper');
    await inspect('02-overview');

    // The chart's time range, chosen on the page and counted by the server (hour buckets for 24 hours).
    const statsRequest = page.waitForRequest((r) => r.url().includes('/v1/quarantine/stats') && r.url().includes('bucket=hour'));
    await page.evaluate(() => document.getElementById('main')!.removeAttribute('data-ready'));
    await page.click('a[data-range="24h"]');
    await page.waitForSelector('main[data-ready="/overview"]');
    const since = new URL((await statsRequest).url()).searchParams.get('since')!;
    expect(Date.now() - Date.parse(since)).toBeGreaterThan(23 * 3_600_000);
    expect(Date.now() - Date.parse(since)).toBeLessThan(25 * 3_600_000);
    expect(await page.textContent('#held-h')).toContain('last 24 hours');
    expect(await page.getAttribute('a[data-range="24h"]', 'aria-current')).toBe('true');
    expect(await page.textContent('#held-total')).toContain('3 held');
    await inspect('02b-overview-24h');
    await page.evaluate(() => document.getElementById('main')!.removeAttribute('data-ready'));
    await page.click('a[data-range="30d"]');
    await page.waitForSelector('main[data-ready="/overview"]');
    expect(await page.textContent('#held-h')).toContain('last 30 days');

    // Contracts matrix before the fix: fraud is at v1 in prod.
    // Drift against Pulsar: producers registered orders v1 on the topic, and fraud@v1 reads v3 (currency
    // required, no default), so it cannot read what is on the broker.
    const driftOf = () => page.getAttribute('td[data-dag="fraud"][data-env="prod"] .drift', 'data-drift');
    await openUntil('#/contracts', async () => (await driftOf()) === 'drift', 'drift of fraud@v1 against the broker');
    expect(await page.textContent('td[data-dag="fraud"][data-env="prod"] .version')).toBe('v1');
    expect((await rowsOf('#drift-table')).find((r) => r.includes('fraud@v1'))).toMatch(/drift.*currency/s);
    await inspect('03-contracts-matrix-before');

    // The quarantine list, reached with the keyboard: Tab to the first record's link, Enter opens it.
    await openRoute(page, `#/quarantine?environment=${ENV}`);
    await page.waitForSelector('#match-count[data-ready]');
    expect(await page.textContent('#match-count')).toContain('3 record(s) match');
    const listed = await rowsOf('#quarantine-table');
    expect(listed).toHaveLength(3);
    expect(listed.every((r) => r.includes('SCHEMA_MISMATCH') && r.includes('fraud@v1'))).toBe(true);
    await inspect('04-quarantine-list');
    const [first, second] = await heldIds();
    let focused = '';
    for (let i = 0; i < 60 && focused !== `#/quarantine/${first}`; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('href') ?? '');
    }
    expect(focused, 'the first record link is reachable with Tab').toBe(`#/quarantine/${first}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`main[data-ready="/quarantine/${first}"]`);

    // The detail: reason, findings (path, rule, message), writer beside contract schema, decoded payload, history.
    expect(await page.textContent('#reason-code')).toBe('SCHEMA_MISMATCH');
    const findings = await rowsOf('#findings-table');
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.join('\n')).toMatch(/currency/);
    expect(await page.locator('.diff-table .diff-add').count()).toBeGreaterThan(0);
    expect(await page.textContent('pre[aria-label="Decoded payload"]')).toContain('"amount"');
    expect((await rowsOf('#history-table'))[0]).toContain('quarantined');
    await inspect('05-quarantine-detail');
    await page.screenshot({ path: '.tmp/screenshots/05-quarantine-detail-viewport.png' }); // what docs/console.png shows

    // Deploy the fixing contract (fraud v2 reads orders v2: currency has a default), then replay #first.
    await registerCheckDeploy(manifest('v2', 2));
    await openRoute(page, `#/quarantine/${first}`);
    await page.click('#replay-one');
    await page.waitForSelector('dialog[open]');
    const dialogText = await page.textContent('dialog[open]');
    expect(dialogText).toContain('Replay 1 message');
    expect(dialogText).toContain('fraud@v2');
    expect(dialogText).toContain(topic('trigger-fraud'));
    await inspect('06-replay-confirmation');
    await page.click('#confirm-action');
    await page.waitForSelector('#action-status:has-text("replayed: forwarded")');
    expect((await rowsOf('#history-table')).some((r) => r.includes('replay') && r.includes('on-call'))).toBe(true);

    // It has left the held list.
    await openRoute(page, `#/quarantine?environment=${ENV}`);
    expect(await rowsOf('#quarantine-table')).toHaveLength(2);
    expect((await rowsOf('#quarantine-table')).some((r) => r.includes(`#${first}`))).toBe(false);

    // Discard another.
    await openRoute(page, `#/quarantine/${second}`);
    await page.click('#discard-one');
    await page.waitForSelector('dialog[open]');
    expect(await page.textContent('dialog[open]')).toContain('Discard 1 message');
    await page.click('#confirm-action');
    await page.waitForSelector('#action-status:has-text("discarded")');

    // The rest by filter: the confirmation says how many and where.
    await openRoute(page, `#/quarantine?environment=${ENV}&dag_id=fraud`);
    expect(await rowsOf('#quarantine-table')).toHaveLength(1);
    await page.click('#replay-all');
    await page.waitForSelector('dialog[open]');
    expect(await page.textContent('#confirm-count')).toContain('Replay 1 held message(s)');
    expect(await page.textContent('dialog[open]')).toContain(`1 × fraud in ${ENV} → checked against fraud@v2`);
    await page.click('#confirm-action');
    await page.waitForSelector('#action-status:has-text("1 forwarded")');
    await page.waitForSelector('#match-count[data-ready]');
    expect(await page.textContent('#match-count')).toContain('0 record(s) match');
    expect(await heldIds()).toEqual([]);
    const forwarded = await drain([topic('trigger-fraud')], 2);
    expect(forwarded, 'the two replayed messages reached the trigger topic').toHaveLength(2);

    // The matrix after the deploy: v2, with its passing check; the version's page.
    await openUntil('#/contracts', async () => (await driftOf()) === 'ok', 'no drift for fraud@v2');
    expect(await page.textContent('td[data-dag="fraud"][data-env="prod"] .version')).toBe('v2');
    expect(await page.textContent('td[data-dag="fraud"][data-env="prod"]')).toContain('passed');
    await inspect('07-contracts-matrix-after');
    await page.click('td[data-dag="fraud"][data-env="prod"] a.version');
    await page.waitForSelector('main[data-ready="/dags/fraud/v2"]');
    expect(await page.textContent('main')).toContain('orders-value v2');
    await inspect('08-dag-version');

    // Schemas: subjects, then v1 → v3 of orders-value: backward-incompatible, with the finding.
    await openRoute(page, '#/schemas');
    expect(await page.textContent('#subjects')).toContain('orders-value');
    await inspect('09-schemas');
    await openRoute(page, '#/schemas/orders-value?from=1&to=3');
    expect(await page.textContent('#diff-findings')).toContain('incompatible');
    expect((await rowsOf('#backward-findings')).join('\n')).toMatch(/currency/);
    await inspect('10-schema-diff');

    // Lineage: orders → fraud@v2 → alerts → notify@n1; a node opens its page.
    await openRoute(page, `#/lineage?environment=${ENV}`);
    const labels = await page.locator('#lineage-graph a.node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label')));
    expect(labels.sort()).toEqual(['DAG version fraud@v2', 'DAG version notify@n1', 'Topic alerts', 'Topic orders']);
    await inspect('11-lineage');
    await page.click('#lineage-graph a.node[aria-label="DAG version notify@n1"]');
    await page.waitForSelector('main[data-ready="/dags/notify/n1"]');

    // Phone width: nothing wider than the screen, pages still usable.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [[`#/quarantine/${first}`, '12-phone-detail'], ['#/overview', '13-phone-overview'], ['#/contracts', '14-phone-contracts'],
      [`#/quarantine?status=any&environment=${ENV}`, '15-phone-quarantine-list'], [`#/lineage?environment=${ENV}`, '16-phone-lineage']] as const) {
      await openRoute(page, hash);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(390);
      await inspect(name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // Lag: messages published while the gatekeeper is stopped wait in its subscription's backlog.
    await gk.stop();
    gkStopped = true;
    await produce([{ topic: topic('orders'), mode: 'avro', schema: ORDER_V1, messages: [4, 5].map((i) => ({ value: { id: i, amount: i * 10 }, properties: { seq: `o-${i}` } })) }]);
    await openUntil('#/overview', async () => (await page.getAttribute('#gatekeeper-lag', 'data-backlog')) === '2', 'a backlog of 2 on the overview');
    expect(await page.textContent('#gatekeeper-lag')).toMatch(/Backlog 2 message\(s\); oldest unacknowledged \d+ (s|min) old/);
    await inspect('17-overview-backlog');

    // A read-only principal sees no write controls; the API refuses it anyway.
    const kept = await page.getAttribute('main', 'data-ready');
    await page.click('text=Sign out');
    await page.waitForSelector('main[data-ready="signin"]');
    await page.fill('#token', tokens.reader);
    await page.click('form button[type=submit]');
    // Signing in again keeps the page the user was on.
    await page.waitForSelector(`main[data-ready="${kept}"]`);
    expect(await page.textContent('#whoami')).toContain('viewer · read-only');
    await openRoute(page, `#/quarantine?status=any&environment=${ENV}`);
    expect(await page.locator('#replay-all, #discard-all').count()).toBe(0);
    expect(await page.textContent('main')).toContain('Read-only');

    expect(cspViolations, 'no Content-Security-Policy violations or page errors').toEqual([]);
  });
});
