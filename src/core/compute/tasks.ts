// The compute port's work as plain-data tasks: what the in-process implementation runs directly and
// what a worker thread runs for the pool adapter. Both give the same answers: the work budget is a
// counter (formats/work-budget.ts), so a verdict does not depend on where or how fast it ran.
import { createHash } from 'node:crypto';
import { makeByteLru, stringBytes } from '../byte-lru.js';
import { checkCompatibility, type CompatibilityLevel, type LevelVerdict } from '../compat/levels.js';
import { readManifestText } from '../contracts/manifest.js';
import type { FormatCatalog } from '../formats/index.js';
import type { CompatibilityIssue, ParsedSchema } from '../formats/types.js';
import { contentKey, parseSchemaJson } from '../registry/content.js';
import type { SchemaReference } from '../registry/types.js';
import type { SchemaSource, SchemaSummary } from './port.js';

export type ComputeTask =
  | { kind: 'summarize'; source: SchemaSource; pinned?: SchemaReference[] }
  | { kind: 'backwardIssues'; pairs: Array<{ reader: SchemaSource; writer: SchemaSource }> }
  | { kind: 'compatibility'; candidate: SchemaSource; existing: SchemaSource[]; level: CompatibilityLevel }
  | { kind: 'readManifest'; text: string };

export type ComputeResult = SchemaSummary | CompatibilityIssue[][] | LevelVerdict | unknown;

/** Bytes the parsed forms behind a task runner may hold (estimated as 6x the source text). */
export const DEFAULT_COMPUTE_CACHE_BYTES = 32 * 1024 * 1024;

export function makeComputeTasks(formats: Pick<FormatCatalog, 'get'>, options: { cacheBytes?: number } = {}) {
  // Parsed forms by source: a subject's existing versions are compared again and again.
  const cache = makeByteLru<string, ParsedSchema>(options.cacheBytes ?? DEFAULT_COMPUTE_CACHE_BYTES);

  function keyOf(source: SchemaSource): string {
    const hash = createHash('sha256').update(`${source.format}\n${source.text}`);
    for (const r of source.references) hash.update(`\n${r.name}\n${r.schema}`);
    return hash.digest('hex');
  }

  function parse(source: SchemaSource): ParsedSchema {
    const key = keyOf(source);
    const cached = cache.get(key);
    if (cached) return cached;
    const parsed = formats.get(source.format).parse(source.text, source.references);
    const bytes = 6 * (stringBytes(source.text) + source.references.reduce((n, r) => n + stringBytes(r.schema), 0));
    cache.set(key, parsed, bytes);
    return parsed;
  }

  function run(task: ComputeTask): ComputeResult {
    switch (task.kind) {
      case 'summarize': {
        const format = task.source.format;
        formats.get(format); // an unknown format is INVALID_SCHEMA before anything else
        const document = task.pinned ? parseSchemaJson(task.source.text) : undefined;
        const parsed = parse(task.source);
        return {
          canonical: parsed.canonical, fingerprint: parsed.fingerprint,
          ...(task.pinned ? { contentKey: contentKey(format, document, task.pinned) } : {}),
        } satisfies SchemaSummary;
      }
      case 'backwardIssues':
        return task.pairs.map(({ reader, writer }) => formats.get(reader.format).backwardIssues(parse(reader), parse(writer)));
      case 'compatibility':
        return checkCompatibility({
          provider: formats.get(task.candidate.format), candidate: parse(task.candidate), existing: task.existing.map(parse), level: task.level,
        });
      case 'readManifest':
        return readManifestText(task.text);
    }
  }

  return { run, parse };
}
