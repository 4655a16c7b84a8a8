// Benchmark: the console's quarantine list with 100,000 held records in PostgreSQL. Seeds the rows in
// one INSERT … SELECT over generate_series (3 environments, 20 DAGs, 10 topics, 5 reasons, 30 days),
// starts the built server (`dagpact serve`, dist/), then measures
//  - the list endpoint and the count/stats endpoint the page calls, for typical filters (median and
//    max of BENCH_RUNS requests each, after one warm-up);
//  - the page itself in Debian's headless Chromium: from navigation start until the list is rendered
//    (main[data-ready="/quarantine"]), signed in, BENCH_RUNS fresh loads per filter.
//
//   npm run build && npx tsx bench/console-quarantine.ts
//
// Env: TEST_DATABASE_URL (server on which a fresh database is made and dropped afterwards),
// BENCH_ROWS (default 100000), BENCH_RUNS (default 7), DAGPACT_CHROMIUM (default /usr/bin/chromium).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../src/store/db.js';
import { launchChromium } from '../test/support/browser.js';
import { startServerProcess } from '../test/support/server-process.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TOKEN = 'bench-console-admin-token-0123456789';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => ms.toFixed(1);

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

async function seed(url: string) {
  const database = await openDatabase({ url, poolSize: 1 });
  await database.migrate();
  await database.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  await c.query(`
    insert into quarantine_records (source_topic, message_id, dag_id, dag_version, environment, disposition, reason_code, reason,
      payload, properties, publish_time, expected_schema_id, detected_schema_id, status, history, created_at, updated_at)
    select 'persistent://public/default/topic-' || (g % 10), g || ':0:-1:-1', 'dag_' || lpad((g % 20)::text, 2, '0'), 'v' || (g % 3),
      (array['prod','staging','dev'])[1 + g % 3], 'quarantine',
      (array['SCHEMA_MISMATCH','UNKNOWN_SCHEMA','PAYLOAD_INVALID','NO_ACTIVE_VERSION','DAG_VERSION_MISMATCH'])[1 + g % 5],
      'reader cannot read the writer schema: field "currency" has no default', convert_to(repeat('x', 200), 'UTF8'),
      jsonb_build_object('seq', g::text, 'source', 'bench'), now() - (g * interval '25 seconds'), 1, 2, 'held', '[]'::jsonb,
      now() - ((${ROWS} - g) * (interval '30 days' / ${ROWS})), now()
    from generate_series(1, ${ROWS}) g`);
  await c.query('analyze quarantine_records');
  const { rows } = await c.query<{ n: string }>(`select count(*) as n from quarantine_records where status = 'held'`);
  await c.end();
  return { seconds: (performance.now() - t0) / 1000, held: Number(rows[0]!.n) };
}

async function timeGet(base: string, path: string) {
  const once = async () => {
    const t0 = performance.now();
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${body}`);
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once());
  return { median: median(times), max: Math.max(...times) };
}

const name = `bench_console_${randomBytes(4).toString('hex')}`;
await admin(`create database ${name}`);
const dbUrl = (() => { const u = new URL(ADMIN_URL); u.pathname = `/${name}`; return u.toString(); })();
let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
try {
  const seeded = await seed(dbUrl);
  console.log(`seeded ${seeded.held} held records in ${seeded.seconds.toFixed(1)} s`);
  server = await startServerProcess({ DATABASE_URL: dbUrl, DAGPACT_ADMIN_TOKEN: TOKEN, DAGPACT_LOG_LEVEL: 'warn' });
  const since = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const filters: Array<[string, string]> = [
    ['no filter (held)', 'status=held'],
    ['environment + DAG', 'status=held&environment=prod&dag_id=dag_07'],
    ['reason + topic', 'status=held&reason=DAG_VERSION_MISMATCH&topic=persistent%3A%2F%2Fpublic%2Fdefault%2Ftopic-4'],
    // No row matches: the worst case, every held row is read once.
    ['reason + topic, matching nothing', 'status=held&reason=PAYLOAD_INVALID&topic=persistent%3A%2F%2Fpublic%2Fdefault%2Ftopic-4'],
    ['last 3 days', `status=held&since=${encodeURIComponent(since)}`],
    ['environment + DAG + version + reason', 'status=held&environment=staging&dag_id=dag_11&dag_version=v2&reason=UNKNOWN_SCHEMA'],
  ];
  console.log('\n| filter | GET /v1/quarantine (50) median / max ms | GET /v1/quarantine/stats median / max ms |');
  console.log('| --- | --- | --- |');
  for (const [label, q] of filters) {
    const list = await timeGet(server.url, `/v1/quarantine?${q}&limit=50`);
    const stats = await timeGet(server.url, `/v1/quarantine/stats?${q}`);
    console.log(`| ${label} | ${fmt(list.median)} / ${fmt(list.max)} | ${fmt(stats.median)} / ${fmt(stats.max)} |`);
  }
  const mid = await fetch(`${server.url}/v1/quarantine?status=held&limit=500`, { headers: { authorization: `Bearer ${TOKEN}` } })
    .then((r) => r.json() as Promise<{ next_cursor: number }>);
  const deep = await timeGet(server.url, `/v1/quarantine?status=held&limit=50&cursor=${Math.floor(mid.next_cursor / 2)}`);
  console.log(`| a page from the middle (cursor) | ${fmt(deep.median)} / ${fmt(deep.max)} | — |`);

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((token) => sessionStorage.setItem('dagpact.token', token), TOKEN);
  const page = await context.newPage();
  console.log('\n| page in Chromium | load to rendered list, median / max ms | … and the count shown, median / max ms |');
  console.log('| --- | --- | --- |');
  for (const [label, q] of [filters[0]!, filters[1]!, filters[3]!, filters[4]!]) {
    const url = `${server.url}/ui/#/quarantine?${q.replace(/^status=held&?/, '')}`;
    const times: number[] = [];
    const counted: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      await page.goto('about:blank');
      const t0 = performance.now();
      await page.goto(url);
      await page.waitForSelector('main[data-ready="/quarantine"] #quarantine-table', { timeout: 30_000 });
      if (i > 0) times.push(performance.now() - t0); // the first load warms the server's caches
      await page.waitForSelector('#match-count[data-ready]', { timeout: 30_000 });
      if (i > 0) counted.push(performance.now() - t0);
    }
    const rows = await page.locator('#quarantine-table tbody tr').count();
    console.log(`| ${label} (${rows} rows shown) | ${fmt(median(times))} / ${fmt(Math.max(...times))} | ${fmt(median(counted))} / ${fmt(Math.max(...counted))} |`);
  }
} finally {
  await browser?.close();
  await server?.stop();
  await admin(`drop database if exists ${name} with (force)`);
}
