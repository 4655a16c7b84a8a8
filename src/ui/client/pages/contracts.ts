// Contracts: the DAG × environment matrix (active version, latest check) and a DAG version's page
// (what it consumes and produces, its checks, its deployments).
import { api, query } from '../api.js';
import { badge, enc, fmtTime, h, table } from '../dom.js';
import type { PageContext } from '../main.js';
import type { Binding, CheckSummary, DagVersion, Deployment } from './types.js';

interface Matrix {
  environments: string[]; dags: string[];
  cells: Array<{ environment: string; dag_id: string; version: string | null; deployed_at?: string | null; deployed_by?: string | null; forced: boolean; last_check: CheckSummary | null }>;
}

const checkBadge = (c: CheckSummary | null) => !c ? h('span', { class: 'muted' }, 'no check')
  : h('span', null, badge(c.passed ? 'passed' : 'failed', c.passed ? 'ok' : 'bad'), ` check #${c.id} of ${c.version}, ${fmtTime(c.created_at)}`,
    c.errors || c.warnings ? ` — ${c.errors} error(s), ${c.warnings} warning(s) (drift against Pulsar is a warning)` : '');

interface TopicDrift { topic: string; subject: string; version: number | null; status: 'ok' | 'drift' | 'no_schema' | 'error'; pulsar_version?: number; findings: Array<{ path: string; rule: string; message: string }>; error?: string }
interface Drift { checked: boolean; reason?: string; checked_at: string; cells: Array<{ environment: string; dag_id: string; version: string; status: 'ok' | 'drift' | 'error'; topics: TopicDrift[] }> }

const DRIFT_BADGE = { ok: ['no drift', 'ok'], drift: ['drift', 'bad'], error: ['not readable', 'warn'] } as const;

/** The drift column of one cell: against the schemas on the broker now (GET /v1/contracts/drift). */
function driftLine(drift: Drift | Error, env: string, dag: string, version: string | null | undefined): HTMLElement | null {
  if (!version) return null;
  if (drift instanceof Error) return h('div', { class: 'small drift', 'data-drift': 'error' }, 'Pulsar: ', drift.message);
  if (!drift.checked) return h('div', { class: 'small drift', 'data-drift': 'not-checked' }, 'Pulsar: not checked');
  const d = drift.cells.find((c) => c.environment === env && c.dag_id === dag && c.version === version);
  if (!d) return h('div', { class: 'small drift', 'data-drift': 'not-checked' }, 'Pulsar: not checked yet');
  const [text, kind] = DRIFT_BADGE[d.status];
  return h('div', { class: 'small drift', 'data-drift': d.status }, 'Pulsar: ', badge(text, kind));
}

function driftTable(drift: Drift | Error): HTMLElement {
  if (drift instanceof Error) return h('p', { class: 'error', role: 'alert' }, `Drift could not be read: ${drift.message}`);
  if (!drift.checked) return h('p', { id: 'drift-status' }, `Not checked: ${drift.reason ?? 'no Pulsar admin API configured'}.`);
  const rows = drift.cells.flatMap((c) => c.topics.map((t) => [
    c.environment, h('a', { href: `#/dags/${enc(c.dag_id)}/${enc(c.version)}` }, `${c.dag_id}@${c.version}`), h('code', null, t.topic),
    `${t.subject} v${t.version ?? '?'}`,
    t.status === 'drift' ? badge('drift', 'bad') : t.status === 'ok' ? badge('no drift', 'ok') : t.status === 'no_schema' ? badge('no schema on topic', 'info') : badge('not readable', 'warn'),
    t.pulsar_version !== undefined ? `broker v${t.pulsar_version}` : '—',
    t.error ?? (t.findings.length ? h('ul', { class: 'plain' }, t.findings.map((f) => h('li', null, h('code', null, f.path), ` ${f.rule}: ${f.message}`))) : ''),
  ]));
  return h('div', null,
    h('p', { id: 'drift-status' }, `Read from the broker ${fmtTime(drift.checked_at)} (reused for a short while).`),
    table('Drift against Pulsar per consumed topic', ['Environment', 'DAG version', 'Topic', 'Contract reads', 'Drift against Pulsar', 'Topic schema', 'Findings'], rows, { id: 'drift-table' }));
}

