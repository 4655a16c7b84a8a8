// Tokens and the audit log in the database. Token mutations write their audit event in the same
// transaction as the change.
import { and, desc, eq, gte, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { AuditEventInput, AuditLog } from '../core/audit.js';
import type { Role, TokenRecord, TokenStore } from '../core/auth.js';
import type { Db } from './db.js';
import { apiTokens, auditEvents } from './schema.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

function toRecord(row: typeof apiTokens.$inferSelect): TokenRecord {
  return {
    id: row.id, name: row.name, scopes: row.scopes as Role[], createdBy: row.createdBy,
    createdAt: row.createdAt, revokedAt: row.revokedAt, lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt, replacedBy: row.replacedBy,
  };
}

/** Inserts one audit event with the given connection or transaction. */
export async function insertAuditEvent(db: Db | Tx, event: AuditEventInput): Promise<void> {
  await db.insert(auditEvents).values({
    actor: event.actor, actorName: event.actorName ?? null, action: event.action,
    targetType: event.targetType, targetId: event.targetId, details: event.details ?? null,
  });
}

export function makeTokenStore(db: Db): TokenStore {
  return {
    async insertToken({ audit, ...values }) {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(apiTokens).values(values).returning();
        await insertAuditEvent(tx, { ...audit, targetId: String(row!.id) });
        return toRecord(row!);
      });
    },
    async findTokenByHash({ tokenHash }) {
      const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).limit(1);
      return row ? toRecord(row) : undefined;
    },
    async listTokens({ includeRevoked }) {
      const rows = await db.select().from(apiTokens)
        .where(includeRevoked ? undefined : isNull(apiTokens.revokedAt)).orderBy(apiTokens.id);
      return rows.map(toRecord);
    },
    async revokeToken({ id, audit }) {
      return db.transaction(async (tx) => {
        const [existing] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id)).for('update').limit(1);
        if (!existing) return undefined;
        if (existing.revokedAt) return toRecord(existing);
        const [row] = await tx.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id)).returning();
        const record = toRecord(row!);
        await insertAuditEvent(tx, audit(record));
        return record;
      });
    },
    async rotateToken({ id, tokenHash, createdBy, newExpiresAt, oldExpiresAt, audit }) {
      return db.transaction(async (tx) => {
        const [existing] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id)).for('update').limit(1);
        if (!existing) return undefined;
        if (existing.revokedAt) return 'revoked' as const;
        const [succ] = await tx.insert(apiTokens).values({
          name: existing.name, tokenHash, scopes: existing.scopes, createdBy, expiresAt: newExpiresAt,
        }).returning();
        const keepUntil = existing.expiresAt && existing.expiresAt < oldExpiresAt ? existing.expiresAt : oldExpiresAt;
        const [old] = await tx.update(apiTokens).set({ expiresAt: keepUntil, replacedBy: succ!.id })
          .where(eq(apiTokens.id, id)).returning();
        const result = { old: toRecord(old!), successor: toRecord(succ!) };
        await insertAuditEvent(tx, audit(result.old, result.successor));
        return result;
      });
    },
    async touchToken({ id, at, minIntervalMs }) {
      const threshold = new Date(at.getTime() - minIntervalMs);
      await db.update(apiTokens).set({ lastUsedAt: at })
        .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, threshold))));
    },
  };
}

export function makeAuditLog(db: Db): AuditLog {
  return {
    async record(event) {
      await insertAuditEvent(db, event);
    },
    async list({ actor, action, targetType, targetId, since, until, limit, beforeId }) {
      const where: SQL[] = [];
      if (actor) where.push(eq(auditEvents.actor, actor));
      if (action) where.push(action.endsWith('*') ? sql`${auditEvents.action} like ${action.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%'}` : eq(auditEvents.action, action));
      if (targetType) where.push(eq(auditEvents.targetType, targetType));
      if (targetId) where.push(eq(auditEvents.targetId, targetId));
      if (since) where.push(gte(auditEvents.createdAt, since));
      if (until) where.push(lte(auditEvents.createdAt, until));
      if (beforeId) where.push(lt(auditEvents.id, beforeId));
      const rows = await db.select().from(auditEvents).where(and(...where)).orderBy(desc(auditEvents.id)).limit(limit);
      return rows.map((r) => ({ ...r, actorName: r.actorName ?? undefined, details: r.details ?? undefined }));
    },
  };
}
