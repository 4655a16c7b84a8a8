// The contract every schema format implements. The registry, the compatibility levels and the
// gatekeeper only ever talk to a format through this interface; a new format is one new provider.

import type { InputProblem } from '../errors.js';
import type { WorkBudget } from './work-budget.js';

export type SchemaFormat = 'AVRO' | 'JSON';

/** A schema another schema refers to by name (Avro named type) or by URI (JSON `$ref`). */
export interface ResolvedReference {
  /** The name used in the referring schema: an Avro full name, or a JSON Schema `$ref` URI. */
  name: string;
  /** The referenced schema's text. */
  schema: string;
}

/** A schema after parsing: what every other provider function takes. Opaque to callers. */
export interface ParsedSchema {
  readonly format: SchemaFormat;
  /** Canonical text: Avro Parsing Canonical Form; JSON with sorted keys and no insignificant space. */
  readonly canonical: string;
  /** Hex SHA-256 of `canonical`: the content address. */
  readonly fingerprint: string;
  /** Provider-private parsed form. */
  readonly native: unknown;
  /** The text and references it was parsed from: what the compute port (core/compute) takes. */
  readonly source?: { format: SchemaFormat; text: string; references: ResolvedReference[] };
}

/** One reason a reader cannot read what a writer wrote. */
export interface CompatibilityIssue {
  /** JSON path into the schema where the problem is (`$.fields[1].type`, `#/properties/a`). */
  path: string;
  /** Stable rule name, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE`, `TYPE_NARROWED`. */
  rule: string;
  /** What is wrong and what to do, for a person. */
  message: string;
}

export type PayloadCheck =
  | { ok: true; value: unknown }
  | { ok: false; problems: InputProblem[] };

/** A payload as a reader reads it: the value, and the bytes that encode it in the reader's schema. */
export type ReadAs =
  /** `value` is undefined unless asked for (a trigger-topic forward needs only the bytes). */
  | { ok: true; value?: unknown; bytes: Uint8Array }
  | { ok: false; problems: InputProblem[] };

/** Looks a format's provider up by its name; what makeFormats() returns satisfies it. */
export interface FormatLookup {
  get(format: SchemaFormat): FormatProvider;
}

export interface FormatProvider {
  readonly format: SchemaFormat;
  /**
   * Parses and validates schema text. Throws DagpactError INVALID_SCHEMA whose details.problems
   * name each problem with a JSON path. `references` resolves named types / `$ref`s defined elsewhere.
   */
  parse(text: string, references?: ResolvedReference[]): ParsedSchema;
  /**
   * Everything that stops `reader` from reading data written with `writer` (empty = compatible).
   * Compatibility levels are built on this single function. Work is counted against `budget`
   * (a fresh default one when absent); running out throws DagpactError SCHEMA_TOO_COMPLEX.
   */
  backwardIssues(reader: ParsedSchema, writer: ParsedSchema, budget?: WorkBudget): CompatibilityIssue[];
  /**
   * Decodes (Avro binary) or parses and validates (JSON text) a payload written with `writer`,
   * and when `reader` is given, resolves it into the reader's shape (Avro) / validates it against
   * the reader (JSON). Never throws for bad payloads: returns the problems.
   */
  checkPayload(payload: Uint8Array, writer: ParsedSchema, reader?: ParsedSchema): PayloadCheck;
  /**
   * The payload, written with `writer`, as `reader` reads it — for a pair whose compatibility the
   * caller has already established (backwardIssues empty). Avro: decoded with the writer schema
   * resolved into the reader's (defaults, reordering, promotions, aliases, union branches) and encoded
   * again in the reader schema; the payload itself when both share one canonical form. JSON: validated
   * against both, the bytes unchanged. Never throws for bad payloads: returns the problems.
   */
  readAs(payload: Uint8Array, writer: ParsedSchema, reader: ParsedSchema, options?: { value?: boolean }): ReadAs;
  /**
   * The schema as one document with what its references define written in, for a registry that has no
   * references (Pulsar's). Undefined when the format cannot do that; callers then send the text as is.
   */
  selfContained?(schema: ParsedSchema): string;
}
