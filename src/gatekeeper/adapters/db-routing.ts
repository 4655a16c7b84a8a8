// A RoutingSource read straight from the deployment and contract tables, for as long as the contracts
// service (src/core/contracts/) does not expose routingTable(). Active = the latest deployment row
// per (environment, dag) with a non-null DAG version; routes = that version's consumed bindings.
import { sql } from 'drizzle-orm';
import type { Db } from '../../store/db.js';
import type { Route, RoutingSource, RoutingTable } from '../types.js';

interface Row {
  topic: string; dag_id: string; dag_version: string; dag_version_id: number; subject: string;
  subject_version: number; schema_id: number; on_mismatch: string; trigger_topic: string | null;
  forward_to: string | null; airflow_version_number: number | null; contract_hash: string; contract: { consumes?: Array<{ topic?: string; sensitiveFields?: string[] }> } | null; deployed_by: string;
}

function sensitive(r: Row): { sensitiveFields?: string[] } {
  const fields = r.contract?.consumes?.find((c) => c.topic === r.topic)?.sensitiveFields;
  return fields?.length ? { sensitiveFields: fields } : {};
}

export function makeDbRoutingSource(db: Db): RoutingSource {
  return {
    async routingTable({ environment }): Promise<RoutingTable> {
      const rows = await db.execute(sql`
        with latest as (
          select distinct on (dag_id) dag_id, dag_version_id, id, deployed_by
          from deployments where environment = ${environment}
          order by dag_id, id desc
        )
        select b.topic, v.dag_id, v.version as dag_version, v.id as dag_version_id, b.subject,
               b.subject_version, b.schema_id, b.on_mismatch, b.trigger_topic, b.forward_to, v.airflow_version_number, v.contract_hash, v.contract, l.deployed_by
        from latest l
        join dag_versions v on v.id = l.dag_version_id
        join contract_bindings b on b.dag_version_id = v.id and b.direction in ('consume', 'consumes', 'consumer', 'input')
        order by b.topic, v.dag_id`);
      const marker = await db.execute(sql`select coalesce(max(id), 0)::text as m from deployments where environment = ${environment}`);
      const routes: Route[] = (rows.rows as unknown as Row[]).map((r) => ({
        topic: r.topic, dagId: r.dag_id, dagVersion: r.dag_version, dagVersionId: Number(r.dag_version_id),
        subject: r.subject, subjectVersion: Number(r.subject_version), schemaId: Number(r.schema_id),
        onMismatch: r.on_mismatch === 'reject' ? 'reject' : 'quarantine', triggerTopic: r.trigger_topic,
        airflowVersionNumber: r.airflow_version_number === null ? null : Number(r.airflow_version_number),
        contractHash: r.contract_hash,
        deployedBy: r.deployed_by,
        ...sensitive(r),
        ...(r.forward_to === 'airflow' || r.forward_to === 'topic' ? { forwardTo: r.forward_to } : {}),
      }));
      return { routes, marker: String((marker.rows[0] as { m: string }).m) };
    },
  };
}
