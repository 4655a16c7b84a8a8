// `dagpact env list|create`, `dagpact deployments [--env]` (history) and `dagpact active --env`
// (which DAG versions are live where): reads and one declaration over the HTTP API.
import { UsageError, type CliCommand } from './args.js';
import { CLIENT_NOTES, clientOptions, EXIT, formatOption, guarded, makeClient, plural, print, refused } from './client-options.js';

type Rec = Record<string, unknown>;

export const envCommand: CliCommand = {
  summary: 'list the declared environments, or declare one (env list | env create NAME)',
  usage: ['env list', 'env create <name> [--description TEXT]'],
  options: { description: { type: 'string', value: 'TEXT', help: 'env create: what the environment is for' }, ...clientOptions, ...formatOption() },
  maxPositionals: 2,
  notes: ['A fresh database declares dev, staging and prod. Checks and deploys refuse an undeclared environment.', ...CLIENT_NOTES],
  async run({ flags, positional }, env) {
    const [action, name] = positional;
    const client = makeClient(env, flags);
    if (action === 'list') {
      if (name !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(name)}`);
      return guarded('env list', async () => {
        const answer = await client.call('GET', '/v1/environments');
        if (answer.status >= 300) return refused('env list', answer);
        const list = answer.json.environments as Rec[];
        print(client.format === 'json' ? JSON.stringify(answer.json, null, 2)
          : list.map((e) => `${String(e.name).padEnd(20)} ${e.description ?? ''}`.trimEnd()).join('\n') || '(no environments)');
        return EXIT.ok;
      });
    }
    if (action === 'create') {
      if (!name) throw new UsageError('env create needs a name: dagpact env create NAME');
      return guarded('env create', async () => {
        const description = flags.get('description');
        const answer = await client.call('POST', '/v1/environments', { name, ...(description ? { description } : {}) });
        if (answer.status >= 300) return refused('env create', answer);
        print(client.format === 'json' ? JSON.stringify(answer.json, null, 2) : `${answer.status === 201 ? 'declared' : 'already declared'}: ${name}`);
        return EXIT.ok;
      });
    }
    throw new UsageError('say list or create: dagpact env list | dagpact env create NAME');
  },
};

export const deploymentsCommand: CliCommand = {
  summary: 'deployment history, newest first (optionally of one environment or DAG)',
  usage: ['deployments [--env ENV] [--dag-id D] [--limit N]'],
  options: {
    env: { type: 'string', value: 'ENV', help: 'only this environment' },
    'dag-id': { type: 'string', value: 'D', help: 'only this DAG' },
    limit: { type: 'string', value: 'N', help: 'at most N records (default 100)' },
    ...clientOptions, ...formatOption(),
  },
  maxPositionals: 0,
  notes: CLIENT_NOTES,
  async run({ flags }, env) {
    const client = makeClient(env, flags);
    const q = new URLSearchParams();
    if (flags.get('env')) q.set('environment', flags.get('env')!);
    if (flags.get('dag-id')) q.set('dag_id', flags.get('dag-id')!);
    if (flags.get('limit')) q.set('limit', flags.get('limit')!);
    return guarded('deployments', async () => {
      const answer = await client.call('GET', `/v1/deployments${q.size ? `?${q}` : ''}`);
      if (answer.status >= 300) return refused('deployments', answer);
      const list = answer.json.deployments as Rec[];
      print(client.format === 'json' ? JSON.stringify(answer.json, null, 2) : [
        ...list.map((d) => `${String(d.id).padStart(6)}  ${String(d.created_at).slice(0, 19)}  ${String(d.environment).padEnd(10)} ${d.dag_id}@${d.version ?? '(undeployed)'}` +
          `${d.forced ? `  FORCED: ${d.reason}` : ''}  by ${d.deployed_by}`),
        `(${plural(list.length, 'deployment')})`,
      ].join('\n'));
      return EXIT.ok;
    });
  },
};

export const activeCommand: CliCommand = {
  summary: 'the DAG versions active in an environment, with what they consume and produce',
  usage: ['active --env ENV'],
  options: { env: { type: 'string', value: 'ENV', help: 'the environment' }, ...clientOptions, ...formatOption() },
  maxPositionals: 0,
  notes: CLIENT_NOTES,
  async run({ flags }, env) {
    const client = makeClient(env, flags);
    const environment = flags.get('env');
    if (!environment) throw new UsageError('--env ENV is required');
    return guarded('active', async () => {
      const answer = await client.call('GET', `/v1/environments/${encodeURIComponent(environment)}/active`);
      if (answer.status >= 300) return refused('active', answer);
      if (client.format === 'json') { print(JSON.stringify(answer.json, null, 2)); return EXIT.ok; }
      const lines: string[] = [];
      for (const a of answer.json.active as Array<{ dag_version: Rec; deployment: Rec }>) {
        const v = a.dag_version;
        lines.push(`${v.dag_id}@${v.version}  (deployment ${a.deployment.id}, ${String(a.deployment.created_at).slice(0, 19)})`);
        for (const dir of ['consumes', 'produces'] as const) {
          for (const b of v[dir] as Rec[]) lines.push(`  ${dir.padEnd(8)} ${b.topic}  ${b.subject} v${b.version}`);
        }
      }
      lines.push(`(${plural((answer.json.active as unknown[]).length, 'active DAG version')} in ${environment})`);
      print(lines.join('\n'));
      return EXIT.ok;
    });
  },
};
