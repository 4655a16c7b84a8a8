// Schemas: subjects, a subject's versions and compatibility level, and a side-by-side diff of two
// versions with the compatibility findings both ways.
import { api, query } from '../api.js';
import { sideBySide } from '../diff.js';
import { badge, enc, h, table } from '../dom.js';
import type { PageContext } from '../main.js';
import type { Finding } from './types.js';

interface Version { subject: string; version: number; id: number; format: string; schema: string }
interface Diff {
  from: { version: number; id: number }; to: { version: number; id: number };
  backward: { compatible: boolean; findings: Finding[] }; forward: { compatible: boolean; findings: Finding[] };
  changes: Array<{ path: string; change: string; before?: string; after?: string }>;
}

export async function schemasPage(ctx: PageContext): Promise<HTMLElement> {
  const prefix = ctx.params.get('prefix') ?? '';
  const { subjects } = await api.get<{ subjects: string[] }>(`/v1/subjects${query({ prefix })}`);
  return h('section', null,
    h('h1', null, 'Schemas'),
    h('form', { class: 'filters', role: 'search', onsubmit: (e: Event) => {
      e.preventDefault();
      location.hash = `#/schemas${query({ prefix: String(new FormData(e.target as HTMLFormElement).get('prefix') ?? '') })}`;
    } }, h('div', { class: 'field' }, h('label', { for: 'f-prefix' }, 'Subject starts with'), h('input', { id: 'f-prefix', name: 'prefix', value: prefix })),
    h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, 'Filter'))),
    h('ul', { class: 'subjects', id: 'subjects' }, subjects.map((s) => h('li', null, h('a', { href: `#/schemas/${enc(s)}` }, s)))),
    subjects.length ? null : h('p', null, 'No subjects.'));
}

export async function subjectPage(ctx: PageContext, subject: string): Promise<HTMLElement> {
  const [{ versions }, level] = await Promise.all([
    api.get<{ versions: number[] }>(`/v1/subjects/${enc(subject)}/versions`),
    api.get<{ compatibility: string | null; effective: string }>(`/v1/config/${enc(subject)}`),
  ]);
  const latest = versions[versions.length - 1];
  const to = Number(ctx.params.get('to') ?? latest);
  const fromDefault = versions.filter((v) => v < to).pop() ?? to;
  const from = Number(ctx.params.get('from') ?? fromDefault);
  const [a, b, diff] = await Promise.all([
    api.get<Version>(`/v1/subjects/${enc(subject)}/versions/${from}`),
    api.get<Version>(`/v1/subjects/${enc(subject)}/versions/${to}`),
    from !== to ? api.get<Diff>(`/v1/subjects/${enc(subject)}/diff${query({ from, to })}`) : undefined,
  ]);
  const pick = (name: string, label: string, value: number) => h('div', { class: 'field' }, h('label', { for: `f-${name}` }, label),
    h('select', { id: `f-${name}`, name }, versions.map((v) => h('option', { value: String(v), ...(v === value ? { selected: true } : {}) }, `v${v}`))));
  const verdict = (title: string, v: { compatible: boolean; findings: Finding[] }, id: string) => h('section', null,
    h('h3', null, title, ' ', badge(v.compatible ? 'compatible' : 'incompatible', v.compatible ? 'ok' : 'bad')),
    v.findings.length ? table(title, ['Path', 'Rule', 'Message'], v.findings.map((f) => [h('code', null, f.path), f.rule, f.message]), { id }) : null);
  return h('section', null,
    h('p', null, h('a', { href: '#/schemas' }, '« Schemas')),
    h('h1', null, subject),
    h('p', null, `${a.format}; versions ${versions.map((v) => `v${v}`).join(', ')}; compatibility `, h('strong', null, level.effective),
      level.compatibility ? ' (set on the subject)' : ' (the global level)'),
    h('form', { class: 'filters', 'aria-label': 'Choose two versions to compare', onsubmit: (e: Event) => {
      e.preventDefault();
      const d = new FormData(e.target as HTMLFormElement);
      location.hash = `#/schemas/${enc(subject)}${query({ from: String(d.get('from')), to: String(d.get('to')) })}`;
    } }, pick('from', 'From', from), pick('to', 'To', to), h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, 'Compare'))),
    diff ? h('div', { id: 'diff-findings' },
      verdict(`Backward: can v${to} read data written with v${from}?`, diff.backward, 'backward-findings'),
      verdict(`Forward: can v${from} read data written with v${to}?`, diff.forward, 'forward-findings'),
      diff.changes.length ? table('Field changes', ['Path', 'Change', 'Before', 'After'], diff.changes.map((c) => [h('code', null, c.path), c.change, c.before ?? '', c.after ?? ''])) : null)
      : h('p', null, 'Pick two different versions to see their compatibility findings.'),
    h('h2', null, 'Side by side'),
    sideBySide(`v${from} (id ${a.id})`, a.schema, `v${to} (id ${b.id})`, b.schema));
}
