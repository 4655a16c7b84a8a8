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

export async function overviewPage(ctx: PageContext): Promise<HTMLElement> {
  const days = Math.min(30, Math.max(1, Number(ctx.params.get('days') ?? 7) || 7));
  const since = new Date(Date.now() - days * 86_400_000);
  const [{ environments }, gk, stats] = await Promise.all([
    api.get<{ environments: Array<{ name: string }> }>('/v1/environments').then((r) => ({ environments: r.environments.map((e) => e.name) })),
    api.get<GatekeeperStatus>('/v1/gatekeeper/status'),
    api.get<{ total: number; series?: SeriesPoint[] }>(`/v1/quarantine/stats${query({ status: 'held', since: since.toISOString(), bucket: days > 2 ? 'day' : 'hour' })}`),
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
      h('section', { class: 'card', 'aria-labelledby': 'gk-h' }, h('h2', { id: 'gk-h' }, 'Gatekeeper'), gatekeeper)),
    h('section', { class: 'card', 'aria-labelledby': 'held-h' },
      h('h2', { id: 'held-h' }, `Held messages per reason, last ${days} day(s)`),
      h('p', null, `${stats.total} held. `, h('a', { href: '#/quarantine' }, 'Open the quarantine')),
      stackedBars('Held messages per reason over time', stats.series ?? [], days > 2 ? 86_400_000 : 3_600_000, since, new Date())));
}
