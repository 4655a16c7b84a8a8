// The registry's public surface: what routes, the contracts module and the gatekeeper may call.
// Implemented by makeRegistry() in registry.ts over a RegistryStore (store/registry-store.ts).
import type { Principal } from '../auth.js';
import type { CompatibilityLevel } from '../compat/levels.js';
import type { CompatibilityIssue, ParsedSchema, SchemaFormat } from '../formats/types.js';

export type RegistryMode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT';

/** Confluent's reference: the referring schema uses `name` for the schema at (subject, version). */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface StoredSchema {
  id: number;
  format: SchemaFormat;
  /** The text as first registered. */
  schema: string;
  canonical: string;
  fingerprint: string;
  references: SchemaReference[];
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  format: SchemaFormat;
  schema: string;
  references: SchemaReference[];
  deleted: boolean;
  metadata?: unknown;
  ruleSet?: unknown;
}

export interface RegisterInput {
  subject: string;
  schema: string;
  format?: SchemaFormat; // default AVRO, as Confluent
  references?: SchemaReference[];
  metadata?: unknown;
  ruleSet?: unknown;
  normalize?: boolean;
  /** IMPORT mode only: keep the id and version the schema had in the registry it comes from. */
  id?: number;
  version?: number;
}

export interface CompatibilityFinding extends CompatibilityIssue {
  direction: 'backward' | 'forward';
  /** The existing version the candidate was compared with. */
  version: number;
}

export interface CompatibilityResult {
  compatible: boolean;
  level: CompatibilityLevel;
  findings: CompatibilityFinding[];
}

export type VersionSelector = number | 'latest';

/** One field added, removed or changed between two versions (Avro record fields, JSON properties). */
export interface FieldChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
}

/** Two versions of a subject compared both ways, plus what changed field by field. */
export interface SubjectDiff {
  subject: string;
  format: SchemaFormat;
  from: { version: number; id: number };
  to: { version: number; id: number };
  /** Can readers on `to` read data written with `from`? (findings' version = `from`) */
  backward: { compatible: boolean; findings: CompatibilityFinding[] };
  /** Can readers on `from` read data written with `to`? (findings' version = `to`) */
  forward: { compatible: boolean; findings: CompatibilityFinding[] };
  changes: FieldChange[];
}

export interface Registry {
  register(input: RegisterInput, actor: Principal): Promise<{ id: number; version: number; subject: string; created: boolean }>;
  /** Is this schema registered under this subject? (Confluent's POST /subjects/{s}). */
  lookup(input: RegisterInput & { includeDeleted?: boolean }): Promise<SubjectVersion>;
  listSubjects(args: { includeDeleted?: boolean; prefix?: string }): Promise<string[]>;
  listVersions(args: { subject: string; includeDeleted?: boolean }): Promise<number[]>;
  getVersion(args: { subject: string; version: VersionSelector; includeDeleted?: boolean }): Promise<SubjectVersion>;
  getSchemaById(args: { id: number }): Promise<StoredSchema>;
  /**
   * What getVersion and getSchemaById answer, when it is cached now: without a promise, for the reads a
   * registry serves most. Undefined means "ask getVersion / getSchemaById" (not cached, or an error to report).
   */
  peekVersion(args: { subject: string; version: VersionSelector; includeDeleted?: boolean }): SubjectVersion | undefined;
  peekSchemaById(args: { id: number }): StoredSchema | undefined;
  /** The parsed schema behind an id (cached forever: ids are immutable). */
  parsedById(args: { id: number }): Promise<ParsedSchema>;
  /**
   * The schema behind an id with canonical form, fingerprint and source, not parsed in this thread unless
   * its provider-private form is used: for comparisons through compareSchemas (docs/adr/0019).
   */
  lazyParsedById(args: { id: number }): Promise<ParsedSchema>;
  /**
   * backwardIssues(reader, writer) for each pair, through the compute port (off the event loop in the API
   * server), each pair under its own work budget: SCHEMA_TOO_COMPLEX when one runs out.
   */
  compareSchemas(pairs: Array<{ reader: ParsedSchema; writer: ParsedSchema }>): Promise<CompatibilityIssue[][]>;
  /** Find the schema id whose fingerprint matches (used to match Pulsar's schemas to the registry). */
  findSchemaByFingerprint(args: { format: SchemaFormat; fingerprint: string }): Promise<StoredSchema | undefined>;
  subjectsForSchema(args: { id: number; includeDeleted?: boolean }): Promise<string[]>;
  versionsForSchema(args: { id: number; includeDeleted?: boolean }): Promise<Array<{ subject: string; version: number }>>;
  referencedBy(args: { subject: string; version: VersionSelector }): Promise<number[]>;
  deleteSubject(args: { subject: string; permanent: boolean }, actor: Principal): Promise<number[]>;
  deleteVersion(args: { subject: string; version: VersionSelector; permanent: boolean }, actor: Principal): Promise<number>;
  /** Dry-run: would `input` be accepted under the subject's level (or `version` only when given)? */
  checkCompatibility(args: { subject: string; schema: string; format?: SchemaFormat; references?: SchemaReference[]; version?: VersionSelector }): Promise<CompatibilityResult>;
  /** Parse a schema without storing it (validates; INVALID_SCHEMA with paths on error). */
  parse(args: { schema: string; format: SchemaFormat; references?: SchemaReference[] }): Promise<ParsedSchema>;
  getGlobalCompatibility(): Promise<CompatibilityLevel>;
  setGlobalCompatibility(level: CompatibilityLevel, actor: Principal): Promise<void>;
  /** Subject's own level, or undefined when it has none. */
  getSubjectCompatibility(args: { subject: string }): Promise<CompatibilityLevel | undefined>;
  setSubjectCompatibility(args: { subject: string; level: CompatibilityLevel }, actor: Principal): Promise<void>;
  deleteSubjectCompatibility(args: { subject: string }, actor: Principal): Promise<CompatibilityLevel | undefined>;
  /** The level in force: the subject's own, else the global one. */
  effectiveCompatibility(args: { subject: string }): Promise<CompatibilityLevel>;
  /** Resets the global level to the default (BACKWARD); returns the level it had. */
  deleteGlobalCompatibility(actor: Principal): Promise<CompatibilityLevel>;
  /** The subject's own level; with defaultToGlobal the global one when it has none, else SUBJECT_LEVEL_CONFIG_NOT_FOUND. */
  subjectCompatibilityOrGlobal(args: { subject: string; defaultToGlobal: boolean }): Promise<CompatibilityLevel>;
  /** The subject's own mode; with defaultToGlobal the global one when it has none, else SUBJECT_LEVEL_MODE_NOT_FOUND. */
  subjectModeOrGlobal(args: { subject: string; defaultToGlobal: boolean }): Promise<RegistryMode>;
  /** Compares two versions of a subject (default: the latest and the one before it). */
  diff(args: { subject: string; from?: VersionSelector; to?: VersionSelector }): Promise<SubjectDiff>;
  /** The schema formats this registry accepts. */
  formats(): SchemaFormat[];
  getGlobalMode(): Promise<RegistryMode>;
  setGlobalMode(mode: RegistryMode, actor: Principal): Promise<void>;
  getSubjectMode(args: { subject: string }): Promise<RegistryMode | undefined>;
  setSubjectMode(args: { subject: string; mode: RegistryMode }, actor: Principal): Promise<void>;
  deleteSubjectMode(args: { subject: string }, actor: Principal): Promise<RegistryMode | undefined>;
}
