// `dagpact register|check|deploy <manifest|folder>...`: thin shells over the HTTP API for CI. Several
// manifests (files, folders, multi-document YAML) are judged together: one report, one exit code.
// Exit codes: 0 pass, 1 incompatible / check failed / refused, 2 usage error or server unreachable.
import { parsers } from '../config/parse.js';
import { UsageError, type CliCommand } from './args.js';
import {
  CLIENT_NOTES, clientOptions, EXIT, fail, formatOption, guarded, makeClient, plural, print, refused,
} from './client-options.js';
import { lineOf, lineOfTopic, readManifests, type ManifestDocument } from './manifest-files.js';
import { checkReport, combineReports, REPORT_FORMATS, renderReport, type Report } from './report-formats.js';

const where = (m: ManifestDocument) => `${m.file}${m.index ? ` (document ${m.index + 1})` : ''}`;
const label = (m: ManifestDocument) => `${m.dagId ?? '?'}@${m.version ?? '?'}`;

function requireEnv(flags: Map<string, string>): string {
  const env = flags.get('env');
  if (!env) throw new UsageError('--env ENV is required (dagpact env list shows the declared ones)');
  return env;
}

function flagBool(flags: Map<string, string>, name: string): boolean | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const v = parsers.boolean(raw);
  if (v === undefined) throw new UsageError(`--${name} must be true or false (got ${JSON.stringify(raw)})`);
  return v;
}

const worst = (codes: number[]) => (codes.includes(EXIT.usage) ? EXIT.usage : codes.includes(EXIT.failed) ? EXIT.failed : EXIT.ok);

export const registerCommand: CliCommand = {
  summary: 'register DAG versions with their contract manifests (files, folders, multi-document YAML)',
  usage: ['register <manifest|folder>... [--server URL] [--token TOKEN] [--format text|json]'],
  options: { ...clientOptions, ...formatOption() },
  maxPositionals: Infinity,
  notes: ['Registering never changes a subject: produced schemas join their subject when the DAG version is deployed.', ...CLIENT_NOTES],
  async run({ flags, positional }, env) {
    const client = makeClient(env, flags);
    const manifests = readManifests(positional);
    return guarded('register', async () => {
      const codes: number[] = [];
      const answers: unknown[] = [];
      for (const m of manifests) {
        const answer = await client.call('POST', '/v1/dags', { manifest: m.value });
        if (answer.status >= 300) { codes.push(refused('register', answer, `${where(m)}: `)); continue; }
        codes.push(EXIT.ok);
        answers.push(answer.json);
        const j = answer.json;
        if (client.format === 'json') continue;
        const lines = [`${answer.status === 201 ? 'registered' : 'already registered (same contract)'}: ${j.dag_id}@${j.version} (contract ${String(j.contract_hash).slice(0, 12)})`];
        for (const dir of ['consumes', 'produces'] as const) {
          for (const b of j[dir] as Array<Record<string, unknown>>) {
            lines.push(`  ${dir.padEnd(8)} ${b.topic}  ${b.subject} ${b.version === null ? '(new schema: joins the subject when deployed)' : `v${b.version} (schema ${b.schema_id})`}`);
          }
        }
        print(lines.join('\n'));
      }
      if (client.format === 'json') print(JSON.stringify(answers.length === 1 ? answers[0] : answers, null, 2));
      return worst(codes);
    });
  },
};

export const checkCommand: CliCommand = {
  summary: 'pre-deploy check of contract manifests against an environment (exit 1 when any fails)',
  usage: ['check <manifest|folder>... --env ENV [--pulsar true|false] [--format text|json|markdown|junit|github]'],
  options: {
    env: { type: 'string', value: 'ENV', help: 'the declared environment to check against (dagpact env list)' },
    pulsar: { type: 'string', value: 'true|false', help: 'include Pulsar comparisons (default: when the server has PULSAR_ADMIN_URL)' },
    ...clientOptions, ...formatOption(REPORT_FORMATS),
  },
  maxPositionals: Infinity,
  notes: CLIENT_NOTES,
  async run({ flags, positional }, env) {
    const client = makeClient(env, flags, REPORT_FORMATS);
    const environment = requireEnv(flags);
    const pulsar = flagBool(flags, 'pulsar');
    const manifests = readManifests(positional);
    return guarded('check', async () => {
      const reports: Report[] = [];
      const raw: unknown[] = [];
      const codes: number[] = [];
      for (const m of manifests) {
        // The other manifests of this change replace their DAGs' active versions in this one's comparisons.
        const together = manifests.filter((o) => o !== m && o.dagId && o.version && o.dagId !== m.dagId).map((o) => ({ dag_id: o.dagId, version: o.version }));
        const answer = await client.call('POST', '/v1/checks', {
          manifest: m.value, environment, ...(pulsar === undefined ? {} : { pulsar }), ...(together.length ? { together } : {}),
        });
        if (answer.status >= 300) { codes.push(refused('check', answer, `${where(m)}: `)); continue; }
        raw.push(answer.json);
        // Resolution findings carry manifest paths; compatibility findings carry paths inside a schema,
        // so they point at their topic's entry.
        reports.push(checkReport(answer.json, m.file, (f) => (f.kind === 'resolution' && f.path ? lineOf(m, f.path) : undefined)
          ?? lineOfTopic(m, f.topic, (f as { direction?: 'consume' | 'produce' }).direction)));
        codes.push(answer.json.passed ? EXIT.ok : EXIT.failed);
      }
      if (reports.length) {
        const title = `dagpact check of ${plural(reports.length, 'manifest')} in ${environment}`;
        print(renderReport(combineReports(title, reports, raw.length === 1 ? raw[0] : raw), client.format));
      }
      return worst(codes);
    });
  },
};

