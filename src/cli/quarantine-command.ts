// `dagpact quarantine list|show|replay|discard`: the quarantine API over HTTP (DAGPACT_URL, DAGPACT_TOKEN).
// Same vocabulary as the other commands (--server, --format); --url and --output still work, deprecated.
import { parsers } from '../config/parse.js';
import { UsageError, type CliCommand, type Options } from './args.js';
import { CLIENT_NOTES, clientOptions, formatOption, guarded, makeClient, refused } from './client-options.js';

const FILTER_FLAGS = ['topic', 'dag-id', 'dag-version', 'reason', 'status', 'disposition', 'env', 'since', 'until'] as const;

const USAGE_LINES = [
  'quarantine list [--topic T] [--dag-id D] [--dag-version V] [--reason CODE] [--status held|replayed|discarded] [--env ENV] [--since ISO] [--until ISO] [--limit N] [--cursor C]',
  'quarantine show <id>',
  'quarantine replay <id> | --all [filters] [--limit N]',
  'quarantine discard <id> [--reason-text TEXT] | --all [filters] [--limit N]',
];
const USAGE = `say what to do: ${USAGE_LINES.map((l) => `dagpact ${l.split(' [')[0]}`).join('; ')}`;

function filters(flags: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FILTER_FLAGS) { const v = flags.get(f); if (v !== undefined) out[f === 'env' ? 'environment' : f.replaceAll('-', '_')] = v; }
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

const options: Options = {
  topic: { type: 'string', value: 'T', help: 'filter: source topic' },
  'dag-id': { type: 'string', value: 'D', help: 'filter: DAG' },
  'dag-version': { type: 'string', value: 'V', help: 'filter: DAG version' },
  reason: { type: 'string', value: 'CODE', help: 'filter: reason code (SCHEMA_MISMATCH, ...)' },
  status: { type: 'string', value: 'held|replayed|discarded', help: 'filter: status' },
  disposition: { type: 'string', value: 'D', help: 'filter: quarantine or reject' },
  env: { type: 'string', value: 'ENV', help: 'filter: environment' },
  environment: { type: 'string', value: 'ENV', help: '', aliasOf: 'env' },
  since: { type: 'string', value: 'ISO', help: 'filter: held at or after' },
  until: { type: 'string', value: 'ISO', help: 'filter: held before' },
  limit: { type: 'string', value: 'N', help: 'at most N records' },
  cursor: { type: 'string', value: 'C', help: 'list: continue from a cursor' },
  all: { type: 'boolean', help: 'replay/discard: every record matching the filters' },
  'reason-text': { type: 'string', value: 'TEXT', help: 'discard: why' },
  ...clientOptions,
  url: { type: 'string', value: 'URL', help: '', aliasOf: 'server' },
  ...formatOption(),
  output: { type: 'string', value: 'text|json', help: '', aliasOf: 'format' },
};

export const quarantineCommand: CliCommand = {
  summary: 'inspect, replay or discard quarantined messages (list|show|replay|discard)',
  usage: USAGE_LINES,
  options,
  maxPositionals: 2,
  notes: CLIENT_NOTES,
  async run({ flags, positional }, env) {
    const client = makeClient(env, flags);
    const [action, idText] = positional;
    const out = (value: unknown, text: string) => process.stdout.write((client.format === 'json' ? JSON.stringify(value, null, 2) : text) + '\n');
    const command = `quarantine ${action}`;
    const fail = (status: number, json: Rec) => refused(command, { status, json });
    const call = async (method: string, path: string, body?: unknown) => client.call(method, path, body);
    const id = idText !== undefined ? Number(idText) : undefined;
    if (id !== undefined && !(Number.isSafeInteger(id) && id > 0)) throw new UsageError(`"${idText}" is not a quarantine record id`);
    const all = flags.get('all') === 'true';
    const limit = flags.get('limit');
    if (limit !== undefined && !parsers.positiveInt(limit)) throw new UsageError('--limit must be a positive integer');
    return guarded(command, async () => {

    switch (action) {
      case 'list': {
        const q = new URLSearchParams({ ...filters(flags), ...(limit ? { limit } : {}), ...(flags.get('cursor') ? { cursor: flags.get('cursor')! } : {}) });
        const { status, json } = await call('GET', `/v1/quarantine?${q}`);
        if (status !== 200) return fail(status, json);
        const records = json.records as Rec[];
        out(json, [...records.map(line), json.next_cursor ? `(more: --cursor ${json.next_cursor})` : `(${records.length} record${records.length === 1 ? '' : 's'})`].join('\n'));
        return 0;
      }
      case 'show': {
        if (id === undefined) throw new UsageError(USAGE);
        const { status, json } = await call('GET', `/v1/quarantine/${id}`);
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
          const { status, json } = await call('POST', `/v1/quarantine/${action}`, body);
          if (status !== 200) return fail(status, json);
          const results = json.results as Rec[];
          out(json, results.map((r) => `${String(r.id).padStart(6)}  ${r.ok ? JSON.stringify(r.result) : `failed: ${(r.error as Rec).message}`}`).join('\n') + `\n(${results.length} record${results.length === 1 ? '' : 's'})`);
          return results.every((r) => r.ok) ? 0 : 1;
        }
        if (id === undefined) throw new UsageError(USAGE);
        const body = action === 'discard' && flags.get('reason-text') ? { reason: flags.get('reason-text') } : action === 'discard' ? {} : undefined;
        const { status, json } = await call('POST', `/v1/quarantine/${id}/${action}`, body);
        if (status !== 200) return fail(status, json);
        const result = (json.result ?? {}) as Rec;
        out(json, action === 'replay'
          ? (result.outcome === 'forwarded' ? `record ${id}: forwarded to ${result.trigger_topic} (${result.forwarded_message_id})` : `record ${id}: still held: ${result.reason_code}: ${result.reason}`)
          : `record ${id}: discarded`);
        return action === 'replay' && result.outcome !== 'forwarded' ? 1 : 0;
      }
      default:
        throw new UsageError(USAGE);
    }
    });
  },
};