export async function contractsPage(): Promise<HTMLElement> {
  const [m, drift] = await Promise.all([
    api.get<Matrix>('/v1/contracts/matrix'),
    api.get<Drift>('/v1/contracts/drift').catch((error: unknown) => error as Error),
  ]);
  const cell = (dag: string, env: string) => m.cells.find((c) => c.dag_id === dag && c.environment === env);
  return h('section', null,
    h('h1', null, 'Contracts'),
    h('p', null, 'Which version of each DAG is active in each environment, and its latest pre-deploy check there.'),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Contract matrix', tabindex: '0' },
      h('table', { id: 'matrix', class: 'matrix' },
        h('caption', { class: 'visually-hidden' }, 'DAGs by environment'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'DAG'), m.environments.map((e) => h('th', { scope: 'col' }, e)))),
        h('tbody', null, m.dags.length ? m.dags.map((dag) => h('tr', null,
          h('th', { scope: 'row' }, dag),
          m.environments.map((env) => {
            const c = cell(dag, env);
            return h('td', { 'data-env': env, 'data-dag': dag },
              c?.version ? h('a', { href: `#/dags/${enc(dag)}/${enc(c.version)}`, class: 'version' }, c.version) : h('span', { class: 'muted' }, 'not active'),
              c?.version && c.forced ? ' ' : null, c?.version && c.forced ? badge('forced', 'warn') : null,
              h('div', { class: 'small' }, checkBadge(c?.last_check ?? null)),
              driftLine(drift, env, dag, c?.version));
          }))) : h('tr', null, h('td', { colspan: String(m.environments.length + 1) }, 'No DAG registered yet.'))))),
    h('h2', null, 'Drift against Pulsar'),
    h('p', null, "Whether each active contract can still read the schema its topics hold on the broker now (a producer may have registered a new one)."),
    driftTable(drift));
}

export async function dagVersionPage(_ctx: PageContext, dagId: string, version: string): Promise<HTMLElement> {
  const [v, all, checks, deployments] = await Promise.all([
    api.get<DagVersion>(`/v1/dags/${enc(dagId)}/versions/${enc(version)}`),
    api.get<{ versions: DagVersion[] }>(`/v1/dags/${enc(dagId)}/versions`),
    api.get<{ checks: CheckSummary[] }>(`/v1/checks${query({ dag_id: dagId, version, limit: 50 })}`),
    api.get<{ deployments: Deployment[] }>(`/v1/deployments${query({ dag_id: dagId, limit: 100 })}`),
  ]);
  const bindings = (caption: string, list: Binding[], consumes: boolean) => table(caption,
    consumes ? ['Topic', 'Schema', 'On mismatch', 'Forwards to'] : ['Topic', 'Schema'],
    list.map((b) => [
      h('code', null, b.topic),
      h('a', { href: `#/schemas/${enc(b.subject)}?to=${b.version}` }, `${b.subject} v${b.version}`), ...(consumes ? [
        b.on_mismatch ?? 'quarantine', b.forward_to === 'airflow' ? 'Airflow DAG run' : b.trigger_topic ?? 'trigger topic (server pattern)'] : []),
    ]));
  return h('section', null,
    h('p', null, h('a', { href: '#/contracts' }, '« Contracts')),
    h('h1', null, `${v.dag_id}@${v.version}`),
    h('p', null, `Registered ${fmtTime(v.created_at)} by ${v.created_by}; contract ${v.contract_hash.slice(0, 12)}`,
      v.airflow_version_number ? `; Airflow version ${v.airflow_version_number}` : ''),
    h('p', null, 'Other versions: ', all.versions.filter((x) => x.version !== v.version).map((x, i) => [i ? ', ' : '', h('a', { href: `#/dags/${enc(dagId)}/${enc(x.version)}` }, x.version)])),
    h('h2', null, 'Consumes'), bindings('Topics this version consumes', v.consumes, true),
    h('h2', null, 'Produces'), bindings('Topics this version produces', v.produces, false),
    h('h2', null, 'Checks'),
    table('Checks of this version', ['Check', 'Environment', 'Verdict', 'Errors', 'Warnings', 'By', 'At'],
      checks.checks.map((c) => [`#${c.id}`, c.environment, badge(c.passed ? 'passed' : 'failed', c.passed ? 'ok' : 'bad'), String(c.errors), String(c.warnings), c.requested_by, fmtTime(c.created_at)])),
    h('h2', null, 'Deployments of this DAG'),
    table('Deployment history', ['Environment', 'Version', 'By', 'At', 'Note'],
      deployments.deployments.map((d) => [d.environment, d.version === v.version ? h('strong', null, d.version) : (d.version ?? 'undeployed'), d.deployed_by, fmtTime(d.created_at),
        [d.forced ? 'forced' : '', d.reason ?? ''].filter(Boolean).join(': ')])));
}
