// Overview: environments with their active DAG versions, the gatekeeper's health when the server knows
// where it is, and held messages per reason over the last days.
import { api, query } from '../api.js';
import { stackedBars, type SeriesPoint } from '../chart.js';
import { badge, enc, fmtTime, h, table } from '../dom.js';
import type { PageContext } from '../main.js';
import type { ActiveList } from './types.js';

interface GatekeeperStatus {
  configured: boolean; url?: string; reachable?: boolean; status?: string; ready?: boolean; routing_ok?: boolean;
  topics?: string[]; messages_by_outcome?: Record<string, number>; error?: string; checked_at?: string;
}

interface Backlog {
  checked: boolean; reason?: string; subscription: string; total_backlog: number; oldest_unacked_seconds?: number; checked_at: string;
  topics: Array<{ topic: string; environments: string[]; exists: boolean; subscribed: boolean; msg_backlog: number; unacked: number; consumers: number; oldest_unacked_at?: string; error?: string }>;
}

/** The chart's time ranges: the server counts per hour (24 h) or per day (7 and 30 days). */
const RANGES = [
  { key: '24h', label: 'Last 24 hours', ms: 86_400_000, bucket: 'hour' as const, bucketMs: 3_600_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, bucket: 'day' as const, bucketMs: 86_400_000 },
  { key: '30d', label: 'Last 30 days', ms: 30 * 86_400_000, bucket: 'day' as const, bucketMs: 86_400_000 },
];

const age = (seconds: number) => seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;

function lag(b: Backlog | Error): HTMLElement {
  if (b instanceof Error) return h('p', { id: 'gatekeeper-lag', class: 'error' }, `Lag could not be read: ${b.message}`);
  if (!b.checked) return h('p', { id: 'gatekeeper-lag', 'data-backlog': 'not-checked' }, `Lag: not checked (${b.reason ?? 'no Pulsar admin API'}).`);
  return h('div', { id: 'gatekeeper-lag', 'data-backlog': String(b.total_backlog) },
    h('p', null, h('strong', null, `Backlog ${b.total_backlog} message(s)`),
      b.oldest_unacked_seconds !== undefined ? `; oldest unacknowledged ${age(b.oldest_unacked_seconds)} old` : '',
      ` on subscription ${b.subscription} (read from the broker ${fmtTime(b.checked_at)})`),
    table('Gatekeeper backlog per topic', ['Topic', 'Backlog', 'Consumers', 'Oldest unacknowledged'],
      b.topics.map((t) => [h('code', null, t.topic),
        t.error ? t.error : !t.exists ? 'topic not created yet' : !t.subscribed ? 'not subscribed yet' : String(t.msg_backlog),
        String(t.consumers), t.oldest_unacked_at ? fmtTime(t.oldest_unacked_at) : '—'])));
}

export async function overviewPage(ctx: PageContext): Promise<HTMLElement> {
  const range = RANGES.find((r) => r.key === ctx.params.get('range')) ?? RANGES[1]!;
  const since = new Date(Date.now() - range.ms);
  const [{ environments }, gk, stats, backlog] = await Promise.all([
    api.get<{ environments: Array<{ name: string }> }>('/v1/environments').then((r) => ({ environments: r.environments.map((e) => e.name) })),
    api.get<GatekeeperStatus>('/v1/gatekeeper/status'),
    api.get<{ total: number; series?: SeriesPoint[] }>(`/v1/quarantine/stats${query({ status: 'held', since: since.toISOString(), bucket: range.bucket })}`),
    api.get<Backlog>('/v1/gatekeeper/backlog').catch((error: unknown) => error as Error),
  ]);
  const actives = await Promise.all(environments.map((env) => api.get<ActiveList>(`/v1/environments/${enc(env)}/active`)));

  const gatekeeper = !gk.configured
    ? h('p', null, 'No gatekeeper status URL is configured (DAGPACT_GATEKEEPER_STATUS_URL on the API server).')
    : !gk.reachable
      ? h('p', null, badge('unreachable', 'bad'), ' ', gk.error ?? '')
      : h('div', null,
        h('p', null, badge(gk.status ?? '?', gk.status === 'ok' ? 'ok' : 'warn'), ' ', `routing ${gk.routing_ok ? 'ok' : 'stale'}; checked ${fmtTime(gk.checked_at)}; ${gk.topics?.length ?? 0} topic(s)`),
        table('Gatekeeper messages per outcome', ['Outcome', 'Messages since start'],
          Object.entries(gk.messages_by_outcome ?? {}).map(([k, v]) => [k, String(v)])));

  return h('section', null,
    h('h1', null, 'Overview'),
    h('div', { class: 'grid' },
      h('section', { class: 'card', 'aria-labelledby': 'envs-h' },
        h('h2', { id: 'envs-h' }, 'Environments'),
        environments.length ? null : h('p', null, 'No deployments or checks yet.'),
        actives.map((a) => h('div', { class: 'env' },
          h('h3', null, a.environment),
          table(`Active DAG versions in ${a.environment}`, ['DAG', 'Version', 'Deployed'],
            a.active.map((x) => [x.dag_version.dag_id,
              h('a', { href: `#/dags/${enc(x.dag_version.dag_id)}/${enc(x.dag_version.version)}` }, x.dag_version.version),
              `${fmtTime(x.deployment.created_at)} by ${x.deployment.deployed_by}${x.deployment.forced ? ' (forced)' : ''}`]))))),
      h('section', { class: 'card', 'aria-labelledby': 'gk-h' }, h('h2', { id: 'gk-h' }, 'Gatekeeper'), gatekeeper, lag(backlog))),
    h('section', { class: 'card', 'aria-labelledby': 'held-h' },
      h('h2', { id: 'held-h' }, `Held messages per reason, ${range.label.toLowerCase()}`),
      h('nav', { 'aria-label': 'Time range of the chart', class: 'ranges' }, h('ul', null, RANGES.map((r) => h('li', null,
        h('a', { href: `#/overview?range=${r.key}`, 'data-range': r.key, ...(r === range ? { 'aria-current': 'true' } : {}) }, r.label))))),
      h('p', { id: 'held-total' }, `${stats.total} held. `, h('a', { href: '#/quarantine' }, 'Open the quarantine')),
      stackedBars('Held messages per reason over time', stats.series ?? [], range.bucketMs, since, new Date())));
}
