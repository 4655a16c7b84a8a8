// Quarantine list: filters (environment, DAG, reason, topic, status, time) kept in the URL, a page of
// records from the server (cursor pagination), the count matching, and bulk replay / discard.
import { api, query } from '../api.js';
import { badge, enc, fmtTime, h, table } from '../dom.js';
import type { PageContext } from '../main.js';
import { bulkAction, type Filter } from './actions.js';
import type { QuarantineRecord, Stats } from './types.js';

const FIELDS = ['environment', 'dag_id', 'reason', 'topic', 'status', 'since', 'until'] as const;

function toIso(local: string | null): string | undefined {
  if (!local) return undefined;
  const d = new Date(local.length === 16 ? `${local}:00Z` : local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export async function quarantineListPage(ctx: PageContext): Promise<HTMLElement> {
  const p = ctx.params;
  const filter: Filter = {
    environment: p.get('environment') ?? undefined, dag_id: p.get('dag_id') ?? undefined, reason: p.get('reason') ?? undefined,
    topic: p.get('topic') ?? undefined, status: p.get('status') ?? 'held',
    since: toIso(p.get('since')), until: toIso(p.get('until')),
  };
  if (filter.status === 'any') delete filter.status;
  const cursor = p.get('cursor') ?? undefined;
  const limit = 50;
  // The page renders as soon as its records are here; the counts (one grouped scan each) fill in after.
  const statsFiltered = api.get<Stats>(`/v1/quarantine/stats${query(filter)}`);
  const statsAll = api.get<Stats>(`/v1/quarantine/stats${query({ status: filter.status })}`);
  const [page, envs, dags] = await Promise.all([
    api.get<{ records: QuarantineRecord[]; next_cursor: number | null }>(`/v1/quarantine${query({ ...filter, limit, cursor })}`),
    api.get<{ environments: Array<{ name: string }> }>('/v1/environments').then((r) => ({ environments: r.environments.map((e) => e.name) })),
    api.get<{ dags: Array<{ dag_id: string }> }>('/v1/dags'),
  ]);

  const select = (name: string, label: string, options: string[], value: string | undefined, anyLabel = 'any') =>
    h('div', { class: 'field' }, h('label', { for: `f-${name}` }, label),
      h('select', { id: `f-${name}`, name }, h('option', { value: '' }, anyLabel),
        options.map((o) => h('option', { value: o, ...(o === value ? { selected: true } : {}) }, o))));
  const text = (name: string, label: string, type = 'text') => h('div', { class: 'field' }, h('label', { for: `f-${name}` }, label),
    h('input', { id: `f-${name}`, name, type, value: p.get(name) ?? '' }));

  const form = h('form', { class: 'filters', 'aria-label': 'Filter held messages', onsubmit: (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const q = new URLSearchParams();
    for (const f of FIELDS) { const v = String(data.get(f) ?? ''); if (v) q.set(f, v); }
    location.hash = `#/quarantine?${q.toString()}`;
  } },
  select('environment', 'Environment', envs.environments, filter.environment),
  select('dag_id', 'DAG', dags.dags.map((d) => d.dag_id), filter.dag_id),
  select('reason', 'Reason', filter.reason ? [filter.reason] : [], filter.reason),
  text('topic', 'Topic'),
  h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'),
    h('select', { id: 'f-status', name: 'status' }, ['held', 'replayed', 'discarded', 'any'].map((s) =>
      h('option', { value: s, ...((p.get('status') ?? 'held') === s ? { selected: true } : {}) }, s)))),
  text('since', 'Since (UTC)', 'datetime-local'), text('until', 'Until (UTC)', 'datetime-local'),
  h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, 'Apply')));

  const status = h('p', { id: 'action-status', role: 'status', 'aria-live': 'polite' });
  const run = (kind: 'replay' | 'discard') => async () => {
    try {
      const message = await bulkAction(kind, filter);
      if (message) { status.textContent = message; sessionStorage.setItem('dagpact.flash', message); ctx.refresh(); }
    } catch (e) { status.textContent = (e as Error).message; }
  };
  const flash = sessionStorage.getItem('dagpact.flash');
  if (flash) { status.textContent = flash; sessionStorage.removeItem('dagpact.flash'); }

  const bulk = ctx.me.can_write && (filter.status === 'held' || !filter.status)
    ? h('div', { class: 'bulk' },
      h('button', { type: 'button', id: 'replay-all', onclick: run('replay') }, 'Replay all matching…'),
      h('button', { type: 'button', id: 'discard-all', class: 'danger', onclick: run('discard') }, 'Discard all matching…'))
    : ctx.me.can_write ? null : h('p', { class: 'muted' }, 'Read-only: your token has no write scope.');

  const here = new URLSearchParams(p); here.delete('cursor');
  const next = page.next_cursor ? `#/quarantine?${new URLSearchParams({ ...Object.fromEntries(here), cursor: String(page.next_cursor) }).toString()}` : undefined;

  const count = h('p', { id: 'match-count', 'aria-live': 'polite' }, 'Counting…');
  void statsFiltered.then((stats) => {
    count.textContent = `${stats.total} record(s) match.${cursor ? ' (a later page)' : ''}`;
    count.setAttribute('data-ready', 'true');
  }, (e: Error) => { count.textContent = `Could not count: ${e.message}`; });
  void statsAll.then((all) => {
    const reasonSelect = form.querySelector('#f-reason') as HTMLSelectElement;
    for (const r of all.by_reason) {
      if (r.reason_code !== filter.reason) reasonSelect.append(h('option', { value: r.reason_code }, r.reason_code));
    }
  }, () => undefined);

  return h('section', null,
    h('h1', null, 'Quarantine'),
    form,
    count,
    bulk, status,
    table('Quarantined messages', ['Id', 'Held at', 'Environment', 'DAG', 'Topic', 'Reason', 'Status'],
      page.records.map((r) => [
        h('a', { href: `#/quarantine/${r.id}` }, `#${r.id}`), fmtTime(r.created_at), r.environment,
        `${r.dag_id}${r.dag_version ? `@${r.dag_version}` : ''}`, h('code', null, r.source_topic), r.reason_code,
        badge(r.status, r.status === 'held' ? 'warn' : r.status === 'replayed' ? 'ok' : 'info'),
      ]), { id: 'quarantine-table' }),
    h('nav', { class: 'pager', 'aria-label': 'Pages' },
      cursor ? h('a', { href: `#/quarantine?${here.toString()}` }, '« First page') : null,
      next ? h('a', { href: next, id: 'next-page' }, 'Next page »') : null),
    h('p', { class: 'muted' }, 'Also from a script: ', h('code', null, `GET /v1/quarantine${query({ ...filter, limit })}`), ' · ',
      h('a', { href: `#/quarantine?status=any${filter.environment ? `&environment=${enc(filter.environment)}` : ''}` }, 'all statuses')));
}