export const deployCommand: CliCommand = {
  summary: 'activate the manifests\' DAG versions in an environment (each needs a passing check, or --force --reason)',
  usage: ['deploy <manifest|folder>... --env ENV [--force --reason TEXT] [--push-schemas] [--format text|json]'],
  options: {
    env: { type: 'string', value: 'ENV', help: 'the declared environment (dagpact env list)' },
    force: { type: 'boolean', help: 'deploy without a passing check (needs --reason; audited)' },
    reason: { type: 'string', value: 'TEXT', help: 'why a forced deploy is needed' },
    'push-schemas': { type: 'boolean', help: 'push the contract\'s schemas to their Pulsar topics' },
    ...clientOptions, ...formatOption(),
  },
  maxPositionals: Infinity,
  notes: ['Several manifests are one change: deployed in the order that keeps every intermediate state valid (said before the deploys), or refused naming the cycle when none does.',
    'Part of a change checked together is refused when it cannot go live without the rest (--force, admin, overrides).',
    'Redeploying the active version records nothing and says "already active".', ...CLIENT_NOTES],
  async run({ flags, positional }, env) {
    const client = makeClient(env, flags);
    const environment = requireEnv(flags);
    const force = flags.get('force') === 'true';
    const reason = flags.get('reason');
    if (force && !reason) throw new UsageError('--force needs --reason TEXT (it is recorded in the audit log)');
    const push = flags.get('push-schemas') === 'true';
    const manifests = readManifests(positional);
    for (const m of manifests) {
      if (!m.dagId || !m.version) throw new UsageError(`${where(m)}: the manifest needs a string dag_id and version`);
    }
    return guarded('deploy', async () => {
      if (manifests.length > 1) {
        // One change: the server deploys it in the order that keeps every intermediate state valid.
        const answer = await client.call('POST', '/v1/deployments/batch', {
          versions: manifests.map((m) => ({ dag_id: m.dagId, version: m.version })), environment, force, push_schemas: push, ...(reason ? { reason } : {}),
        });
        if (answer.status >= 300) return refused('deploy', answer);
        const j = answer.json as { order: string[]; constraints: Array<{ before: string; after: string; because: string }>; results: Array<Record<string, unknown>> };
        if (client.format === 'json') { print(JSON.stringify(j, null, 2)); return EXIT.ok; }
        const given = manifests.map(label);
        const lines = [`deploy order: ${j.order.join(' → ')}${j.order.join() === given.join() ? '' : ` (given: ${given.join(', ')})`}`];
        for (const c of j.constraints) lines.push(`  ${c.before} before ${c.after}: otherwise ${c.because}`);
        print(lines.join('\n'));
        for (const r of j.results) print(describeDeploy(r));
        return EXIT.ok;
      }
      const [m] = manifests as [ManifestDocument];
      const answer = await client.call('POST', '/v1/deployments', {
        dag_id: m.dagId, version: m.version, environment, force, push_schemas: push, ...(reason ? { reason } : {}),
      });
      if (answer.status >= 300) return refused('deploy', answer, `${label(m)}: `);
      print(client.format === 'json' ? JSON.stringify(answer.json, null, 2) : describeDeploy(answer.json));
      return EXIT.ok;
    });
  },
};

function describeDeploy(j: Record<string, unknown>): string {
  const d = j.deployment as Record<string, unknown>;
  if (j.already_active) return `${d.dag_id}@${d.version} is already active in ${d.environment} (deployment ${d.id}); nothing recorded`;
  const lines = [`deployed ${d.dag_id}@${d.version} to ${d.environment} (deployment ${d.id}${d.forced ? ', FORCED' : ''}${d.check_id ? `, check ${d.check_id}` : ''})`];
  for (const p of j.pinned as Array<Record<string, unknown>>) lines.push(`  ${p.subject} v${p.version} registered (schema ${p.schema_id}, written to ${p.topic})`);
  for (const p of j.pushed as Array<Record<string, unknown>>) lines.push(`  pushed ${p.subject} v${p.version} to ${p.topic} (Pulsar version ${p.pulsar_version})`);
  for (const n of j.namespaces as Array<Record<string, unknown>>) {
    lines.push(`  namespace ${n.namespace}: compatibility ${n.compatibility_strategy}, schemaValidationEnforced ${n.schema_validation_enforced}`);
  }
  for (const t of (j.topics ?? []) as Array<Record<string, unknown>>) {
    if (t.error) lines.push(`  topic ${t.topic}: Pulsar could not describe it (${t.error})`);
    else if (!t.exists) lines.push(`  topic ${t.topic}: not created yet (it will get its namespace's policies)`);
    else {
      lines.push(`  topic ${t.topic}: compatibility ${t.compatibility_strategy ?? 'unknown'}`
        + `${t.compatibility_strategy_override ? ' (set on the topic)' : ''}, schemaValidationEnforced ${t.schema_validation_enforced}`);
    }
  }
  return lines.join('\n');
}

