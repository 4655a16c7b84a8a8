// `dagpact register|check|deploy <manifest> --env ENV` and `dagpact schema register|check`: thin shells
// over the HTTP API for CI. Exit codes: 0 pass, 1 incompatible / check failed / refused, 2 usage error,
// server unreachable or any other failure (with a one-line message on stderr).
import { readFileSync } from 'node:fs';
import { ConfigError, parsers, parseSettings } from '../config/parse.js';
import { readManifestText } from '../core/contracts/manifest.js';
import { isDagpactError } from '../core/errors.js';
import { callApi, describeFailure, UnreachableError, type ApiAnswer } from './api-client.js';
import type { CliCommand } from './commands.js';
import { checkReport, compatibilityReport, renderReport, REPORT_FORMATS, type ReportFormat } from './report-formats.js';

export const EXIT_CODES = { ok: 0, failed: 1, usage: 2 } as const;

const settings = {
  url: { env: 'DAGPACT_URL', flag: 'server', expects: 'an http:// or https:// URL', parse: parsers.url(['http:', 'https:']), default: 'http://127.0.0.1:8081' },
  token: { env: 'DAGPACT_TOKEN', flag: 'token', expects: 'a token', parse: parsers.string, default: undefined as string | undefined },
  format: { env: 'DAGPACT_FORMAT', flag: 'format', expects: REPORT_FORMATS.join(', '), parse: parsers.oneOf(REPORT_FORMATS), default: 'text' as ReportFormat },
};

const USAGE = `usage:
  dagpact register <manifest.yaml> [--server URL] [--format text|json]
  dagpact check <manifest.yaml> --env ENV [--pulsar true|false] [--server URL] [--format text|json|markdown|junit|github]
  dagpact deploy <manifest.yaml> --env ENV [--force --reason TEXT] [--push-schemas] [--server URL] [--format text|json]
  dagpact schema register|check --subject S --file F [--type AVRO|JSON] [--server URL] [--format ...]
environment: DAGPACT_URL (default http://127.0.0.1:8081), DAGPACT_TOKEN
exit codes: 0 pass, 1 incompatible or check failed, 2 usage error or server unreachable`;

function readFile(path: string | undefined, what: string): string {
  if (!path) throw new ConfigError(`${what} is required\n${USAGE}`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function flagBool(flags: Map<string, string>, name: string): boolean | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const v = parsers.boolean(raw);
  if (v === undefined) throw new ConfigError(`--${name} must be true or false (got ${JSON.stringify(raw)})`);
  return v;
}

const print = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const fail = (command: string, message: string) => process.stderr.write(`dagpact ${command}: ${message}\n`);

/** Runs a command body, turning an unreachable server into exit 2 with one line. */
async function guarded(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UnreachableError) { fail(command, error.message); return EXIT_CODES.usage; }
    throw error;
  }
}

/** Non-2xx answers: 409 (incompatible, conflict, check required) is 1, anything else 2. */
function failed(command: string, answer: ApiAnswer): number {
  fail(command, describeFailure(answer));
  return answer.status === 409 ? EXIT_CODES.failed : EXIT_CODES.usage;
}

function requireEnv(flags: Map<string, string>): string {
  const env = flags.get('env') ?? flags.get('environment');
  if (!env || env === 'true') throw new ConfigError(`--env ENV is required\n${USAGE}`);
  return env;
}

export const registerCommand: CliCommand = {
  summary: 'register a DAG version with its contract manifest',
  async run({ flags, positional }, env) {
    const config = parseSettings(settings, env, flags);
    const manifest = readFile(positional[0], 'the manifest file');
    return guarded('register', async () => {
      const answer = await callApi(config.url, config.token, 'POST', '/v1/dags', { manifest });
      if (answer.status >= 300) return failed('register', answer);
      const j = answer.json;
      const lines = [`${answer.status === 201 ? 'registered' : 'already registered (same contract)'}: ${j.dag_id}@${j.version} (contract ${String(j.contract_hash).slice(0, 12)})`];
      for (const dir of ['consumes', 'produces'] as const) {
        for (const b of j[dir] as Array<Record<string, unknown>>) lines.push(`  ${dir.padEnd(8)} ${b.topic}  ${b.subject} v${b.version} (schema ${b.schema_id})`);
      }
      print(config.format === 'json' ? JSON.stringify(j, null, 2) : lines.join('\n'));
      return EXIT_CODES.ok;
    });
  },
};

