// Replay and discard, one record or every held record matching a filter, behind a confirmation dialog
// (a native <dialog>: modal, focus kept inside, Escape cancels) that says how many messages go where.
import { api, query } from '../api.js';
import { enc, h } from '../dom.js';
import type { ActiveList, Stats } from './types.js';

export const BULK_LIMIT = 1000;

/** Opens a modal; resolves true when confirmed. */
export function confirmDialog(title: string, body: HTMLElement, confirmLabel: string, destructive = false): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'dialog-title', class: 'confirm' }) as HTMLDialogElement;
    const done = (ok: boolean) => { dialog.close(); dialog.remove(); resolve(ok); };
    dialog.append(
      h('h2', { id: 'dialog-title' }, title), body,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', id: 'confirm-action', class: destructive ? 'danger' : null, onclick: () => done(true) }, confirmLabel)));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    (dialog.querySelector('#confirm-action') as HTMLButtonElement).focus();
  });
}

/** Where a replayed message of this DAG would go in this environment, in words. */
export async function replayTargets(groups: Array<{ environment: string; dag_id: string; count: number }>, topicOf?: string): Promise<HTMLElement> {
  const envs = [...new Set(groups.map((g) => g.environment))];
  const active = new Map<string, ActiveList>();
  await Promise.all(envs.map(async (env) => active.set(env, await api.get<ActiveList>(`/v1/environments/${enc(env)}/active`))));
  return h('ul', { class: 'targets' }, groups.map((g) => {
    const version = active.get(g.environment)?.active.find((a) => a.dag_version.dag_id === g.dag_id)?.dag_version;
    if (!version) return h('li', null, `${g.count} × ${g.dag_id} in ${g.environment}: no active version there — they will stay held`);
    const bindings = version.consumes.filter((c) => !topicOf || c.topic === topicOf);
    const where = bindings.map((b) => b.forward_to === 'airflow' ? 'an Airflow DAG run'
      : b.trigger_topic ? b.trigger_topic : `the trigger topic for ${g.dag_id} (the server's pattern)`);
    return h('li', null, `${g.count} × ${g.dag_id} in ${g.environment} → checked against ${g.dag_id}@${version.version}; if it passes, to `,
      h('code', null, [...new Set(where)].join(', ') || 'its trigger topic'), '; otherwise it stays held');
  }));
}

export type Filter = Record<string, string | undefined>;

/** Confirms and runs a bulk replay or discard of every held record matching `filter`. Returns a summary line. */
export async function bulkAction(kind: 'replay' | 'discard', filter: Filter): Promise<string | undefined> {
  const stats = await api.get<Stats>(`/v1/quarantine/stats${query({ ...filter, status: 'held' })}`);
  if (stats.total === 0) return 'No held messages match this filter.';
  const groups = stats.by_dag ?? [];
  const n = Math.min(stats.total, BULK_LIMIT);
  const body = h('div', null,
    h('p', { id: 'confirm-count' }, kind === 'replay'
      ? `Replay ${n} held message(s)${stats.total > BULK_LIMIT ? ` (the oldest ${BULK_LIMIT} of ${stats.total}; run again for the rest)` : ''}:`
      : `Discard ${n} held message(s)${stats.total > BULK_LIMIT ? ` (the oldest ${BULK_LIMIT} of ${stats.total})` : ''}. They will not be replayed:`),
    kind === 'replay' ? await replayTargets(groups) : h('ul', { class: 'targets' }, groups.map((g) => h('li', null, `${g.count} × ${g.dag_id} in ${g.environment}`))));
  if (!(await confirmDialog(kind === 'replay' ? 'Replay messages' : 'Discard messages', body, kind === 'replay' ? `Replay ${n}` : `Discard ${n}`, kind === 'discard'))) return undefined;
  const { ...f } = filter;
  delete f.status;
  delete f.cursor;
  const res = await api.post<{ results: Array<{ ok: boolean; result?: { outcome?: string } | string }> }>(`/v1/quarantine/${kind}`, { ...f, limit: BULK_LIMIT });
  const ok = res.results.filter((r) => r.ok);
  if (kind === 'discard') return `${ok.length} discarded, ${res.results.length - ok.length} failed.`;
  const forwarded = ok.filter((r) => typeof r.result === 'object' && r.result?.outcome === 'forwarded').length;
  return `${forwarded} forwarded, ${ok.length - forwarded} still held, ${res.results.length - ok.length} failed.`;
}
