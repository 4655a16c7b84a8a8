// One quarantine record: why it was held (reason and findings), the writer schema beside the contract's
// schema with the differences marked, the decoded payload, properties, its history, and replay/discard.
import { api, ApiError } from '../api.js';
import { sideBySide } from '../diff.js';
import { badge, enc, fmtTime, h, pre, table } from '../dom.js';
import type { PageContext } from '../main.js';
import { confirmDialog, replayTargets } from './actions.js';
import type { Finding, QuarantineDetail } from './types.js';

interface SchemaById { id: number; format: string; schema: string }

async function findingsOf(r: QuarantineDetail): Promise<{ findings: Finding[]; source: string } | undefined> {
  if (Array.isArray(r.findings)) return { findings: r.findings, source: 'the contract schema against the writer schema, or what the gatekeeper recorded' };
  if (r.expected_schema_id && r.detected_schema_id) {
    const c = await api.get<{ findings: Finding[] }>(`/v1/compatibility?reader=${r.expected_schema_id}&writer=${r.detected_schema_id}`);
    return { findings: c.findings, source: `computed now (can the contract's schema ${r.expected_schema_id} read what schema ${r.detected_schema_id} wrote?)` };
  }
  return undefined;
}

const schemaText = (s: unknown): string | undefined =>
  typeof s === 'string' ? s : s && typeof s === 'object' && 'schema' in s ? String((s as { schema: unknown }).schema) : s ? JSON.stringify(s) : undefined;