export const checkCommand: CliCommand = {
  summary: 'pre-deploy check of a contract manifest against an environment (exit 1 when it fails)',
  async run({ flags, positional }, env) {
    const config = parseSettings(settings, env, flags);
    const file = positional[0];
    const manifest = readFile(file, 'the manifest file');
    const environment = requireEnv(flags);
    const pulsar = flagBool(flags, 'pulsar');
    return guarded('check', async () => {
      const answer = await callApi(config.url, config.token, 'POST', '/v1/checks', { manifest, environment, ...(pulsar === undefined ? {} : { pulsar }) });
      if (answer.status >= 300) return failed('check', answer);
      print(renderReport(checkReport(answer.json, file), config.format));
      return answer.json.passed ? EXIT_CODES.ok : EXIT_CODES.failed;
    });
  },
};

export const deployCommand: CliCommand = {
  summary: 'activate the manifest\'s DAG version in an environment (needs a passing check, or --force --reason)',
  async run({ flags, positional }, env) {
    const config = parseSettings(settings, env, flags);
    const text = readFile(positional[0], 'the manifest file');
    const environment = requireEnv(flags);
    let doc: { dag_id?: unknown; version?: unknown };
    try {
      doc = (readManifestText(text) ?? {}) as typeof doc;
    } catch (error) {
      throw new ConfigError(isDagpactError(error) ? error.message : String(error));
    }
    if (typeof doc.dag_id !== 'string' || typeof doc.version !== 'string') throw new ConfigError('the manifest needs a string dag_id and version');
    const force = flagBool(flags, 'force') ?? false;
    const reason = flags.get('reason');
    if (force && (!reason || reason === 'true')) throw new ConfigError('--force needs --reason TEXT (it is recorded in the audit log)');
    const push = flagBool(flags, 'push-schemas') ?? false;
    return guarded('deploy', async () => {
      const answer = await callApi(config.url, config.token, 'POST', '/v1/deployments', {
        dag_id: doc.dag_id, version: doc.version, environment, force, push_schemas: push, ...(reason ? { reason } : {}),
      });
      if (answer.status >= 300) return failed('deploy', answer);
      const j = answer.json;
      const d = j.deployment as Record<string, unknown>;
      const lines = [`deployed ${d.dag_id}@${d.version} to ${d.environment} (deployment ${d.id}${d.forced ? ', FORCED' : ''}${d.check_id ? `, check ${d.check_id}` : ''})`];
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
      print(config.format === 'json' ? JSON.stringify(j, null, 2) : lines.join('\n'));
      return EXIT_CODES.ok;
    });
  },
};

export const schemaCommand: CliCommand = {
  summary: 'register a schema under a subject, or check it against the subject\'s compatibility level',
  async run({ flags, positional }, env) {
    const config = parseSettings(settings, env, flags);
    const action = positional[0];
    if (action !== 'register' && action !== 'check') throw new ConfigError(USAGE);
    const subject = flags.get('subject');
    if (!subject || subject === 'true') throw new ConfigError(`--subject S is required\n${USAGE}`);
    const file = flags.get('file');
    const schema = readFile(file, 'the schema file (--file)');
    const type = (flags.get('type') ?? 'AVRO').toUpperCase();
    if (type !== 'AVRO' && type !== 'JSON') throw new ConfigError(`--type must be AVRO or JSON (got ${JSON.stringify(flags.get('type'))})`);
    const path = `/v1/subjects/${encodeURIComponent(subject)}`;
    return guarded(`schema ${action}`, async () => {
      if (action === 'check') {
        const answer = await callApi(config.url, config.token, 'POST', `${path}/compatibility`, { schema, format: type });
        if (answer.status === 404 && answer.json.error_code === 'SUBJECT_NOT_FOUND') {
          print(renderReport(compatibilityReport(subject, { compatible: true, findings: [] }, file, answer.json), config.format));
          return EXIT_CODES.ok;
        }
        if (answer.status >= 300) return failed(`schema ${action}`, answer);
        const verdict = answer.json as { compatible: boolean; level: string; findings: Array<Record<string, unknown>> };
        print(renderReport(compatibilityReport(subject, verdict, file, answer.json), config.format));
        return verdict.compatible ? EXIT_CODES.ok : EXIT_CODES.failed;
      }
      const answer = await callApi(config.url, config.token, 'POST', `${path}/versions`, { schema, format: type });
      if (answer.status === 409 && answer.json.error_code === 'INCOMPATIBLE_SCHEMA') {
        const details = answer.json.details as { level?: string; findings?: Array<Record<string, unknown>> } | undefined;
        print(renderReport(compatibilityReport(subject, { compatible: false, level: details?.level, findings: details?.findings ?? [] }, file, answer.json), config.format));
        return EXIT_CODES.failed;
      }
      if (answer.status >= 300) return failed(`schema ${action}`, answer);
      const j = answer.json;
      print(config.format === 'json' ? JSON.stringify(j, null, 2) : `${j.created ? 'registered' : 'already registered'}: ${j.subject} v${j.version} (schema id ${j.id})`);
      return EXIT_CODES.ok;
    });
  },
};
