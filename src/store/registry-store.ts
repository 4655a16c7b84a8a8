// The schema registry's tables on drizzle (PostgreSQL or PGlite): schemas, subjects, subject_versions,
// schema_references and registry_config. Writes that pick a version number run in a transaction under
// a transaction-scoped advisory lock on the subject's name, so concurrent registrations of a subject
// (from any number of API servers) are serialized; the (subject, version) primary key backs it up.
// Every write also NOTIFYs REGISTRY_CHANNEL in its own transaction (delivered on commit), naming the
// subject or config scope it changed, for the read caches of every server (registry-cache.ts).
import { and, asc, eq, inArray, like, sql } from 'drizzle-orm';
import { DagpactError } from '../core/errors.js';
import type { SchemaFormat } from '../core/formats/types.js';
import type { RegistryReadStore, RegistryStore, RegistryTx, ScopeConfig } from '../core/registry/store.js';
import type { SchemaReference, StoredSchema, SubjectVersion } from '../core/registry/types.js';
import type { Db } from './db.js';
import { insertAuditEvent } from './token-store.js';
import { registryConfig, schemaReferences, schemas, subjects, subjectVersions } from './schema.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Exec = Db | Tx;

const LOCK_NAMESPACE = 'dagpact.subject:';

/** The NOTIFY channel on which registry writes name what they changed. */
export const REGISTRY_CHANNEL = 'dagpact_registry';

/** What a notification on REGISTRY_CHANNEL invalidates; `all` when the name does not fit a payload. */
export type RegistryChange = { kind: 'subject'; subject: string } | { kind: 'config'; scope: string } | { kind: 'all' };

// NOTIFY payloads must stay under 8000 bytes; a longer name falls back to "invalidate everything".
const MAX_PAYLOAD_BYTES = 7_900;

const MAX_SCHEMA_ID = 2_147_483_647;

/**
 * The next schema id. The sequence hands out ids while it can; when its id was taken by an import (or
 * the sequence ran to the top of the range, as an import of 2147483647 once made it), the first free
 * id after it, else from 1, is taken and the sequence moved there. Imported ids can then sit anywhere
 * in the range without stopping later registrations (docs/adr/0013).
 */
async function allocateSchemaId(tx: Tx): Promise<number> {
  const seq = sql`pg_get_serial_sequence('schemas', 'id')::regclass`;
  const last = await tx.execute(sql`select coalesce(pg_sequence_last_value(${seq}), 0)::bigint as last`);
  const lastValue = Number((rowsOf(last)[0] as { last: string | number }).last);
  let candidate = 1;
  if (lastValue < MAX_SCHEMA_ID) {
    const next = await tx.execute(sql`select nextval(${seq})::bigint as id`);
    candidate = Number((rowsOf(next)[0] as { id: string | number }).id);
    const taken = await tx.select({ id: schemas.id }).from(schemas).where(eq(schemas.id, candidate)).limit(1);
    if (taken.length === 0) return candidate;
  }
  const free = await firstFreeId(tx, candidate) ?? await firstFreeId(tx, 1);
  if (free === undefined) throw new DagpactError('CONFLICT', 'every schema id is taken');
  await tx.execute(sql`select setval(${seq}, ${free})`);
  return free;
}

/** The smallest id at or after `from` that no schema holds, if one is left in range. */
async function firstFreeId(tx: Tx, from: number): Promise<number | undefined> {
  const result = await tx.execute(sql`
    select case when not exists (select 1 from schemas where id = ${from}) then ${from}::bigint
      else (select min(s.id + 1) from schemas s where s.id >= ${from} and s.id < 2147483647 and not exists (select 1 from schemas t where t.id = s.id + 1))
    end as free`);
  const free = (rowsOf(result)[0] as { free: string | number | null } | undefined)?.free;
  const n = free === null || free === undefined ? undefined : Number(free);
  return n !== undefined && n <= MAX_SCHEMA_ID ? n : undefined;
}

function rowsOf(result: unknown): unknown[] {
  return Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? []);
}

export function encodeRegistryChange(change: RegistryChange): string {
  const payload = change.kind === 'subject' ? `s:${change.subject}` : change.kind === 'config' ? `c:${change.scope}` : '*';
  return Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES ? '*' : payload;
}

