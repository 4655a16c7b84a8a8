// `dagpact audit [--principal ID] [--action A|prefix.*] [--since ISO] [--until ISO] [--limit N] [--cursor C]`:
// reads GET /v1/audit (admin). Exit 0; 1 when the server refuses; 2 on a usage error or no server.
import { UsageError, type CliCommand } from './args.js';
import { CLIENT_NOTES, clientOptions, EXIT, formatOption, guarded, makeClient, plural, print, refused } from './client-options.js';

type Event = { id: number; created_at: string; actor: string; actor_name: string | null; action: string; target_type: string; target_id: string; details: unknown };

export const auditCommand: CliCommand = {
  summary: 'read the audit trail (admin): who changed or was refused what, and when',
  usage: ['audit [--principal ID] [--action A|prefix.*] [--since ISO] [--until ISO] [--limit N] [--cursor C]'],
  options: {
    principal: { type: 'string', value: 'ID', help: 'only this principal (token:12, oidc:<issuer>#<subject>)' },
    action: { type: 'string', value: 'A', help: 'only this action, or a prefix ending in * (schema.*)' },
    since: { type: 'string', value: 'ISO', help: 'from this date-time' },
    until: { type: 'string', value: 'ISO', help: 'up to this date-time' },
    limit: { type: 'string', value: 'N', help: 'at most N events (1 to 1000, default 100)' },
    cursor: { type: 'string', value: 'C', help: 'the next page: the cursor printed by the previous one' },
    ...clientOptions, ...formatOption(),
  },
  maxPositionals: 0,
  notes: CLIENT_NOTES,
  async run({ flags }, env) {
    const q = new URLSearchParams({ limit: flags.get('limit') ?? '100' });
    for (const key of ['principal', 'action', 'since', 'until', 'cursor']) {
      const value = flags.get(key);
      if (value !== undefined) q.set(key, value);
    }
    for (const key of ['since', 'until']) {
      const value = flags.get(key);
      if (value !== undefined && Number.isNaN(Date.parse(value))) throw new UsageError(`--${key} must be an ISO 8601 date-time (got ${JSON.stringify(value)})`);
    }
    const client = makeClient(env, flags);
    return guarded('audit', async () => {
      const answer = await client.call('GET', `/v1/audit?${q}`);
      if (answer.status !== 200) return refused('audit', answer);
      if (client.format === 'json') { print(JSON.stringify(answer.json, null, 2)); return EXIT.ok; }
      const events = answer.json.events as Event[];
      const lines = events.map((e) => `${e.created_at}  ${e.actor}${e.actor_name ? ` (${e.actor_name})` : ''}  ${e.action}  ${e.target_type}:${e.target_id}` +
        (e.details ? `  ${JSON.stringify(e.details)}` : ''));
      lines.push(answer.json.next_cursor ? `(more: --cursor ${String(answer.json.next_cursor)})` : `(${plural(events.length, 'event')})`);
      print(lines.join('\n'));
      return EXIT.ok;
    });
  },
};
