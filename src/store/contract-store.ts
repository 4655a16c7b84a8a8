// DAGs, DAG versions with their contract bindings, checks and deployments in the database (tables
// dags, dag_versions, contract_bindings, checks, deployments). Bindings use direction 'consume' /
// 'produce', which the gatekeeper's routing (gatekeeper/adapters/db-routing.ts) reads.
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type {
  ActiveVersion, CheckRecord, Contract, ContractStore, DagVersionRecord, DeploymentRecord, TopicCheck,
} from '../core/contracts/types.js';
import type { Db } from './db.js';
import { insertAuditEvent } from './token-store.js';
import { isPinned, type ContractEntry, type DagVersionRef, type EnvironmentRecord } from '../core/contracts/types.js';
import { checks, contractBindings, dagVersions, dags, deployments, environments } from './schema.js';

function toVersion(row: typeof dagVersions.$inferSelect): DagVersionRecord {
  return { ...row, contract: row.contract as Contract };
}

function toCheck(row: typeof checks.$inferSelect): CheckRecord {
  const { findings, together, ...rest } = row;
  return { ...rest, checks: findings as TopicCheck[], together: (together ?? []) as DagVersionRef[] };
}

type DeploymentRow = typeof deployments.$inferSelect & { version: string | null };

function toDeployment(row: DeploymentRow): DeploymentRecord {
  return {
    id: row.id, environment: row.environment, dagId: row.dagId, version: row.version, dagVersionId: row.dagVersionId,
    checkId: row.checkId, forced: row.forced, reason: row.reason, deployedBy: row.deployedBy, createdAt: row.createdAt,
  };
}

const deploymentColumns = {
  id: deployments.id, environment: deployments.environment, dagId: deployments.dagId, dagVersionId: deployments.dagVersionId,
  checkId: deployments.checkId, forced: deployments.forced, reason: deployments.reason, deployedBy: deployments.deployedBy,
  createdAt: deployments.createdAt, version: dagVersions.version,
};

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function insertBindings(tx: Tx | Db, dagVersionId: number, bindings: Array<ContractEntry & { version: number; schemaId: number; direction: string }>) {
  if (!bindings.length) return;
  await tx.insert(contractBindings).values(bindings.map((b) => ({
    dagVersionId, direction: b.direction, topic: b.topic, subject: b.subject, subjectVersion: b.version,
    schemaId: b.schemaId, onMismatch: b.onMismatch ?? 'quarantine', triggerTopic: b.triggerTopic ?? null,
    forwardTo: b.forwardTo ?? null,
  })));
}

const toEnvironment = (row: typeof environments.$inferSelect): EnvironmentRecord => row;

