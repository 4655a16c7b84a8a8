// Quarantine records in the database (table quarantine_records).
import { and, desc, asc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { MismatchPolicy } from '../core/gatekeeper/routes.js';
import type {
  HistoryEntry, QuarantineFilter, QuarantineRecord, QuarantineStatus, QuarantineStore,
} from '../core/quarantine/types.js';
import type { Db } from './db.js';
import type { PayloadCipher } from './payload-cipher.js';
import { quarantineRecords as q } from './schema.js';
import { insertAuditEvent } from './token-store.js';

/** What `sealed` holds once opened: the message's properties and key. */
interface SealedFields { properties: Record<string, string>; key: string | null }

function toRecord(row: typeof q.$inferSelect, cipher: PayloadCipher | undefined): QuarantineRecord {
  const { payloadKeyId, sealed, ...rest } = row;
  let payload: Uint8Array;
  let fields: SealedFields = { properties: (row.properties ?? {}) as Record<string, string>, key: row.messageKey };
  if (payloadKeyId === null) payload = new Uint8Array(row.payload);
  else if (!cipher) throw new Error(`quarantine record ${row.id} is encrypted (key ${payloadKeyId}) but no DAGPACT_PAYLOAD_KEY is configured`);
  else {
    payload = new Uint8Array(cipher.open(payloadKeyId, row.payload));
    // Rows sealed before properties were (sealed = null) keep them in the clear columns.
    if (sealed !== null) fields = JSON.parse(cipher.open(payloadKeyId, sealed).toString('utf8')) as SealedFields;
  }
  return {
    ...rest,
    disposition: row.disposition as MismatchPolicy,
    status: row.status as QuarantineStatus,
    payload,
    properties: fields.properties,
    messageKey: fields.key,
    history: (row.history ?? []) as HistoryEntry[],
  };
}

/** The quarantine list's filter as SQL (also the console's counts, overview-store.ts). */
export function quarantineWhere(filter: QuarantineFilter): SQL | undefined {
  const parts: SQL[] = [];
  if (filter.topic) parts.push(eq(q.sourceTopic, filter.topic));
  if (filter.dagId) parts.push(eq(q.dagId, filter.dagId));
  if (filter.dagVersion) parts.push(eq(q.dagVersion, filter.dagVersion));
  if (filter.reason) parts.push(eq(q.reasonCode, filter.reason));
  if (filter.status) parts.push(eq(q.status, filter.status));
  if (filter.disposition) parts.push(eq(q.disposition, filter.disposition));
  if (filter.environment) parts.push(eq(q.environment, filter.environment));
  if (filter.since) parts.push(gte(q.createdAt, filter.since));
  if (filter.until) parts.push(lte(q.createdAt, filter.until));
  return parts.length ? and(...parts) : undefined;
}

/**
 * With `cipher`, payloads are written sealed (AES-256-GCM), and so are properties and key (column
 * `sealed`, the same key; the clear columns stay empty); read back opened. Rows without a key id stay readable.
 */
export function makeQuarantineStore(db: Db, options: { cipher?: PayloadCipher } = {}): QuarantineStore {
  const cipher = options.cipher;
  const toRec = (row: typeof q.$inferSelect) => toRecord(row, cipher);
  return {
    async insert({ record }) {
      const [row] = await db.insert(q).values({
        ...record,
        payload: cipher ? cipher.seal(record.payload) : Buffer.from(record.payload),
        payloadKeyId: cipher ? cipher.keyId : null,
        ...(cipher ? {
          properties: {}, messageKey: null,
          sealed: cipher.seal(Buffer.from(JSON.stringify({ properties: record.properties, key: record.messageKey } satisfies SealedFields), 'utf8')),
        } : {}),
        history: record.history,
      }).onConflictDoNothing({ target: [q.environment, q.sourceTopic, q.messageId, q.dagId] }).returning({ id: q.id });
      if (row) return { id: row.id, inserted: true };
      const [existing] = await db.select({ id: q.id }).from(q)
        .where(and(eq(q.environment, record.environment), eq(q.sourceTopic, record.sourceTopic),
          eq(q.messageId, record.messageId), eq(q.dagId, record.dagId))).limit(1);
      if (!existing) throw new Error('quarantine insert conflicted but the conflicting row is gone');
      return { id: existing.id, inserted: false };
    },

    async get({ id }) {
      const [row] = await db.select().from(q).where(eq(q.id, id)).limit(1);
      return row ? toRec(row) : undefined;
    },

    async list({ filter, limit, beforeId }) {
      const cond = and(quarantineWhere(filter), beforeId !== undefined ? lt(q.id, beforeId) : undefined);
      const rows = await db.select().from(q).where(cond).orderBy(desc(q.id)).limit(limit);
      return rows.map(toRec);
    },

    async ids({ filter, limit }) {
      const rows = await db.select({ id: q.id }).from(q).where(quarantineWhere(filter)).orderBy(asc(q.id)).limit(limit);
      return rows.map((r) => r.id);
    },

    async withLocked({ id }, fn) {
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(q).where(eq(q.id, id)).for('update').limit(1);
        if (!row) return undefined;
        const { change, result } = await fn(toRec(row));
        if (change?.audit) await insertAuditEvent(tx, change.audit);
        if (change) {
          await tx.update(q).set({
            status: change.status,
            history: sql`${q.history} || ${JSON.stringify([change.entry])}::jsonb`,
            updatedAt: new Date(),
          }).where(eq(q.id, id));
        }
        return result;
      });
    },
  };
}
