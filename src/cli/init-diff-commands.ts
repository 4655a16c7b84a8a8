// `dagpact init`: a manifest skeleton from a registered subject version (through the server) or from
// a topic's current schema on Pulsar (its admin API). `dagpact diff`: two versions of a subject
// (server), or two manifests (offline: what their contracts declare differently).
import { stringify } from 'yaml';
import { parsers } from '../config/parse.js';
import { contractIdentity, diffIdentities } from '../core/contracts/identity.js';
import { parseManifest } from '../core/contracts/manifest.js';
import { isDagpactError } from '../core/errors.js';
import { makePulsarAdmin } from '../pulsar-admin/admin-client.js';
import { UsageError, type CliCommand } from './args.js';
import { CLIENT_NOTES, clientOptions, EXIT, fail, formatOption, guarded, makeClient, plural, print, refused } from './client-options.js';
import { readManifests } from './manifest-files.js';

const local = (topic: string) => topic.replace(/^(non-)?persistent:\/\//, '').split('/').at(-1)!;

export const initCommand: CliCommand = {
  summary: 'print a manifest skeleton reading or writing a topic, from a registered subject or the topic\'s schema on Pulsar',
  usage: [
    'init --dag-id D --topic T --subject S [--version N] [--produces]',
    'init --dag-id D --topic T --from-pulsar [--pulsar-admin-url URL] [--produces]',
  ],
  options: {
    'dag-id': { type: 'string', value: 'D', help: 'the DAG id' },
    topic: { type: 'string', value: 'T', help: 'the Pulsar topic' },
    subject: { type: 'string', value: 'S', help: 'a registered subject to reference (default <topic>-value)' },
    version: { type: 'string', value: 'N', help: 'the subject version (default: the latest, pinned in the skeleton)' },
    produces: { type: 'boolean', help: 'the DAG writes the topic (default: it reads it)' },
    'from-pulsar': { type: 'boolean', help: 'inline the topic\'s current schema from Pulsar\'s admin API' },
    'pulsar-admin-url': { type: 'string', value: 'URL', help: 'Pulsar\'s admin API (PULSAR_ADMIN_URL)' },
    ...clientOptions,
  },
  maxPositionals: 0,
  notes: ['The skeleton goes to stdout: dagpact init ... > my-dag.yaml; then dagpact lint my-dag.yaml.', ...CLIENT_NOTES],
  async run({ flags }, env) {
    const dagId = flags.get('dag-id');
    const topic = flags.get('topic');
    if (!dagId || !topic) throw new UsageError('--dag-id D and --topic T are required');
    const key = flags.get('produces') === 'true' ? 'produces' : 'consumes';
    const header = `# ${dagId}: ${key === 'produces' ? 'writes' : 'reads'} ${topic}. Set version (a git sha, a semver) in CI.\n`;
    const manifest = (entry: Record<string, unknown>) => header + stringify({ dag_id: dagId, version: '0.0.0-dev', [key]: [{ topic, ...entry }] });
    if (flags.get('from-pulsar') === 'true') {
      const url = flags.get('pulsar-admin-url') ?? env.PULSAR_ADMIN_URL;
      if (!url || !parsers.url(['http:', 'https:'])(url)) throw new UsageError('--from-pulsar needs --pulsar-admin-url URL (or PULSAR_ADMIN_URL)');
      const admin = makePulsarAdmin({ url, ...(env.PULSAR_TOKEN ? { token: env.PULSAR_TOKEN } : {}) });
      let info;
      try {
        info = await admin.getSchema(topic);
      } catch (error) {
        fail('init', `Pulsar's admin API at ${url} could not be asked for ${topic}'s schema: ${isDagpactError(error) ? error.message : String(error)}`);
        return EXIT.usage;
      }
      if (!info) { fail('init', `${topic} has no schema on Pulsar`); return EXIT.failed; }
      if (info.type !== 'AVRO' && info.type !== 'JSON') { fail('init', `${topic}'s schema is ${info.type}; dagpact handles AVRO and JSON`); return EXIT.failed; }
      print(manifest({ subject: flags.get('subject') ?? `${local(topic)}-value`, schemaType: info.type, schema: JSON.parse(info.schema) as unknown }));
      return EXIT.ok;
    }
    const subject = flags.get('subject') ?? `${local(topic)}-value`;
    const client = makeClient(env, flags);
    return guarded('init', async () => {
      const answer = await client.call('GET', `/v1/subjects/${encodeURIComponent(subject)}/versions/${encodeURIComponent(flags.get('version') ?? 'latest')}`);
      if (answer.status >= 300) return refused('init', answer);
      print(manifest({ subject, version: answer.json.version }));
      return EXIT.ok;
    });
  },
};

export const diffCommand: CliCommand = {
  summary: 'compare two versions of a subject (server), or two manifests (offline)',
  usage: ['diff --subject S --from N --to M', 'diff <manifest-a> <manifest-b>'],
  options: {
    subject: { type: 'string', value: 'S', help: 'the subject' },
    from: { type: 'string', value: 'N', help: 'the older version' },
    to: { type: 'string', value: 'M', help: 'the newer version (default latest)' },
    ...clientOptions, ...formatOption(),
  },
  maxPositionals: 2,
  notes: ['Exit 0 when there is no difference (or the versions are compatible both ways), 1 otherwise.', ...CLIENT_NOTES],
  async run({ flags, positional }, env) {
    const subject = flags.get('subject');
    if (positional.length === 2) {
      if (subject) throw new UsageError('give either two manifests or --subject, not both');
      const [a, b] = positional.map((p) => readManifests([p]));
      if (a!.length !== 1 || b!.length !== 1) throw new UsageError('diff compares two single-document manifests');
      const differences = diffIdentities(contractIdentity(parseManifest(a![0]!.value)), contractIdentity(parseManifest(b![0]!.value)));
      if (flags.get('format') === 'json') print(JSON.stringify({ differences }, null, 2));
      else print([...differences.map((d) => `${d.change.padEnd(8)} ${d.path}${d.change === 'changed' ? `: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}` : ''}`),
        `(${plural(differences.length, 'difference')})`].join('\n'));
      return differences.length ? EXIT.failed : EXIT.ok;
    }
    if (positional.length) throw new UsageError('diff takes two manifests, or --subject S --from N --to M');
    if (!subject || !flags.get('from')) throw new UsageError('--subject S and --from N are required (or two manifest files)');
    const client = makeClient(env, flags);
    return guarded('diff', async () => {
      const q = new URLSearchParams({ from: flags.get('from')!, to: flags.get('to') ?? 'latest' });
      const answer = await client.call('GET', `/v1/subjects/${encodeURIComponent(subject)}/diff?${q}`);
      if (answer.status >= 300) return refused('diff', answer);
      const j = answer.json as { from: { version: number }; to: { version: number }; backward: { compatible: boolean }; forward: { compatible: boolean }; changes: Array<{ path: string; change: string; before?: string; after?: string }> };
      if (client.format === 'json') print(JSON.stringify(j, null, 2));
      else {
        print([`${subject} v${j.from.version} → v${j.to.version}: backward ${j.backward.compatible ? 'compatible' : 'INCOMPATIBLE'}, forward ${j.forward.compatible ? 'compatible' : 'INCOMPATIBLE'}`,
          ...j.changes.map((c) => `  ${c.change.padEnd(8)} ${c.path}${c.before !== undefined || c.after !== undefined ? `: ${c.before ?? ''} → ${c.after ?? ''}` : ''}`),
          `(${plural(j.changes.length, 'change')})`].join('\n'));
      }
      return j.backward.compatible && j.forward.compatible ? EXIT.ok : EXIT.failed;
    });
  },
};
