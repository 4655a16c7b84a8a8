// The contracts module's vocabulary: manifests as written by CI, contracts as stored (subjects and
// versions resolved), checks with their findings, deployments, and the store and Pulsar ports the
// core needs. No transport and no SQL here.
import type { AuditEventInput } from '../audit.js';
import type { SchemaReference } from '../registry/types.js';
import type { SchemaFormat } from '../formats/types.js';
import type { MismatchPolicy } from '../gatekeeper/routes.js';

/** How a DAG uses a topic (not a compatibility direction, which is core/compat's Direction). */
export type TopicAccess = 'consume' | 'produce';
/** Where a consumed topic's accepted messages go; unset = the gatekeeper's DAGPACT_FORWARD_TO. */
export type ForwardTo = 'topic' | 'airflow';

/** A manifest entry after validation and normalization (topics in full form, defaults applied). */
export type ManifestEntry =
  | { kind: 'ref'; topic: string; subject: string; version: number | 'latest'; onMismatch?: MismatchPolicy; triggerTopic?: string; forwardTo?: ForwardTo; sensitiveFields?: string[] }
  | {
    kind: 'inline'; topic: string; subject: string; schema: string; schemaType: SchemaFormat; onMismatch?: MismatchPolicy; triggerTopic?: string;
    forwardTo?: ForwardTo;
    sensitiveFields?: string[];
    /** Registered schemas the inline schema uses (Confluent's references); empty when it uses none. */
    references: SchemaReference[];
  };

export interface Manifest {
  dagId: string;
  version: string;
  airflowVersionNumber?: number;
  consumes: ManifestEntry[];
  produces: ManifestEntry[];
}

/**
 * One topic of a registered contract, pinned to a subject version and its schema id. A produced inline
 * schema that is not yet a version of its subject stays unpinned (`version` and `schemaId` null) until
 * the DAG version is first deployed: a refused candidate never joins the subject's history (ADR 0015).
 */
export interface ContractEntry {
  topic: string;
  subject: string;
  version: number | null;
  schemaId: number | null;
  format: SchemaFormat;
  /** What the manifest said: a number, "latest", or "inline". */
  declared: number | 'latest' | 'inline';
  onMismatch?: MismatchPolicy;
  triggerTopic?: string | null;
  forwardTo?: ForwardTo;
  /** Consumed topics: dotted paths the contract marks sensitive, redacted wherever a held message is shown. */
  sensitiveFields?: string[];
}

/** A contract entry with its subject version and schema id known. */
export type PinnedEntry = ContractEntry & { version: number; schemaId: number };

export function isPinned(e: ContractEntry): e is PinnedEntry {
  return e.version !== null && e.schemaId !== null;
}

export interface Contract {
  consumes: ContractEntry[];
  produces: ContractEntry[];
  /** The declared identity (see identity.ts) the contract hash is computed from. */
  declared: unknown;
}

export interface DagRecord {
  dagId: string;
  createdAt: Date;
}

export interface DagVersionRecord {
  id: number;
  dagId: string;
  version: string;
  airflowVersionNumber: number | null;
  contract: Contract;
  contractHash: string;
  createdBy: string;
  createdAt: Date;
}

export type Severity = 'error' | 'warning' | 'info';

export type FindingKind =
  | 'reader-vs-subject-latest'
  | 'reader-vs-pulsar-topic'
  | 'reader-vs-active-producer'
  | 'writer-vs-active-consumer'
  | 'writer-vs-subject-level'
  | 'writer-vs-pulsar-topic'
  | 'drift'
  | 'resolution'
  | 'airflow-dag-version'
  | 'airflow-dag-contract';

/** Which schema a finding speaks of: a subject version, a DAG version's contract, or Pulsar's topic. */
export interface SchemaSide {
  source: 'contract' | 'subject-latest' | 'pulsar-topic' | 'active-dag';
  subject?: string;
  version?: number;
  schemaId?: number;
  dagId?: string;
  dagVersion?: string;
  pulsarVersion?: number;
}

export interface PulsarVerdict {
  compatible: boolean;
  strategy?: string;
  reason?: string;
}

export interface CheckFinding {
  severity: Severity;
  kind: FindingKind;
  topic: string;
  direction: TopicAccess;
  subject?: string;
  reader?: SchemaSide;
  writer?: SchemaSide;
  path?: string;
  rule?: string;
  message: string;
  pulsar?: PulsarVerdict;
}

/** One comparison the check made (a JUnit testcase): passed unless it has an error finding. */
export interface TopicCheck {
  name: string;
  topic: string;
  direction: TopicAccess;
  kind: FindingKind;
  status: 'passed' | 'failed';
  findings: CheckFinding[];
}

export interface CheckRecord {
  id: number;
  environment: string;
  dagId: string;
  version: string;
  /** The manifest as submitted (after YAML/JSON parsing). */
  manifest: unknown;
  passed: boolean;
  checks: TopicCheck[];
  /** The other DAG versions of the change this check judged together with it (they replaced their DAGs' active versions). */
  together: DagVersionRef[];
  requestedBy: string;
  createdAt: Date;
}

