// Shapes of the /v1 responses the pages read (the fields they use; the API may add more).
export interface Binding {
  topic: string; subject: string; version: number; schema_id: number; format: string; declared: number | string;
  on_mismatch?: string; trigger_topic?: string | null; forward_to?: string;
}
export interface DagVersion {
  dag_id: string; version: string; airflow_version_number?: number | null; contract_hash: string;
  consumes: Binding[]; produces: Binding[]; created_by: string; created_at: string;
}
export interface Deployment {
  id: number; environment: string; dag_id: string; version: string | null; check_id?: number | null; forced: boolean;
  reason?: string | null; deployed_by: string; created_at: string;
}
export interface ActiveList { environment: string; active: Array<{ deployment: Deployment; dag_version: DagVersion }> }
export interface CheckSummary {
  id: number; dag_id: string; version: string; environment: string; passed: boolean; errors: number; warnings: number;
  requested_by: string; created_at: string;
}
export interface Finding { path: string; rule: string; message: string; direction?: string; version?: number; severity?: string }
export interface QuarantineRecord {
  id: number; source_topic: string; message_id: string; dag_id: string; dag_version?: string | null; environment: string;
  disposition: string; reason_code: string; reason: string; status: string; message_key?: string | null;
  properties?: Record<string, string>; publish_time?: string | null; event_time?: string | null;
  expected_schema_id?: number | null; detected_schema_id?: number | null; payload_size: number; created_at: string; updated_at?: string;
}
export interface QuarantineDetail extends QuarantineRecord {
  payload_base64: string;
  decoded?: { schema_id?: number; value?: unknown; error?: string };
  history: Array<{ at: string; action: string; actor: string; actorName?: string; details?: unknown }>;
  /** Added by newer servers: the compatibility findings recorded with the record. */
  findings?: Finding[];
  /** Added by newer servers: the writer schema as the gatekeeper saw it. */
  /** The writer (registry schema, or the broker's definition of a Pulsar type) and the contract schema. */
  writer?: { schema_id?: number; schema?: string; pulsar_schema_version?: string; pulsar_type?: string };
  expected?: { schema_id?: number; schema?: string };
}
export interface Stats {
  total: number; by_reason: Array<{ reason_code: string; count: number }>;
  by_dag?: Array<{ environment: string; dag_id: string; count: number }>;
}