export function decodeRegistryChange(payload: string): RegistryChange {
  if (payload.startsWith('s:')) return { kind: 'subject', subject: payload.slice(2) };
  if (payload.startsWith('c:')) return { kind: 'config', scope: payload.slice(2) };
  return { kind: 'all' };
}

async function notifyChange(tx: Tx, change: RegistryChange): Promise<void> {
  await tx.execute(sql`select pg_notify(${REGISTRY_CHANNEL}, ${encodeRegistryChange(change)})`);
}

function toStored(row: typeof schemas.$inferSelect): StoredSchema {
  return {
    id: row.id, format: row.format as SchemaFormat, schema: row.schemaText, canonical: row.canonical,
    fingerprint: row.fingerprint, references: (row.references ?? []) as SchemaReference[],
  };
}

/** LIKE pattern matching names that start with `prefix` literally. */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function reads(db: Exec): RegistryReadStore {
  return {
    async findSchemaById({ id }) {
      const [row] = await db.select().from(schemas).where(eq(schemas.id, id)).limit(1);
      return row ? toStored(row) : undefined;
    },
    async findSchemaByContentKey({ contentKey }) {
      const [row] = await db.select().from(schemas).where(eq(schemas.contentKey, contentKey)).limit(1);
      return row ? toStored(row) : undefined;
    },
    async findSchemaByFingerprint({ format, fingerprint }) {
      const [row] = await db.select().from(schemas)
        .where(and(eq(schemas.format, format), eq(schemas.fingerprint, fingerprint))).orderBy(asc(schemas.id)).limit(1);
      return row ? toStored(row) : undefined;
    },
    async listSubjects({ includeDeleted, prefix }) {
      const where = [];
      if (!includeDeleted) where.push(eq(subjectVersions.deleted, false));
      if (prefix) where.push(like(subjectVersions.subject, prefixPattern(prefix)));
      const rows = await db.selectDistinct({ subject: subjectVersions.subject }).from(subjectVersions)
        .where(and(...where)).orderBy(asc(subjectVersions.subject));
      return rows.map((r) => r.subject);
    },
    async findVersions({ subject, includeDeleted }) {
      const rows = await db.select({ v: subjectVersions, s: schemas }).from(subjectVersions)
        .innerJoin(schemas, eq(schemas.id, subjectVersions.schemaId))
        .where(and(eq(subjectVersions.subject, subject), includeDeleted ? undefined : eq(subjectVersions.deleted, false)))
        .orderBy(asc(subjectVersions.version));
      return rows.map(({ v, s }): SubjectVersion => ({
        subject: v.subject, version: v.version, id: v.schemaId, format: s.format as SchemaFormat,
        schema: s.schemaText, references: (s.references ?? []) as SchemaReference[], deleted: v.deleted,
        ...(v.metadata != null ? { metadata: v.metadata } : {}),
        ...(v.ruleSet != null ? { ruleSet: v.ruleSet } : {}),
      }));
    },
    async findVersionsBySchema({ id, includeDeleted }) {
      return db.select({ subject: subjectVersions.subject, version: subjectVersions.version, deleted: subjectVersions.deleted })
        .from(subjectVersions)
        .where(and(eq(subjectVersions.schemaId, id), includeDeleted ? undefined : eq(subjectVersions.deleted, false)))
        .orderBy(asc(subjectVersions.subject), asc(subjectVersions.version));
    },
    async findReferrers({ subject, version, includeDeleted }) {
      return db.select({ subject: subjectVersions.subject, version: subjectVersions.version, id: subjectVersions.schemaId })
        .from(schemaReferences)
        .innerJoin(subjectVersions, and(eq(subjectVersions.subject, schemaReferences.subject), eq(subjectVersions.version, schemaReferences.version)))
        .where(and(
          eq(schemaReferences.refSubject, subject), eq(schemaReferences.refVersion, version),
          includeDeleted ? undefined : eq(subjectVersions.deleted, false),
        ))
        .orderBy(asc(subjectVersions.schemaId), asc(subjectVersions.subject), asc(subjectVersions.version));
    },
    async getConfig({ scope }) {
      const [row] = await db.select().from(registryConfig).where(eq(registryConfig.scope, scope)).limit(1);
      const out: ScopeConfig = {};
      if (row?.compatibility) out.compatibility = row.compatibility;
      if (row?.mode) out.mode = row.mode;
      return out;
    },
  };
}

