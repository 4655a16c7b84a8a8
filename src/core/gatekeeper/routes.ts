// Who reads what: the bindings of the DAG versions active in an environment (the routing table), and
// where each DAG's accepted messages go. Inputs of the gatekeeper's decision (decide.ts).

/** A partition's messages belong to their partitioned topic: its routes, its schemas, its records. */
export function partitionedTopic(topic: string): string {
  return topic.replace(/-partition-\d+$/, '');
}

export type MismatchPolicy = 'quarantine' | 'reject';

/** One (topic → DAG) binding of a DAG version active in the environment: who reads what. */
export interface Route {
  topic: string;
  dagId: string;
  dagVersion: string;
  dagVersionId: number;
  subject: string;
  subjectVersion: number;
  /** The reader schema: the registry id the contract names for this topic. */
  schemaId: number;
  onMismatch: MismatchPolicy;
  /** The binding's trigger topic; null → the configured pattern. */
  triggerTopic: string | null;
  /** The binding's forward target from its manifest; undefined → the gatekeeper's DAGPACT_FORWARD_TO / DAGPACT_AIRFLOW_DAGS. */
  forwardTo?: 'topic' | 'airflow';
  /** The DAG version's `airflow_version_number` from its manifest, when it gave one (provenance in a DAG run's conf). */
  airflowVersionNumber?: number | null;
  /** The DAG version's contract hash (what a DAG file declares with its `dagpact-contract:<hash>` tag). */
  contractHash?: string;
  /** Paths the contract marks sensitive for this topic (its manifest's `sensitive_fields`). */
  sensitiveFields?: string[];
  /** Who deployed the active DAG version (the principal's id): a DAG run carries it. */
  deployedBy?: string;
}

export interface RoutingTable {
  routes: Route[];
  /** Changes whenever a deployment changes the table (lets callers skip re-subscribing). */
  marker: string;
}

export interface RoutingSource {
  routingTable(args: { environment: string }): Promise<RoutingTable>;
}

/** Where accepted messages of each DAG go. */
export interface ForwardTarget {
  forwardTo: 'topic' | 'airflow';
  /** With forwardTo airflow: only these DAGs go to Airflow (the others to their trigger topic); undefined = every DAG. */
  airflowDags?: readonly string[];
}

/** Whether a route's accepted messages become Airflow DAG runs: its manifest's forward_to, else the gatekeeper's setting. */
export function forwardsToAirflow(route: { dagId: string; forwardTo?: 'topic' | 'airflow' }, target: ForwardTarget): boolean {
  if (route.forwardTo) return route.forwardTo === 'airflow';
  return target.forwardTo === 'airflow' && (target.airflowDags === undefined || target.airflowDags.includes(route.dagId));
}

