// Resolves manifest entries to schemas: a (subject, version|latest) reference through the registry,
// an inline schema by parsing it (check: nothing is stored) or by registering it (registration).
import type { Principal } from '../auth.js';
import { DagpactError, isDagpactError, type InputProblem } from '../errors.js';
import type { FormatLookup, ParsedSchema, SchemaFormat } from '../formats/types.js';
import type { Registry } from '../registry/types.js';
import { invalidManifest } from './manifest.js';
import type { ContractEntry, ManifestEntry } from './types.js';

export interface ResolvedEntry {
  entry: ManifestEntry;
  /** Where the entry is in the manifest, for error paths: `$.consumes[0]`. */
  at: string;
  subject: string;
  format: SchemaFormat;
  parsed: ParsedSchema;
  text: string;
  /** What to send to Pulsar, which has no references: `text`, or with its references written in. */
  pulsarText: string;
  /** Set when the schema is registered under the subject (always for references). */
  schemaId?: number;
  version?: number;
}

export type Resolution = { ok: true; resolved: ResolvedEntry } | { ok: false; at: string; entry: ManifestEntry; problems: InputProblem[]; message: string };

function prefixed(at: string, error: unknown): InputProblem[] {
  const problems = isDagpactError(error) ? ((error.details as { problems?: InputProblem[] } | undefined)?.problems ?? []) : [];
  if (!problems.length) return [{ path: `${at}.schema`, message: (error as Error).message }];
  // The registry names a bad reference `$.references[i]`: in a manifest that is the entry's own field.
  return problems.map((p) => ({
    path: /^\$\.references\b/.test(p.path) ? `${at}${p.path.slice(1)}` : `${at}.schema${p.path.replace(/^[$#]/, '')}`,
    message: p.message,
  }));
}

/** The schema text for Pulsar: as written unless it has references, which Pulsar cannot resolve. */
export function textForPulsar(formats: Formats, format: SchemaFormat, parsed: ParsedSchema, text: string, referenced: boolean): string {
  return referenced ? formats.get(format).selfContained?.(parsed) ?? text : text;
}

type Formats = FormatLookup;

/** Resolves without side effects; failures are returned, not thrown (the check reports them). */
export async function resolveEntry(registry: Registry, formats: Formats, entry: ManifestEntry, at: string): Promise<Resolution> {
  if (entry.kind === 'ref') {
    try {
      const v = await registry.getVersion({ subject: entry.subject, version: entry.version });
      const parsed = await registry.lazyParsedById({ id: v.id });
      return {
        ok: true,
        resolved: {
          entry, at, subject: v.subject, format: v.format, parsed, text: v.schema, schemaId: v.id, version: v.version,
          pulsarText: textForPulsar(formats, v.format, parsed, v.schema, v.references.length > 0),
        },
      };
    } catch (error) {
      if (isDagpactError(error) && error.status === 404) {
        const problems = [{ path: `${at}.${error.code === 'SUBJECT_NOT_FOUND' ? 'subject' : 'version'}`, message: error.message }];
        return { ok: false, at, entry, problems, message: error.message };
      }
      throw error;
    }
  }
  let parsed: ParsedSchema;
  try {
    parsed = await registry.parse({ schema: entry.schema, format: entry.schemaType, references: entry.references });
  } catch (error) {
    if (isDagpactError(error) && (error.code === 'INVALID_SCHEMA' || error.code === 'VALIDATION_FAILED')) {
      return { ok: false, at, entry, problems: prefixed(at, error), message: `the inline schema is invalid: ${error.message}` };
    }
    throw error;
  }
  let known: { id: number; version: number } | undefined;
  try {
    const v = await registry.lookup({ subject: entry.subject, schema: entry.schema, format: entry.schemaType, references: entry.references });
    known = { id: v.id, version: v.version };
  } catch (error) {
    if (!(isDagpactError(error) && error.status === 404)) throw error;
  }
  return {
    ok: true,
    resolved: {
      entry, at, subject: entry.subject, format: entry.schemaType, parsed, text: entry.schema,
      pulsarText: textForPulsar(formats, entry.schemaType, parsed, entry.schema, entry.references.length > 0),
      ...(known ? { schemaId: known.id, version: known.version } : {}),
    },
  };
}

/**
 * Resolves every entry for registration: references are pinned, inline schemas are registered under
 * their subject (its compatibility level applies: 409 INCOMPATIBLE_SCHEMA). With `defer`, an inline
 * schema that is not yet a version of its subject is left unpinned (version and schemaId null): produced
 * schemas join their subject when the DAG version is first deployed (ADR 0015). Unresolvable references
 * and invalid inline schemas fail the whole registration with INVALID_MANIFEST before anything is stored.
 */
export async function pinEntries(
  registry: Registry, formats: Formats, entries: Array<{ entry: ManifestEntry; at: string }>, actor: Principal, options: { defer?: boolean } = {},
): Promise<ContractEntry[]> {
  const resolutions = await Promise.all(entries.map(({ entry, at }) => resolveEntry(registry, formats, entry, at)));
  const problems = resolutions.flatMap((r) => (r.ok ? [] : r.problems));
  if (problems.length) throw invalidManifest(problems);
  const out: ContractEntry[] = [];
  for (const r of resolutions) {
    if (!r.ok) continue;
    const { entry, resolved } = { entry: r.resolved.entry, resolved: r.resolved };
    let schemaId = resolved.schemaId;
    let version = resolved.version;
    if (entry.kind === 'inline' && (schemaId === undefined || version === undefined) && options.defer) {
      // Not stored yet, but a schema its subject's level refuses is refused now, as registering it would be.
      const verdict = await registry.checkCompatibility({ subject: entry.subject, schema: entry.schema, format: entry.schemaType, references: entry.references });
      if (!verdict.compatible) {
        throw new DagpactError('INCOMPATIBLE_SCHEMA',
          `${resolved.at}.schema cannot be registered under subject "${entry.subject}" (${verdict.level}): ` +
          verdict.findings.slice(0, 3).map((f) => `${f.direction} against v${f.version}: ${f.message}`).join('; '),
          { details: { level: verdict.level, findings: verdict.findings } });
      }
    } else if (entry.kind === 'inline' && (schemaId === undefined || version === undefined)) {
      try {
        const reg = await registry.register({ subject: entry.subject, schema: entry.schema, format: entry.schemaType, references: entry.references }, actor);
        schemaId = reg.id; version = reg.version;
      } catch (error) {
        if (isDagpactError(error) && error.code === 'INCOMPATIBLE_SCHEMA') {
          throw new DagpactError('INCOMPATIBLE_SCHEMA', `${resolved.at}.schema cannot be registered under subject "${entry.subject}": ${error.message}`, { details: error.details });
        }
        throw error;
      }
    }
    out.push({
      topic: entry.topic, subject: resolved.subject, version: version ?? null, schemaId: schemaId ?? null, format: resolved.format,
      declared: entry.kind === 'inline' ? 'inline' : entry.version,
      ...(entry.onMismatch ? { onMismatch: entry.onMismatch } : {}),
      ...(entry.onMismatch ? { triggerTopic: entry.triggerTopic ?? null } : {}),
      ...(entry.forwardTo ? { forwardTo: entry.forwardTo } : {}),
      ...(entry.sensitiveFields ? { sensitiveFields: entry.sensitiveFields } : {}),
    });
  }
  return out;
}
