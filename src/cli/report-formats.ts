// Renders a check (or a schema compatibility verdict) for people and for CI: text, json, markdown,
// JUnit XML (one testcase per comparison, a failure per failed one) and GitHub Actions annotations.
// Pure functions over the API's JSON, so they are unit-tested without a server.

export const REPORT_FORMATS = ['text', 'json', 'markdown', 'junit', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportFinding {
  severity: 'error' | 'warning' | 'info';
  kind: string;
  topic: string;
  message: string;
  subject?: string;
  path?: string;
  rule?: string;
  pulsar?: { compatible: boolean; strategy?: string; reason?: string };
  /** Where in which file the finding points (annotations); the report's file when absent. */
  file?: string;
  line?: number;
}

export interface ReportCase {
  /** The JUnit classname: the topic, or the subject for a schema check. */
  group: string;
  name: string;
  status: 'passed' | 'failed';
  findings: ReportFinding[];
}

export interface Report {
  title: string;
  passed: boolean;
  /** The file the findings are about (the manifest or the schema), for annotations. */
  file?: string;
  /** The raw API answer, printed as is by the json format. */
  raw: unknown;
  cases: ReportCase[];
}

type Json = Record<string, unknown>;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Finds the line a finding is about in the manifest: by its JSON path, else by its topic. */
export type Locate = (f: ReportFinding) => number | undefined;

/** A POST /v1/checks answer as a report. */
export function checkReport(check: Json, file?: string, locate?: Locate): Report {
  const cases = (check.checks as Json[]).map((c) => ({
    group: String(c.topic), name: String(c.name), status: c.status === 'failed' ? 'failed' as const : 'passed' as const,
    findings: (c.findings as ReportFinding[]).map((f) => {
      const line = locate?.(f);
      return { ...f, ...(file ? { file } : {}), ...(line ? { line } : {}) };
    }),
  }));
  return {
    title: `dagpact check ${check.dag_id}@${check.version} in ${check.environment} (check ${check.id})`,
    passed: Boolean(check.passed), file, raw: check, cases,
  };
}

/** A POST /v1/subjects/{s}/compatibility (or a refused registration's details) as a report. */
export function compatibilityReport(subject: string, verdict: { compatible: boolean; level?: string; findings: Json[] }, file?: string, raw: unknown = verdict, action: 'check' | 'register' = 'check'): Report {
  const findings: ReportFinding[] = verdict.findings.map((f) => ({
    severity: 'error', kind: `${f.direction ?? 'compatibility'}`, topic: subject, subject, path: f.path as string | undefined,
    rule: f.rule as string | undefined, message: `${f.direction ? `${f.direction} against v${f.version}: ` : ''}${f.message}`,
  }));
  return {
    title: `dagpact schema ${action} ${subject}${verdict.level ? ` (${verdict.level})` : ''}`,
    passed: verdict.compatible, file, raw,
    cases: [{ group: subject, name: `${subject}: compatibility${verdict.level ? ` (${verdict.level})` : ''}`, status: verdict.compatible ? 'passed' : 'failed', findings }],
  };
}

/** Several reports (one per manifest) as one: one verdict, one exit code. */
export function combineReports(title: string, reports: Report[], raw: unknown): Report {
  if (reports.length === 1) return reports[0]!;
  return {
    title, passed: reports.every((r) => r.passed), raw,
    cases: reports.flatMap((r) => r.cases.map((c) => ({ ...c, name: `${r.title.replace(/^dagpact check /, '').replace(/ \(check \d+\)$/, '')}: ${c.name}` }))),
  };
}

const counts = (r: Report) => ({
  tests: r.cases.length,
  failures: r.cases.filter((c) => c.status === 'failed').length,
  errors: r.cases.flatMap((c) => c.findings).filter((f) => f.severity === 'error').length,
  warnings: r.cases.flatMap((c) => c.findings).filter((f) => f.severity === 'warning').length,
});

const where = (f: ReportFinding) => [f.rule, f.path].filter(Boolean).join(' at ');
const pulsarNote = (f: ReportFinding) => (f.pulsar
  ? ` [Pulsar: ${f.pulsar.compatible ? 'compatible' : 'incompatible'}${f.pulsar.strategy ? ` under ${f.pulsar.strategy}` : ''}${!f.pulsar.compatible && f.pulsar.reason ? `: ${f.pulsar.reason.slice(0, 200)}` : ''}]`
  : '');

const summary = (n: ReturnType<typeof counts>) =>
  `${plural(n.tests, 'comparison')}, ${n.failures} failed, ${plural(n.errors, 'error')}, ${plural(n.warnings, 'warning')}`;

function text(r: Report): string {
  const n = counts(r);
  const lines = [`${r.title}: ${r.passed ? 'PASSED' : 'FAILED'} (${summary(n)})`];
  for (const c of r.cases) {
    lines.push(`  ${c.status === 'passed' ? 'ok  ' : 'FAIL'} ${c.name}`);
    for (const f of c.findings) {
      if (f.rule === 'SKIPPED') { lines.push(`       skipped because ${f.message}`); continue; }
      if (f.severity === 'info' && c.status === 'passed' && !f.pulsar) continue;
      lines.push(`       ${f.severity.toUpperCase().padEnd(7)} ${f.message}${where(f) ? ` (${where(f)})` : ''}${pulsarNote(f)}`);
    }
  }
  return lines.join('\n');
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function markdown(r: Report): string {
  const n = counts(r);
  const out = [`### ${r.passed ? '✅' : '❌'} ${mdCell(r.title)}`, '',
    summary(n), '',
    '| Result | Check | Severity | Finding | Where |', '|---|---|---|---|---|'];
  for (const c of r.cases) {
    const shown = c.findings.filter((f) => f.severity !== 'info' || c.status === 'failed');
    if (!shown.length) { out.push(`| ${c.status === 'passed' ? 'pass' : 'FAIL'} | ${mdCell(c.name)} | | | |`); continue; }
    for (const f of shown) {
      out.push(`| ${c.status === 'passed' ? 'pass' : 'FAIL'} | ${mdCell(c.name)} | ${f.severity} | ${mdCell(f.message + pulsarNote(f))} | ${mdCell(where(f))} |`);
    }
  }
  return out.join('\n');
}

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids are dropped; the five specials are escaped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function junit(r: Report): string {
  const n = counts(r);
  const attr = (v: string | number) => `"${xmlEscape(String(v))}"`;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dagpact" tests=${attr(n.tests)} failures=${attr(n.failures)} errors="0">`,
    `  <testsuite name=${attr(r.title)} tests=${attr(n.tests)} failures=${attr(n.failures)} errors="0" skipped="0">`];
  for (const c of r.cases) {
    const file = c.findings.find((f) => f.file)?.file ?? r.file;
    out.push(`    <testcase classname=${attr(c.group)} name=${attr(c.name)}${file ? ` file=${attr(file)}` : ''}>`);
    const errors = c.findings.filter((f) => f.severity === 'error');
    if (c.status === 'failed') {
      const first = errors[0];
      const body = errors.map((f) => `${f.message}${where(f) ? ` (${where(f)})` : ''}${pulsarNote(f)}`).join('\n');
      out.push(`      <failure message=${attr(first?.message ?? 'failed')} type=${attr(first?.rule ?? first?.kind ?? 'INCOMPATIBLE')}>${xmlEscape(body)}</failure>`);
    }
    const notes = c.findings.filter((f) => f.severity !== 'error');
    if (notes.length) out.push(`      <system-out>${xmlEscape(notes.map((f) => `${f.severity}: ${f.message}${pulsarNote(f)}`).join('\n'))}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n');
}

/** GitHub's workflow-command escaping: data escapes %, CR, LF; properties also : and ,. */
export const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const ghProperty = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function github(r: Report): string {
  const lines: string[] = [];
  for (const c of r.cases) {
    for (const f of c.findings) {
      if (f.severity === 'info') continue;
      const level = f.severity === 'error' ? 'error' : 'warning';
      const file = f.file ?? r.file;
      const props = [file ? `file=${ghProperty(file)}` : undefined, file && f.line ? `line=${f.line}` : undefined,
        `title=${ghProperty(`${f.rule ?? f.kind} on ${f.topic}`)}`].filter(Boolean).join(',');
      lines.push(`::${level} ${props}::${ghData(`${f.message}${where(f) ? ` (${where(f)})` : ''}${pulsarNote(f)}`)}`);
    }
  }
  const n = counts(r);
  lines.push(`${r.title}: ${r.passed ? 'PASSED' : 'FAILED'} (${plural(n.tests, 'comparison')}, ${n.failures} failed)`);
  return lines.join('\n');
}

export function renderReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'json': return JSON.stringify(report.raw, null, 2);
    case 'markdown': return markdown(report);
    case 'junit': return junit(report);
    case 'github': return github(report);
    default: return text(report);
  }
}