function writes(tx: Tx): RegistryTx {
  // Each subject is announced once, on the first write to its versions (schemas are immutable by id).
  const announced = new Set<string>();
  async function changed(subject: string): Promise<void> {
    if (announced.has(subject)) return;
    await notifyChange(tx, { kind: 'subject', subject });
    announced.add(subject);
  }
  return {
    ...reads(tx),
    recordAudit: (event) => insertAuditEvent(tx, event),
    async insertSchema(row) {
      // Explicit ids (IMPORT) leave the sequence alone; allocated ids step over imported ones.
      const id = row.id ?? await allocateSchemaId(tx);
      const values = {
        format: row.format, contentKey: row.contentKey, fingerprint: row.fingerprint, canonical: row.canonical,
        schemaText: row.schemaText, references: row.references, id,
      };
      // A concurrent insert of the same content waits on the unique index, then conflicts: both get one id.
      const [inserted] = await tx.insert(schemas).values(values).onConflictDoNothing({ target: schemas.contentKey }).returning();
      if (inserted) return toStored(inserted);
      const [existing] = await tx.select().from(schemas).where(eq(schemas.contentKey, row.contentKey)).limit(1);
      return toStored(existing!);
    },
    async insertVersion({ subject, version, format, schemaId, references, metadata, ruleSet }) {
      await changed(subject);
      await tx.insert(subjects).values({ name: subject, format })
        .onConflictDoUpdate({ target: subjects.name, set: { format } });
      await tx.insert(subjectVersions).values({
        subject, version, schemaId, deleted: false, metadata: metadata ?? null, ruleSet: ruleSet ?? null,
      });
      if (references.length > 0) {
        await tx.insert(schemaReferences).values(references.map((r) => ({
          subject, version, name: r.name, refSubject: r.subject, refVersion: r.version,
        })));
      }
    },
    async markDeleted({ subject, versions }) {
      if (versions.length === 0) return;
      await changed(subject);
      await tx.update(subjectVersions).set({ deleted: true })
        .where(and(eq(subjectVersions.subject, subject), inArray(subjectVersions.version, versions)));
    },
    async removeVersions({ subject, versions }) {
      if (versions.length === 0) return;
      await changed(subject);
      await tx.delete(schemaReferences)
        .where(and(eq(schemaReferences.subject, subject), inArray(schemaReferences.version, versions)));
      await tx.delete(subjectVersions)
        .where(and(eq(subjectVersions.subject, subject), inArray(subjectVersions.version, versions)));
      const [left] = await tx.select({ n: sql<number>`count(*)::int` }).from(subjectVersions).where(eq(subjectVersions.subject, subject));
      if (Number(left?.n ?? 0) === 0) await tx.delete(subjects).where(eq(subjects.name, subject));
    },
  };
}

export function makeRegistryStore(db: Db): RegistryStore {
  return {
    ...reads(db),
    async withSubjectLock({ subject }, fn) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${LOCK_NAMESPACE + subject}))`);
        return fn(writes(tx));
      });
    },
    async setConfig({ scope, compatibility, mode, audit }) {
      const set: Partial<typeof registryConfig.$inferInsert> = { updatedAt: new Date() };
      if (compatibility !== undefined) set.compatibility = compatibility;
      if (mode !== undefined) set.mode = mode;
      await db.transaction(async (tx) => {
        await tx.insert(registryConfig).values({ scope, compatibility: compatibility ?? null, mode: mode ?? null })
          .onConflictDoUpdate({ target: registryConfig.scope, set });
        // A scope with nothing set is no scope at all.
        await tx.delete(registryConfig)
          .where(and(eq(registryConfig.scope, scope), sql`${registryConfig.compatibility} is null`, sql`${registryConfig.mode} is null`));
        await notifyChange(tx, { kind: 'config', scope });
        if (audit) await insertAuditEvent(tx, audit);
      });
    },
  };
}
