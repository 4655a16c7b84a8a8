// `dagpact quarantine list|show|replay|discard`: the quarantine API over HTTP (DAGPACT_URL, DAGPACT_TOKEN).
import { ConfigError, parsers, parseSettings } from '../config/parse.js';
import type { CliCommand } from './commands.js';

const settings = {
  url: { env: 'DAGPACT_URL', flag: 'url', expects: 'an http:// or https:// URL', parse: parsers.url(['http:', 'https:']), default: 'http://127.0.0.1:8081' },
  token: { env: 'DAGPACT_TOKEN', flag: 'token', expects: 'a token', parse: parsers.string, default: undefined as string | undefined },
  output: { env: 'DAGPACT_OUTPUT', flag: 'output', expects: 'text or json', parse: parsers.oneOf(['text', 'json'] as const), default: 'text' as 'text' | 'json' },
};

const FILTER_FLAGS = ['topic', 'dag-id', 'dag-version', 'reason', 'status', 'disposition', 'environment', 'since', 'until'] as const;

const USAGE = `usage:
  dagpact quarantine list [--topic T] [--dag-id D] [--dag-version V] [--reason CODE] [--status held|replayed|discarded]
                          [--since ISO] [--until ISO] [--limit N] [--cursor C]
  dagpact quarantine show <id>
  dagpact quarantine replay <id> | --all [filters] [--limit N]
  dagpact quarantine discard <id> [--reason-text TEXT] | --all [filters] [--limit N]
options: --url (DAGPACT_URL), --token (DAGPACT_TOKEN), --output text|json`;

async function call(base: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base.replace(/\/+$/, '') + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new Error(`cannot reach dagpact at ${base}: ${(error as Error).message}; check DAGPACT_URL`);
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) as Record<string, unknown> : {};
  return { status: res.status, json };
}

function filters(flags: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FILTER_FLAGS) { const v = flags.get(f); if (v !== undefined) out[f.replaceAll('-', '_')] = v; }
  return out;
}

type Rec = Record<string, unknown>;
const line = (r: Rec) => `${String(r.id).padStart(6)}  ${String(r.status).padEnd(9)} ${String(r.disposition).padEnd(10)} ${String(r.reason_code).padEnd(18)} ${r.dag_id}@${r.dag_version ?? '-'}  ${r.source_topic}  ${r.message_id}`;

/** The writer and contract schemas of a shown record, and the findings of one against the other. */
function schemaLines(json: Rec): string {
  const view = (v: Rec | undefined) => (v ? [
    v.schema_id !== undefined ? `schema ${v.schema_id}` : 'not in the registry',
    v.pulsar_schema_version !== undefined ? `Pulsar schema version ${v.pulsar_schema_version}${v.pulsar_type ? ` (${v.pulsar_type})` : ''}` : undefined,
  ].filter(Boolean).join(', ') + (v.schema ? `\n    ${String(v.schema)}` : '') : 'unknown');
  const findings = (json.findings as Rec[] | undefined) ?? [];
  return `writer: ${view(json.writer as Rec | undefined)}\ncontract: ${view(json.expected as Rec | undefined)}\n` +
    (findings.length ? `findings:\n${findings.map((f) => `  ${f.path} ${f.rule}: ${f.message}`).join('\n')}\n` : '');
}

export const quarantineCommand: CliCommand = {
  summary: 'inspect, replay or discard quarantined messages (list|show|replay|discard)',
  async run({ flags, positional }, env) {
    const config = parseSettings(settings, env, flags);
    const [action, idText] = positional;
    const out = (value: unknown, text: string) => process.stdout.write((config.output === 'json' ? JSON.stringify(value, null, 2) : text) + '\n');
    const fail = (status: number, json: Rec) => {
      process.stderr.write(`dagpact quarantine ${action}: ${status} ${json.error_code ?? ''} ${json.message ?? JSON.stringify(json)}\n`);
      return status === 409 ? 1 : 3;
    };
    const id = idText !== undefined ? Number(idText) : undefined;
    if (id !== undefined && !(Number.isSafeInteger(id) && id > 0)) throw new ConfigError(`"${idText}" is not a quarantine record id`);
    const all = flags.get('all') === 'true';
    const limit = flags.get('limit');
    if (limit !== undefined && !parsers.positiveInt(limit)) throw new ConfigError('--limit must be a positive integer');

    switch (action) {
      case 'list': {
        const q = new URLSearchParams({ ...filters(flags), ...(limit ? { limit } : {}), ...(flags.get('cursor') ? { cursor: flags.get('cursor')! } : {}) });
        const { status, json } = await call(config.url, config.token, 'GET', `/v1/quarantine?${q}`);
        if (status !== 200) return fail(status, json);
        const records = json.records as Rec[];
        out(json, [...records.map(line), json.next_cursor ? `(more: --cursor ${json.next_cursor})` : `(${records.length} record(s))`].join('\n'));
        return 0;
      }
      case 'show': {
        if (id === undefined) throw new ConfigError(USAGE);
        const { status, json } = await call(config.url, config.token, 'GET', `/v1/quarantine/${id}`);
        if (status !== 200) return fail(status, json);
        const decoded = json.decoded as Rec | undefined;
        out(json, `${line(json)}\nreason: ${json.reason}\n${schemaLines(json)}properties: ${JSON.stringify(json.properties)}\n` +
          (decoded?.error ? `payload: (not decoded: ${decoded.error})\n` : `payload (schema ${decoded?.schema_id ?? 'none'}): ${JSON.stringify(decoded?.value, null, 2)}\n`) +
          (json.payload_base64 !== undefined ? `payload_base64: ${json.payload_base64}\n` : `redacted (needs payload:read:${json.environment}): ${(json.redacted as string[] | undefined)?.join(', ') || 'nothing'}; raw bytes not shown\n`) +
          `history:\n${(json.history as Rec[]).map((h) => `  ${h.at} ${h.action} by ${h.actor}`).join('\n')}`);
        return 0;
      }
      case 'replay':
      case 'discard': {
        if (all) {
          const body = { ...filters(flags), ...(limit ? { limit: Number(limit) } : {}), ...(action === 'discard' && flags.get('reason-text') ? { reason_text: flags.get('reason-text') } : {}) };
          const { status, json } = await call(config.url, config.token, 'POST', `/v1/quarantine/${action}`, body);
          if (status !== 200) return fail(status, json);
          const results = json.results as Rec[];
          out(json, results.map((r) => `${String(r.id).padStart(6)}  ${r.ok ? JSON.stringify(r.result) : `failed: ${(r.error as Rec).message}`}`).join('\n') + `\n(${results.length} record(s))`);
          return results.every((r) => r.ok) ? 0 : 1;
        }
        if (id === undefined) throw new ConfigError(USAGE);
        const body = action === 'discard' && flags.get('reason-text') ? { reason: flags.get('reason-text') } : action === 'discard' ? {} : undefined;
        const { status, json } = await call(config.url, config.token, 'POST', `/v1/quarantine/${id}/${action}`, body);
        if (status !== 200) return fail(status, json);
        const result = (json.result ?? {}) as Rec;
        out(json, action === 'replay'
          ? (result.outcome === 'forwarded' ? `record ${id}: forwarded to ${result.trigger_topic} (${result.forwarded_message_id})` : `record ${id}: still held: ${result.reason_code}: ${result.reason}`)
          : `record ${id}: discarded`);
        return action === 'replay' && result.outcome !== 'forwarded' ? 1 : 0;
      }
      default:
        throw new ConfigError(USAGE);
    }
  },
};
