// What the registry core needs from storage. Implemented on drizzle by store/registry-store.ts; the
// core never sees SQL. Writes that decide a version number run inside `withSubjectLock`, so two
// registrations of one subject on different API servers are serialized by the database.
import type { AuditEventInput } from '../audit.js';
import type { SchemaFormat } from '../formats/types.js';
import type { SchemaReference, StoredSchema, SubjectVersion } from './types.js';

export interface NewSchemaRow {
  format: SchemaFormat;
  contentKey: string;
  fingerprint: string;
  canonical: string;
  schemaText: string;
  references: SchemaReference[];
  /** IMPORT mode only: the id to give the schema. */
  id?: number;
}

export interface ScopeConfig {
  compatibility?: string;
  mode?: string;
}

export interface RegistryReadStore {
  findSchemaById(args: { id: number }): Promise<StoredSchema | undefined>;
  findSchemaByContentKey(args: { contentKey: string }): Promise<StoredSchema | undefined>;
  findSchemaByFingerprint(args: { format: SchemaFormat; fingerprint: string }): Promise<StoredSchema | undefined>;
  /** Subjects with at least one version (a live one unless includeDeleted), sorted by name. */
  listSubjects(args: { includeDeleted: boolean; prefix?: string }): Promise<string[]>;
  /** A subject's versions, oldest first, with their schemas. */
  findVersions(args: { subject: string; includeDeleted: boolean }): Promise<SubjectVersion[]>;
  /** Every (subject, version) that uses a schema id. */
  findVersionsBySchema(args: { id: number; includeDeleted: boolean }): Promise<Array<{ subject: string; version: number; deleted: boolean }>>;
  /** The versions whose references point at (subject, version). */
  findReferrers(args: { subject: string; version: number; includeDeleted: boolean }): Promise<Array<{ subject: string; version: number; id: number }>>;
  /** '' is the global scope, otherwise a subject name. */
  getConfig(args: { scope: string }): Promise<ScopeConfig>;
  /**
   * A subject's versions (deleted ones included, oldest first) if a cache holds them now, without a
   * promise; undefined when it does not (or there is no cache). What findVersions would answer.
   */
  cachedVersions?(subject: string): readonly SubjectVersion[] | undefined;
}

export interface RegistryTx extends RegistryReadStore {
  /** Records an audit event in this transaction: it commits (or not) with the change. */
  recordAudit(event: AuditEventInput): Promise<void>;
  /** Inserts a schema unless one with the same content key exists; returns the stored row either way. */
  insertSchema(row: NewSchemaRow): Promise<StoredSchema>;
  insertVersion(args: {
    subject: string; version: number; format: SchemaFormat; schemaId: number;
    references: SchemaReference[]; metadata?: unknown; ruleSet?: unknown;
  }): Promise<void>;
  markDeleted(args: { subject: string; versions: number[] }): Promise<void>;
  /** Permanently removes versions (and their reference rows); removes the subject when none remain. */
  removeVersions(args: { subject: string; versions: number[] }): Promise<void>;
}

export interface RegistryStore extends RegistryReadStore {
  /** Runs `fn` in one transaction holding an exclusive lock on the subject's name. */
  withSubjectLock<T>(args: { subject: string }, fn: (tx: RegistryTx) => Promise<T>): Promise<T>;
  /** Sets (a value), clears (null) or keeps (undefined) each setting of a scope. */
  setConfig(args: { scope: string; compatibility?: string | null; mode?: string | null; audit?: AuditEventInput }): Promise<void>;
}
