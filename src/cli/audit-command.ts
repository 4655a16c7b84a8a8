// `dagpact audit [--principal ID] [--action A|prefix.*] [--since ISO] [--until ISO] [--limit N] [--cursor C]`:
// reads GET /v1/audit (admin) with DAGPACT_URL and DAGPACT_TOKEN. Exit 0, 3 on a refused or failed call.
import { parsers, parseSettings } from '../config/parse.js';
import { callApi, describeFailure } from './api-client.js';
import type { CliCommand } from './commands.js';

const settings = {
  url: { env: 'DAGPACT_URL', flag: 'url', expects: 'an http:// or https:// URL', parse: parsers.url(['http:', 'https:']), default: 'http://127.0.0.1:8081' },
  token: { env: 'DAGPACT_TOKEN', flag: 'token', expects: 'a token', parse: parsers.string, default: undefined as string | undefined, secret: true },
  output: { env: 'DAGPACT_OUTPUT', flag: 'output', expects: 'text or json', parse: parsers.oneOf(['text', 'json'] as const), default: 'text' as 'text' | 'json' },
  principal: { env: 'DAGPACT_AUDIT_PRINCIPAL', flag: 'principal', expects: 'a principal id (token:12, oidc:<iss>#<sub>)', parse: parsers.string, default: undefined as string | undefined },
  action: { env: 'DAGPACT_AUDIT_ACTION', flag: 'action', expects: 'an action, or a prefix ending in *', parse: parsers.string, default: undefined as string | undefined },
  since: { env: 'DAGPACT_AUDIT_SINCE', flag: 'since', expects: 'an ISO 8601 date-time', parse: (r: string) => (Number.isNaN(Date.parse(r)) ? undefined : r), default: undefined as string | undefined },
  until: { env: 'DAGPACT_AUDIT_UNTIL', flag: 'until', expects: 'an ISO 8601 date-time', parse: (r: string) => (Number.isNaN(Date.parse(r)) ? undefined : r), default: undefined as string | undefined },
  limit: { env: 'DAGPACT_AUDIT_LIMIT', flag: 'limit', expects: 'an integer from 1 to 1000', parse: (r: string) => { const n = parsers.positiveInt(r); return n !== undefined && n <= 1000 ? n : undefined; }, default: 100 },
  cursor: { env: 'DAGPACT_AUDIT_CURSOR', flag: 'cursor', expects: 'a cursor from the previous page', parse: parsers.positiveInt, default: undefined as number | undefined },
};

type Event = { id: number; created_at: string; actor: string; actor_name: string | null; action: string; target_type: string; target_id: string; details: unknown };

export const auditCommand: CliCommand = {
  summary: 'read the audit trail (admin): --principal, --action, --since, --until, --limit, --cursor',
  async run({ flags }, env) {
    const c = parseSettings(settings, env, flags);
    const q = new URLSearchParams({ limit: String(c.limit) });
    for (const [k, v] of [['principal', c.principal], ['action', c.action], ['since', c.since], ['until', c.until], ['cursor', c.cursor]] as const) {
      if (v !== undefined) q.set(k, String(v));
    }
    const answer = await callApi(c.url, c.token, 'GET', `/v1/audit?${q}`);
    if (answer.status !== 200) {
      process.stderr.write(`dagpact audit: ${describeFailure(answer)}\n`);
      return 3;
    }
    if (c.output === 'json') {
      process.stdout.write(JSON.stringify(answer.json, null, 2) + '\n');
      return 0;
    }
    const events = answer.json.events as Event[];
    const lines = events.map((e) => `${e.created_at}  ${e.actor}${e.actor_name ? ` (${e.actor_name})` : ''}  ${e.action}  ${e.target_type}:${e.target_id}` +
      (e.details ? `  ${JSON.stringify(e.details)}` : ''));
    lines.push(answer.json.next_cursor ? `(more: --cursor ${answer.json.next_cursor})` : `(${events.length} event(s))`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
