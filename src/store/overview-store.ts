// Read queries behind the overview service (core/overview): environments, the contract matrix, check
// summaries and held messages per reason over time. Plain SQL over the tables the other stores write.
import { and, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { Bucket, CheckSummary, MatrixCell, OverviewStore } from '../core/overview/overview.js';
import type { QuarantineFilter } from '../core/quarantine/types.js';
import type { Db } from './db.js';
import { quarantineWhere } from './quarantine-store.js';
import { quarantineRecords as q } from './schema.js';

type CheckRow = {
  id: number; dag_id: string; version: string; environment: string; passed: boolean; requested_by: string;
  created_at: string | Date; errors: number; warnings: number;
};

// Findings are stored per topic check (checks.findings = TopicCheck[]); the counts flatten them.
const checkColumns = sql`c.id, c.dag_id, c.version, c.environment, c.passed, c.requested_by, c.created_at,
  (select count(*) from jsonb_array_elements(c.findings) t, jsonb_array_elements(t->'findings') f where f->>'severity' = 'error')::int as errors,
  (select count(*) from jsonb_array_elements(c.findings) t, jsonb_array_elements(t->'findings') f where f->>'severity' = 'warning')::int as warnings`;

function toCheck(r: CheckRow): CheckSummary {
  return {
    id: Number(r.id), dagId: r.dag_id, version: r.version, environment: r.environment, passed: r.passed,
    errors: Number(r.errors), warnings: Number(r.warnings), requestedBy: r.requested_by, createdAt: new Date(r.created_at),
  };
}


export function makeOverviewStore(db: Db): OverviewStore {
  return {
    async environments() {
      const res = await db.execute(sql`select environment from deployments union select environment from checks order by 1`);
      return (res.rows as Array<{ environment: string }>).map((r) => r.environment);
    },

    async matrixCells() {
      const dagRows = await db.execute(sql`select dag_id from dags order by dag_id`);
      const active = await db.execute(sql`
        select distinct on (d.environment, d.dag_id) d.environment, d.dag_id, v.version, d.created_at, d.deployed_by, d.forced
        from deployments d left join dag_versions v on v.id = d.dag_version_id
        order by d.environment, d.dag_id, d.id desc`);
      const checks = await db.execute(sql`
        select distinct on (c.environment, c.dag_id) ${checkColumns}
        from checks c order by c.environment, c.dag_id, c.id desc`);
      const key = (env: string, dag: string) => `${env}\u0000${dag}`;
      const lastCheck = new Map((checks.rows as CheckRow[]).map((r) => [key(r.environment, r.dag_id), toCheck(r)]));
      const cells = new Map<string, MatrixCell>();
      for (const r of active.rows as Array<{ environment: string; dag_id: string; version: string | null; created_at: string | Date; deployed_by: string; forced: boolean }>) {
        cells.set(key(r.environment, r.dag_id), {
          environment: r.environment, dagId: r.dag_id, version: r.version,
          deployedAt: new Date(r.created_at), deployedBy: r.deployed_by, forced: r.forced,
          lastCheck: lastCheck.get(key(r.environment, r.dag_id)) ?? null,
        });
      }
      for (const [k, c] of lastCheck) {
        if (!cells.has(k)) cells.set(k, { environment: c.environment, dagId: c.dagId, version: null, deployedAt: null, deployedBy: null, forced: false, lastCheck: c });
      }
      return { dags: (dagRows.rows as Array<{ dag_id: string }>).map((r) => r.dag_id), cells: [...cells.values()] };
    },

    async listChecks({ dagId, version, environment, limit }) {
      const conds = [
        dagId !== undefined ? sql`c.dag_id = ${dagId}` : undefined,
        version !== undefined ? sql`c.version = ${version}` : undefined,
        environment !== undefined ? sql`c.environment = ${environment}` : undefined,
      ].filter((c): c is SQL => c !== undefined);
      const where = conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``;
      const res = await db.execute(sql`select ${checkColumns} from checks c ${where} order by c.id desc limit ${limit}`);
      return (res.rows as CheckRow[]).map(toCheck);
    },

    async quarantineStats({ filter, bucket }: { filter: QuarantineFilter; bucket?: Bucket }) {
      const where = quarantineWhere(filter);
      const whereSql = where ? sql`where ${where}` : sql``;
      // One scan for the counts: at most environments × DAGs × reasons groups, folded here.
      const groups = await db.execute(sql`
        select ${q.environment} as environment, ${q.dagId} as dag_id, ${q.reasonCode} as reason_code, count(*)::int as n
        from ${q} ${whereSql} group by 1, 2, 3`);
      const byReason = new Map<string, number>();
      const byDag = new Map<string, { environment: string; dagId: string; n: number }>();
      let total = 0;
      for (const r of groups.rows as Array<{ environment: string; dag_id: string; reason_code: string; n: number }>) {
        const n = Number(r.n);
        total += n;
        byReason.set(r.reason_code, (byReason.get(r.reason_code) ?? 0) + n);
        const key = `${r.environment}\u0000${r.dag_id}`;
        const d = byDag.get(key) ?? { environment: r.environment, dagId: r.dag_id, n: 0 };
        d.n += n;
        byDag.set(key, d);
      }
      let series: Array<{ at: Date; reasonCode: string; n: number }> | undefined;
      if (bucket) {
        const unit = bucket === 'day' ? sql.raw(`'day'`) : sql.raw(`'hour'`);
        const rows = await db.execute(sql`
          select date_trunc(${unit}, ${q.createdAt}) as at, ${q.reasonCode} as reason_code, count(*)::int as n
          from ${q} ${whereSql} group by 1, 2 order by 1, 2`);
        series = (rows.rows as Array<{ at: string | Date; reason_code: string; n: number }>).map((r) => ({ at: new Date(r.at), reasonCode: r.reason_code, n: Number(r.n) }));
      }
      return {
        total,
        byReason: [...byReason].map(([reasonCode, n]) => ({ reasonCode, n })).sort((a, b) => b.n - a.n || a.reasonCode.localeCompare(b.reasonCode)),
        byDag: [...byDag.values()].sort((a, b) => a.environment.localeCompare(b.environment) || a.dagId.localeCompare(b.dagId)),
        ...(series ? { series } : {}),
      };
    },
  };
}