export function makeContractStore(db: Db): ContractStore {
  return {
    async insertDagVersion({ dagId, version, airflowVersionNumber, contract, contractHash, createdBy, audit }) {
      return db.transaction(async (tx) => {
        await tx.insert(dags).values({ dagId }).onConflictDoNothing();
        const [row] = await tx.insert(dagVersions).values({
          dagId, version, airflowVersionNumber: airflowVersionNumber ?? null, contract, contractHash, createdBy,
        }).onConflictDoNothing({ target: [dagVersions.dagId, dagVersions.version] }).returning();
        if (!row) {
          const [existing] = await tx.select().from(dagVersions).where(and(eq(dagVersions.dagId, dagId), eq(dagVersions.version, version))).limit(1);
          if (!existing) throw new Error('dag_versions insert conflicted but the conflicting row is gone');
          return { record: toVersion(existing), created: false };
        }
        // Unpinned produced entries get their binding when they are pinned at first deploy (pinProduced).
        await insertBindings(tx, row.id, [
          ...contract.consumes.filter(isPinned).map((c) => ({ ...c, direction: 'consume' })),
          ...contract.produces.filter(isPinned).map((p) => ({ ...p, direction: 'produce' })),
        ]);
        const record = toVersion(row);
        if (audit) await insertAuditEvent(tx, audit(record));
        return { record, created: true };
      });
    },

    async findDagVersion({ dagId, version }) {
      const [row] = await db.select().from(dagVersions).where(and(eq(dagVersions.dagId, dagId), eq(dagVersions.version, version))).limit(1);
      return row ? toVersion(row) : undefined;
    },

    async findDag({ dagId }) {
      const [row] = await db.select().from(dags).where(eq(dags.dagId, dagId)).limit(1);
      return row;
    },

    async listDags() {
      const rows = await db.execute(sql`
        select d.dag_id, d.created_at, count(v.id)::int as version_count,
               (select v2.version from dag_versions v2 where v2.dag_id = d.dag_id order by v2.id desc limit 1) as latest_version
        from dags d left join dag_versions v on v.dag_id = d.dag_id
        group by d.dag_id, d.created_at order by d.dag_id`);
      return (rows.rows as Array<{ dag_id: string; created_at: string | Date; version_count: number; latest_version: string | null }>).map((r) => ({
        dagId: r.dag_id, createdAt: new Date(r.created_at), versionCount: Number(r.version_count), latestVersion: r.latest_version,
      }));
    },

    async listDagVersions({ dagId }) {
      const rows = await db.select().from(dagVersions).where(eq(dagVersions.dagId, dagId)).orderBy(dagVersions.id);
      return rows.map(toVersion);
    },

    async insertCheck(check) {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(checks).values({
          environment: check.environment, dagId: check.dagId, version: check.version, manifest: check.manifest,
          passed: check.passed, findings: check.checks, together: check.together, requestedBy: check.requestedBy,
        }).returning();
        const record = toCheck(row!);
        if (check.audit) await insertAuditEvent(tx, check.audit(record));
        return record;
      });
    },

    async findCheck({ id }) {
      const [row] = await db.select().from(checks).where(eq(checks.id, id)).limit(1);
      return row ? toCheck(row) : undefined;
    },

    async latestCheck({ dagId, version, environment }) {
      const [row] = await db.select().from(checks)
        .where(and(eq(checks.dagId, dagId), eq(checks.version, version), eq(checks.environment, environment)))
        .orderBy(desc(checks.id)).limit(1);
      return row ? toCheck(row) : undefined;
    },

    async insertDeployment({ audit, ...values }) {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(deployments).values(values).returning({ id: deployments.id });
        const [full] = await tx.select(deploymentColumns).from(deployments)
          .leftJoin(dagVersions, eq(dagVersions.id, deployments.dagVersionId)).where(eq(deployments.id, row!.id));
        const record = toDeployment(full!);
        if (audit) await insertAuditEvent(tx, audit(record));
        return record;
      });
    },

    async listDeployments({ environment, dagId, limit }) {
      const rows = await db.select(deploymentColumns).from(deployments)
        .leftJoin(dagVersions, eq(dagVersions.id, deployments.dagVersionId))
        .where(and(environment ? eq(deployments.environment, environment) : undefined, dagId ? eq(deployments.dagId, dagId) : undefined))
        .orderBy(desc(deployments.id)).limit(limit);
      return rows.map(toDeployment);
    },

    async pinProduced({ dagVersionId, produces }) {
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(dagVersions).where(eq(dagVersions.id, dagVersionId)).for('update');
        if (!row) throw new Error(`dag version ${dagVersionId} is gone`);
        const contract = row.contract as Contract;
        // Only entries still unpinned in the row: a concurrent deploy may have pinned them already.
        const fresh = produces.filter(isPinned).filter((p) => contract.produces.some((c) => c.topic === p.topic && !isPinned(c)));
        if (!fresh.length) return toVersion(row);
        const next: Contract = { ...contract, produces: contract.produces.map((c) => fresh.find((p) => p.topic === c.topic) ?? c) };
        const [updated] = await tx.update(dagVersions).set({ contract: next }).where(eq(dagVersions.id, dagVersionId)).returning();
        await insertBindings(tx, dagVersionId, fresh.map((p) => ({ ...p, direction: 'produce' })));
        return toVersion(updated!);
      });
    },

    async listEnvironments() {
      return (await db.select().from(environments).orderBy(environments.name)).map(toEnvironment);
    },

    async findEnvironment({ name }) {
      const [row] = await db.select().from(environments).where(eq(environments.name, name)).limit(1);
      return row ? toEnvironment(row) : undefined;
    },

    async insertEnvironment({ name, description, createdBy }) {
      const [row] = await db.insert(environments).values({ name, description, createdBy }).onConflictDoNothing().returning();
      if (row) return { record: toEnvironment(row), created: true };
      const [existing] = await db.select().from(environments).where(eq(environments.name, name)).limit(1);
      return { record: toEnvironment(existing!), created: false };
    },

    async activeVersions({ environment }): Promise<ActiveVersion[]> {
      const latest = await db.execute(sql`
        select distinct on (dag_id) id from deployments where environment = ${environment} order by dag_id, id desc`);
      const ids = (latest.rows as Array<{ id: number }>).map((r) => Number(r.id));
      if (!ids.length) return [];
      const rows = await db.select({ d: deploymentColumns, v: dagVersions }).from(deployments)
        .innerJoin(dagVersions, eq(dagVersions.id, deployments.dagVersionId))
        .where(inArray(deployments.id, ids)).orderBy(deployments.dagId);
      return rows.map((r) => ({ deployment: toDeployment(r.d), dagVersion: toVersion(r.v) }));
    },
  };
}
