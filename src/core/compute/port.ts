// The compute port: CPU-bound work a request can trigger with hostile input (parsing and validating a
// submitted schema, compatibility verdicts, reading YAML manifests), asked for with plain data so an
// adapter can run it off the main event loop (src/compute-pool, docs/adr/0019). Core code awaits it;
// the in-process implementation (inline.ts) gives the same answers and is the default.
import type { CompatibilityLevel, LevelVerdict } from '../compat/levels.js';
import { DagpactError } from '../errors.js';
import type { CompatibilityIssue, FormatProvider, ParsedSchema, ResolvedReference, SchemaFormat } from '../formats/types.js';
import type { SchemaReference } from '../registry/types.js';

/** A schema as text: what crosses a thread boundary instead of a parsed form. */
export interface SchemaSource {
  format: SchemaFormat;
  text: string;
  /** The texts of what it refers to, transitively, dependencies first (provider.parse's `references`). */
  references: ResolvedReference[];
}

/** What parsing a submitted schema yields on the calling side. */
export interface SchemaSummary {
  canonical: string;
  fingerprint: string;
  /** The registry's uniqueness key (registry/content.ts contentKey) when `pinned` references were given. */
  contentKey?: string;
}

export interface SchemaCompute {
  /** Parses and validates `source` (INVALID_SCHEMA as provider.parse); with `pinned`, also its content key. */
  summarize(source: SchemaSource, pinned?: SchemaReference[]): Promise<SchemaSummary>;
  /** provider.backwardIssues for each pair, each under its own default work budget (SCHEMA_TOO_COMPLEX). */
  backwardIssues(pairs: Array<{ reader: SchemaSource; writer: SchemaSource }>): Promise<CompatibilityIssue[][]>;
  /** checkCompatibility (compat/levels.ts) of `candidate` against `existing` (oldest first), one budget for all. */
  compatibility(args: { candidate: SchemaSource; existing: SchemaSource[]; level: CompatibilityLevel }): Promise<LevelVerdict>;
  /** Reads manifest text (contracts/manifest.ts readManifestText): INVALID_MANIFEST on any problem. */
  readManifest(text: string): Promise<unknown>;
}

/** The source a provider parsed a schema from; every provider's parse() records it. */
export function sourceOf(parsed: ParsedSchema): SchemaSource {
  if (!parsed.source) throw new DagpactError('INTERNAL', `a ${parsed.format} schema (${parsed.fingerprint}) has no source text to compare`);
  return parsed.source;
}

/**
 * A ParsedSchema whose canonical form and fingerprint are known (from the compute port or the store)
 * and whose provider-private form is parsed in this thread only if a provider needs it (payload
 * checks, selfContained). Compatibility work never needs it: it goes through the port by source.
 */
export function lazyParsed(provider: Pick<FormatProvider, 'parse'>, source: SchemaSource, known: { canonical: string; fingerprint: string }): ParsedSchema {
  let native: unknown;
  let parsed = false;
  return {
    format: source.format, canonical: known.canonical, fingerprint: known.fingerprint, source,
    get native() {
      if (!parsed) {
        native = provider.parse(source.text, source.references).native;
        parsed = true;
      }
      return native;
    },
  };
}
