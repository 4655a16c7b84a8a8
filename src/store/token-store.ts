// Tokens and the audit log in the database.
import { and, desc, eq, isNull, lt, type SQL } from 'drizzle-orm';
import type { AuditLog } from '../core/audit.js';
import type { Scope, TokenRecord, TokenStore } from '../core/auth.js';
import type { Db } from './db.js';
import { apiTokens, auditEvents } from './schema.js';

function toRecord(row: typeof apiTokens.$inferSelect): TokenRecord {
  return {
    id: row.id, name: row.name, scopes: row.scopes as Scope[], createdBy: row.createdBy,
    createdAt: row.createdAt, revokedAt: row.revokedAt, lastUsedAt: row.lastUsedAt,
  };
}

export function makeTokenStore(db: Db): TokenStore {
  return {
    async insertToken(args) {
      const [row] = await db.insert(apiTokens).values(args).returning();
      return toRecord(row!);
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
    async revokeToken({ id }) {
      const [existing] = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
      if (!existing) return undefined;
      if (existing.revokedAt) return toRecord(existing);
      const [row] = await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id)).returning();
      return toRecord(row!);
    },
  };
}

export function makeAuditLog(db: Db): AuditLog {
  return {
    async record(event) {
      await db.insert(auditEvents).values({ ...event, details: event.details ?? null });
    },
    async list({ targetType, targetId, limit, beforeId }) {
      const where: SQL[] = [];
      if (targetType) where.push(eq(auditEvents.targetType, targetType));
      if (targetId) where.push(eq(auditEvents.targetId, targetId));
      if (beforeId) where.push(lt(auditEvents.id, beforeId));
      const rows = await db.select().from(auditEvents).where(and(...where)).orderBy(desc(auditEvents.id)).limit(limit);
      return rows.map((r) => ({ ...r, details: r.details ?? undefined }));
    },
  };
}
