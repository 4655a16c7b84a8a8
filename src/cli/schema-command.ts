// `dagpact schema register|check|get`: plain schema registration, a compatibility check against the
// subject's level, and reading a subject version. A JSON Schema file sent as Avro gets a --type JSON hint.
import { readFileSync } from 'node:fs';
import { UsageError, type CliCommand } from './args.js';
import { CLIENT_NOTES, clientOptions, EXIT, formatOption, guarded, makeClient, print, refused } from './client-options.js';
import { compatibilityReport, REPORT_FORMATS, renderReport } from './report-formats.js';

function readSchema(file: string | undefined): string {
  if (!file) throw new UsageError('--file F is required');
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the schema file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A JSON Schema document has "$schema", or "type": "object" with "properties"; Avro has neither. */
export function looksLikeJsonSchema(text: string): boolean {
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    return typeof doc === 'object' && doc !== null && ('$schema' in doc || 'properties' in doc || ('type' in doc && doc.type === 'object'));
  } catch {
    return false;
  }
}

export const schemaCommand: CliCommand = {
  summary: 'register a schema under a subject, check it against the subject\'s compatibility level, or get a version',
  usage: [
    'schema register --subject S --file F [--type AVRO|JSON]',
    'schema check --subject S --file F [--type AVRO|JSON] [--format text|json|markdown|junit|github]',
    'schema get --subject S [--version N|latest]',
  ],
  options: {
    subject: { type: 'string', value: 'S', help: 'the subject' },
    file: { type: 'string', value: 'F', help: 'the schema file' },
    type: { type: 'string', value: 'AVRO|JSON', help: 'the schema format (default AVRO)' },
    version: { type: 'string', value: 'N|latest', help: 'schema get: which version (default latest)' },
    ...clientOptions, ...formatOption(REPORT_FORMATS),
  },
  maxPositionals: 1,
  notes: CLIENT_NOTES,
  async run({ flags, positional }, env) {
    const action = positional[0];
    if (action !== 'register' && action !== 'check' && action !== 'get') throw new UsageError('say register, check or get: dagpact schema register|check|get ...');
    const client = makeClient(env, flags, action === 'check' ? REPORT_FORMATS : ['text', 'json']);
    const subject = flags.get('subject');
    if (!subject) throw new UsageError('--subject S is required');
    const path = `/v1/subjects/${encodeURIComponent(subject)}`;
    if (action === 'get') {
      const version = flags.get('version') ?? 'latest';
      return guarded('schema get', async () => {
        const answer = await client.call('GET', `${path}/versions/${encodeURIComponent(version)}`);
        if (answer.status >= 300) return refused('schema get', answer);
        const j = answer.json;
        if (client.format === 'json') print(JSON.stringify(j, null, 2));
        else print(JSON.stringify(JSON.parse(String(j.schema)), null, 2));
        return EXIT.ok;
      });
    }
    const file = flags.get('file');
    const schema = readSchema(file);
    const type = (flags.get('type') ?? 'AVRO').toUpperCase();
    if (type !== 'AVRO' && type !== 'JSON') throw new UsageError(`--type must be AVRO or JSON (got ${JSON.stringify(flags.get('type'))})`);
    const hint = type === 'AVRO' && !flags.has('type') && looksLikeJsonSchema(schema)
      ? `; ${file} looks like a JSON Schema: add --type JSON` : '';
    const command = `schema ${action}`;
    return guarded(command, async () => {
      if (action === 'check') {
        const answer = await client.call('POST', `${path}/compatibility`, { schema, format: type });
        if (answer.status === 404 && answer.json.error_code === 'SUBJECT_NOT_FOUND') {
          print(renderReport(compatibilityReport(subject, { compatible: true, findings: [] }, file, answer.json), client.format));
          return EXIT.ok;
        }
        if (answer.status >= 300) return refused(command, { ...answer, json: { ...answer.json, message: `${String(answer.json.message)}${hint}` } });
        const verdict = answer.json as { compatible: boolean; level: string; findings: Array<Record<string, unknown>> };
        print(renderReport(compatibilityReport(subject, verdict, file, answer.json), client.format));
        return verdict.compatible ? EXIT.ok : EXIT.failed;
      }
      const answer = await client.call('POST', `${path}/versions`, { schema, format: type });
      if (answer.status === 409 && answer.json.error_code === 'INCOMPATIBLE_SCHEMA') {
        const details = answer.json.details as { level?: string; findings?: Array<Record<string, unknown>> } | undefined;
        print(renderReport(compatibilityReport(subject, { compatible: false, level: details?.level, findings: details?.findings ?? [] }, file, answer.json, 'register'), client.format === 'json' ? 'json' : 'text'));
        return EXIT.failed;
      }
      if (answer.status >= 300) return refused(command, { ...answer, json: { ...answer.json, message: `${String(answer.json.message)}${hint}` } });
      const j = answer.json;
      print(client.format === 'json' ? JSON.stringify(j, null, 2) : `${j.created ? 'registered' : 'already registered'}: ${j.subject} v${j.version} (schema id ${j.id})`);
      return EXIT.ok;
    });
  },
};
