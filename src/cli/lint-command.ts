// `dagpact lint <file|folder>...`: offline validation, no server. Manifests (YAML/JSON with dag_id)
// are validated against the manifest schema and their inline schemas parsed; schema files (.avsc,
// or JSON that is not a manifest) are parsed as Avro or JSON Schema. Problems name file and line.
import { readFileSync } from 'node:fs';
import { parseManifest } from '../core/contracts/manifest.js';
import { isDagpactError, type InputProblem } from '../core/errors.js';
import { makeFormats } from '../core/formats/index.js';
import type { SchemaFormat } from '../core/formats/types.js';
import { UsageError, type CliCommand } from './args.js';
import { EXIT, plural, print } from './client-options.js';
import { expandPaths, lineOf, readManifests } from './manifest-files.js';
import { looksLikeJsonSchema } from './schema-command.js';

const problemsOf = (error: unknown): InputProblem[] =>
  (isDagpactError(error) ? (error.details as { problems?: InputProblem[] } | undefined)?.problems : undefined)
  ?? [{ path: '$', message: (error as Error).message }];

export const lintCommand: CliCommand = {
  summary: 'validate manifests and schema files offline (no server): exit 1 when any is invalid',
  usage: ['lint <file|folder>... [--type AVRO|JSON]'],
  options: { type: { type: 'string', value: 'AVRO|JSON', help: 'the format of schema files that are not manifests (default: guessed)' } },
  maxPositionals: Infinity,
  notes: ['Manifests: *.yaml, *.yml, or JSON with dag_id. Schemas: *.avsc (Avro), other JSON (JSON Schema when it looks like one).',
    'References to registered subjects cannot be resolved offline: such inline schemas are validated by the server at check time.'],
  async run({ flags, positional }) {
    const forced = flags.get('type')?.toUpperCase();
    if (forced !== undefined && forced !== 'AVRO' && forced !== 'JSON') throw new UsageError(`--type must be AVRO or JSON (got ${JSON.stringify(flags.get('type'))})`);
    if (!positional.length) throw new UsageError('name at least one file or folder');
    const formats = makeFormats();
    const out: string[] = [];
    let checked = 0;
    const files = expandPaths(positional, /\.(ya?ml|json|avsc)$/i);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      let asJson: unknown;
      try { asJson = JSON.parse(text); } catch { asJson = undefined; }
      const isManifest = /\.ya?ml$/i.test(file) || (asJson !== null && typeof asJson === 'object' && 'dag_id' in (asJson as object));
      if (!isManifest) {
        checked++;
        const format: SchemaFormat = (forced as SchemaFormat | undefined) ?? (/\.avsc$/i.test(file) || !looksLikeJsonSchema(text) ? 'AVRO' : 'JSON');
        try { formats.get(format).parse(text); } catch (error) {
          for (const p of problemsOf(error)) out.push(`${file}: ${format} schema: ${p.path} ${p.message}`);
        }
        continue;
      }
      for (const m of readManifests([file])) {
        checked++;
        try {
          const manifest = parseManifest(m.value);
          for (const [key, list] of [['consumes', manifest.consumes], ['produces', manifest.produces]] as const) {
            list.forEach((entry, i) => {
              if (entry.kind !== 'inline' || entry.references.length) return;
              try { formats.get(entry.schemaType).parse(entry.schema); } catch (error) {
                for (const p of problemsOf(error)) {
                  const path = `$.${key}[${i}].schema${p.path.replace(/^[$#]/, '')}`;
                  out.push(`${m.file}:${lineOf(m, path) ?? 1}: ${path} ${p.message}`);
                }
              }
            });
          }
        } catch (error) {
          for (const p of problemsOf(error)) out.push(`${m.file}:${lineOf(m, p.path) ?? 1}: ${p.path} ${p.message}`);
        }
      }
    }
    print([...out, `${plural(checked, 'document')} checked, ${plural(out.length, 'problem')}`].join('\n'));
    return out.length ? EXIT.failed : EXIT.ok;
  },
};