export async function quarantineDetailPage(ctx: PageContext, id: string): Promise<HTMLElement> {
  const r = await api.get<QuarantineDetail>(`/v1/quarantine/${id}`);
  const [found, contract, writer] = await Promise.all([
    findingsOf(r).catch((e: Error) => ({ findings: [] as Finding[], source: `could not be computed: ${e.message}` })),
    r.expected_schema_id ? api.get<SchemaById>(`/v1/schemas/${r.expected_schema_id}`).catch(() => undefined) : undefined,
    r.writer?.schema === undefined && r.detected_schema_id ? api.get<SchemaById>(`/v1/schemas/${r.detected_schema_id}`).catch(() => undefined) : undefined,
  ]);
  const writerText = schemaText(r.writer?.schema) ?? writer?.schema;

  const status = h('p', { id: 'action-status', role: 'status', 'aria-live': 'polite' });
  const act = (kind: 'replay' | 'discard') => async () => {
    const body = kind === 'replay'
      ? h('div', null, h('p', { id: 'confirm-count' }, `Replay 1 message (#${r.id}):`), await replayTargets([{ environment: r.environment, dag_id: r.dag_id, count: 1 }], r.source_topic))
      : h('div', null, h('p', { id: 'confirm-count' }, `Discard 1 message (#${r.id}) of ${r.dag_id} in ${r.environment}. It will not be replayed.`));
    if (!(await confirmDialog(kind === 'replay' ? 'Replay message' : 'Discard message', body, kind === 'replay' ? 'Replay 1' : 'Discard 1', kind === 'discard'))) return;
    try {
      if (kind === 'replay') {
        const res = await api.post<{ result: { outcome: string; reason?: string; trigger_topic?: string } }>(`/v1/quarantine/${r.id}/replay`);
        sessionStorage.setItem('dagpact.flash', res.result.outcome === 'forwarded'
          ? `#${r.id} replayed: forwarded${res.result.trigger_topic ? ` to ${res.result.trigger_topic}` : ''}.`
          : `#${r.id} is still held: ${res.result.reason ?? ''}`);
      } else {
        await api.post(`/v1/quarantine/${r.id}/discard`, { reason: 'discarded from the console' });
        sessionStorage.setItem('dagpact.flash', `#${r.id} discarded.`);
      }
      ctx.refresh();
    } catch (e) { status.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message; }
  };
  const flash = sessionStorage.getItem('dagpact.flash');
  if (flash) { status.textContent = flash; sessionStorage.removeItem('dagpact.flash'); }

  const facts: Array<[string, unknown]> = [
    ['Status', badge(r.status, r.status === 'held' ? 'warn' : r.status === 'replayed' ? 'ok' : 'info')],
    ['Reason', h('span', null, h('strong', { id: 'reason-code' }, r.reason_code), ' — ', r.reason)],
    ['Environment', r.environment],
    ['DAG', r.dag_version ? h('a', { href: `#/dags/${enc(r.dag_id)}/${enc(r.dag_version)}` }, `${r.dag_id}@${r.dag_version}`) : r.dag_id],
    ['Source topic', h('code', null, r.source_topic)], ['Message id', h('code', null, r.message_id)],
    ['Key', r.message_key ?? '—'], ['Disposition', r.disposition], ['Published', fmtTime(r.publish_time)], ['Held at', fmtTime(r.created_at)],
    ['Writer schema id', r.detected_schema_id ?? 'unidentified'], ['Contract schema id', r.expected_schema_id ?? '—'], ['Payload', `${r.payload_size} bytes`],
  ];

  return h('section', null,
    h('p', null, h('a', { href: '#/quarantine' }, '« Quarantine')),
    h('h1', null, `Held message #${r.id}`),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v as Node | string)])),
    r.status === 'held' && ctx.me.can_write ? h('div', { class: 'bulk' },
      h('button', { type: 'button', id: 'replay-one', onclick: act('replay') }, 'Replay…'),
      h('button', { type: 'button', id: 'discard-one', class: 'danger', onclick: act('discard') }, 'Discard…')) : null,
    !ctx.me.can_write ? h('p', { class: 'muted' }, 'Read-only: your token has no write scope.') : null,
    status,
    h('section', { 'aria-labelledby': 'findings-h' },
      h('h2', { id: 'findings-h' }, 'Findings'),
      found ? h('p', { class: 'muted' }, `Findings ${found.source}.`) : h('p', null, 'No writer schema was identified, so there is nothing to compare; see the reason above.'),
      found ? table('Findings', ['Path', 'Rule', 'Message'], found.findings.map((f) => [h('code', null, f.path), f.rule, f.message]), { id: 'findings-table' }) : null),
    h('section', { 'aria-labelledby': 'schemas-h' },
      h('h2', { id: 'schemas-h' }, 'Writer schema beside the contract\'s schema'),
      writerText && contract ? sideBySide(`Writer schema ${r.detected_schema_id ?? ''}`, writerText, `Contract schema ${contract.id}`, contract.schema)
        : h('p', null, writerText ? pre(writerText, 'Writer schema') : 'The writer schema is not known.', contract ? pre(contract.schema, 'Contract schema') : null)),
    h('section', { 'aria-labelledby': 'payload-h' },
      h('h2', { id: 'payload-h' }, 'Payload'),
      r.decoded?.error ? h('p', { class: 'error' }, r.decoded.error) : null,
      r.decoded && 'value' in r.decoded && r.decoded.value !== undefined ? pre(r.decoded.value, 'Decoded payload') : pre(r.payload_base64, 'Payload (base64)')),
    h('section', { 'aria-labelledby': 'props-h' },
      h('h2', { id: 'props-h' }, 'Properties'),
      table('Message properties', ['Name', 'Value'], Object.entries(r.properties ?? {}).map(([k, v]) => [h('code', null, k), v]))),
    h('section', { 'aria-labelledby': 'history-h' },
      h('h2', { id: 'history-h' }, 'History'),
      table('Audit trail of this record', ['At', 'Action', 'By', 'Details'],
        [[fmtTime(r.created_at), 'quarantined', 'gatekeeper', r.reason_code],
          ...r.history.filter((e) => e.action !== 'quarantined').map((e) => [fmtTime(e.at), e.action, e.actorName ? `${e.actorName} (${e.actor})` : e.actor, e.details === undefined ? '' : h('code', null, JSON.stringify(e.details))])],
        { id: 'history-table' })));
}