export interface DagVersionRef { dagId: string; version: string }

export interface DeploymentRecord {
  id: number;
  environment: string;
  dagId: string;
  /** Null for an undeploy. */
  version: string | null;
  dagVersionId: number | null;
  checkId: number | null;
  forced: boolean;
  reason: string | null;
  deployedBy: string;
  createdAt: Date;
}

/** A declared environment (dev, staging, prod, ...). */
export interface EnvironmentRecord {
  name: string;
  description: string | null;
  createdBy: string;
  createdAt: Date;
}

export interface ActiveVersion {
  deployment: DeploymentRecord;
  dagVersion: DagVersionRecord;
}

export interface ContractStore {
  /** Inserts the DAG (if new) and the version with its bindings in one transaction; never overwrites. */
  insertDagVersion(args: {
    dagId: string; version: string; airflowVersionNumber?: number; contract: Contract; contractHash: string; createdBy: string;
    /** Written in the same transaction when the version is created. */
    audit?: (record: DagVersionRecord) => AuditEventInput;
  }): Promise<{ record: DagVersionRecord; created: boolean }>;
  findDagVersion(args: { dagId: string; version: string }): Promise<DagVersionRecord | undefined>;
  findDag(args: { dagId: string }): Promise<DagRecord | undefined>;
  listDags(): Promise<Array<DagRecord & { versionCount: number; latestVersion: string | null }>>;
  listDagVersions(args: { dagId: string }): Promise<DagVersionRecord[]>;
  insertCheck(args: Omit<CheckRecord, 'id' | 'createdAt'> & { audit?: (record: CheckRecord) => AuditEventInput }): Promise<CheckRecord>;
  findCheck(args: { id: number }): Promise<CheckRecord | undefined>;
  latestCheck(args: { dagId: string; version: string; environment: string }): Promise<CheckRecord | undefined>;
  insertDeployment(args: {
    environment: string; dagId: string; dagVersionId: number | null; checkId: number | null; forced: boolean; reason: string | null; deployedBy: string;
    audit?: (record: DeploymentRecord) => AuditEventInput;
  }): Promise<DeploymentRecord>;
  listDeployments(args: { environment?: string; dagId?: string; limit: number }): Promise<DeploymentRecord[]>;
  /** The latest deployment per DAG in the environment, when it names a version (not an undeploy). */
  activeVersions(args: { environment: string }): Promise<ActiveVersion[]>;
  /** Records the subject versions of produced schemas pinned at first deploy (contract JSON and bindings). */
  pinProduced(args: { dagVersionId: number; produces: ContractEntry[] }): Promise<DagVersionRecord>;
  listEnvironments(): Promise<EnvironmentRecord[]>;
  findEnvironment(args: { name: string }): Promise<EnvironmentRecord | undefined>;
  /** Inserts unless it exists; `created` false when it was already declared. */
  insertEnvironment(args: { name: string; description: string | null; createdBy: string }): Promise<{ record: EnvironmentRecord; created: boolean }>;
}

/** The part of Airflow's REST API the check uses (the Airflow client satisfies it). */
export interface AirflowDagVersions {
  readonly baseUrl: string;
  /** Airflow's versions of a DAG, oldest first; throws when Airflow cannot answer. */
  listDagVersions(args: { dagId: string }): Promise<Array<{ version_number: number; bundle_version: string | null }>>;
  /** The DAG as Airflow runs it now (its tags carry the declared contract), undefined when Airflow has no such DAG. */
  getDag?(args: { dagId: string }): Promise<{ dag_id: string; tags: Array<{ name: string }> } | undefined>;
}

/**
 * The parts of Pulsar's admin API the contracts module uses (PulsarAdmin satisfies it). Failures are
 * DagpactErrors: UPSTREAM_REJECTED when Pulsar refuses the request (its tenant or namespace does not
 * exist), INCOMPATIBLE_SCHEMA when postSchema's schema is refused, UPSTREAM_UNAVAILABLE otherwise;
 * `details.reason` and testCompatibility's `reason` are short, without Pulsar's stack trace.
 */
export interface PulsarSchemas {
  getSchema(topic: string): Promise<{ version: number; type: string; schema: string } | undefined>;
  testCompatibility(topic: string, schema: { type: string; schema: string }): Promise<{ compatible: boolean; strategy: string; reason?: string }>;
  postSchema(topic: string, schema: { type: string; schema: string }): Promise<number>;
  getSchemaCompatibilityStrategy(namespace: string): Promise<string>;
  getSchemaValidationEnforced(namespace: string): Promise<boolean>;
  getTopicSchemaPolicies(topic: string): Promise<
    { strategyOverride: string | null; appliedStrategy: string | null; schemaValidationEnforced: boolean } | undefined>;
}
