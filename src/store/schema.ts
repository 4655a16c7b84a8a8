// The drizzle schema of every table dagpact keeps. Migrations in migrations/ are generated from this
// file by `npm run db:generate` and committed; test/integration/store/migrations.test.ts fails when
// the two drift apart. Keep this file free of relative imports: drizzle-kit loads it on its own.
import { sql } from 'drizzle-orm';
import {
  bigserial, boolean, customType, index, integer, jsonb, pgTable, primaryKey, serial, text,
  timestamp, uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** API tokens: only a SHA-256 of the secret is stored. */
export const apiTokens = pgTable('api_tokens', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  scopes: text('scopes').array().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  /** Null = never expires. A rotated token's expiry is the end of its grace period. */
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  /** The successor issued by rotation. */
  replacedBy: integer('replaced_by'),
});

/** Content-addressed schemas: one global id per distinct (format, canonical content, references). */
export const schemas = pgTable('schemas', {
  id: serial('id').primaryKey(),
  format: text('format').notNull(),
  /** sha256 over format, canonical text and references: the uniqueness key. */
  contentKey: text('content_key').notNull().unique(),
  fingerprint: text('fingerprint').notNull(),
  canonical: text('canonical').notNull(),
  /** The text as first registered (what GET /schemas/ids/{id} returns). */
  schemaText: text('schema_text').notNull(),
  references: jsonb('references').notNull().default(sql`'[]'::jsonb`),
  createdAt: createdAt(),
}, (t) => [index('schemas_fingerprint_idx').on(t.fingerprint)]);

/** A subject exists from its first version; soft delete of a subject marks all its versions. */
export const subjects = pgTable('subjects', {
  name: text('name').primaryKey(),
  format: text('format').notNull(),
  createdAt: createdAt(),
});

export const subjectVersions = pgTable('subject_versions', {
  subject: text('subject').notNull().references(() => subjects.name, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  schemaId: integer('schema_id').notNull().references(() => schemas.id),
  deleted: boolean('deleted').notNull().default(false),
  /** Confluent's `metadata` and `ruleSet`, accepted and kept verbatim. */
  metadata: jsonb('metadata'),
  ruleSet: jsonb('rule_set'),
  createdAt: createdAt(),
}, (t) => [
  primaryKey({ columns: [t.subject, t.version] }),
  index('subject_versions_schema_idx').on(t.schemaId),
]);

/** Which (subject, version) each registered version refers to: answers `referencedby`. */
export const schemaReferences = pgTable('schema_references', {
  subject: text('subject').notNull(),
  version: integer('version').notNull(),
  name: text('name').notNull(),
  refSubject: text('ref_subject').notNull(),
  refVersion: integer('ref_version').notNull(),
}, (t) => [
  primaryKey({ columns: [t.subject, t.version, t.name] }),
  index('schema_references_target_idx').on(t.refSubject, t.refVersion),
]);

/** Compatibility level and mode, globally (scope '') or per subject (scope = subject name). */
export const registryConfig = pgTable('registry_config', {
  scope: text('scope').primaryKey(),
  compatibility: text('compatibility'),
  mode: text('mode'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const dags = pgTable('dags', {
  dagId: text('dag_id').primaryKey(),
  createdAt: createdAt(),
});

/** A DAG version and its contract, immutable once registered. */
export const dagVersions = pgTable('dag_versions', {
  id: serial('id').primaryKey(),
  dagId: text('dag_id').notNull().references(() => dags.dagId),
  version: text('version').notNull(),
  airflowVersionNumber: integer('airflow_version_number'),
  /** The normalized contract (subjects and versions resolved); its hash decides 409 on re-register. */
  contract: jsonb('contract').notNull(),
  contractHash: text('contract_hash').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('dag_versions_dag_version_idx').on(t.dagId, t.version)]);

/** One row per topic a DAG version consumes or produces. */
export const contractBindings = pgTable('contract_bindings', {
  id: serial('id').primaryKey(),
  dagVersionId: integer('dag_version_id').notNull().references(() => dagVersions.id, { onDelete: 'cascade' }),
  direction: text('direction').notNull(),
  topic: text('topic').notNull(),
  subject: text('subject').notNull(),
  subjectVersion: integer('subject_version').notNull(),
  schemaId: integer('schema_id').notNull().references(() => schemas.id),
  onMismatch: text('on_mismatch').notNull().default('quarantine'),
  triggerTopic: text('trigger_topic'),
  /** Consumed topics: where accepted messages go ('topic' or 'airflow'); null = the gatekeeper's setting. */
  forwardTo: text('forward_to'),
}, (t) => [index('contract_bindings_topic_idx').on(t.topic, t.direction)]);

/**
 * Declared environments (dev, staging, prod, ...): checks and deployments name one of these, so a typo
 * is refused instead of silently creating a new environment. See docs/adr/0015.
 */
export const environments = pgTable('environments', {
  name: text('name').primaryKey(),
  description: text('description'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
});

/** Deployment history: the latest row per (environment, dag) is what is active there. */
export const deployments = pgTable('deployments', {
  id: serial('id').primaryKey(),
  environment: text('environment').notNull(),
  dagId: text('dag_id').notNull().references(() => dags.dagId),
  /** Null records an undeploy. */
  dagVersionId: integer('dag_version_id').references(() => dagVersions.id),
  checkId: integer('check_id'),
  forced: boolean('forced').notNull().default(false),
  reason: text('reason'),
  deployedBy: text('deployed_by').notNull(),
  createdAt: createdAt(),
}, (t) => [index('deployments_env_dag_idx').on(t.environment, t.dagId, t.id)]);

/** Recorded pre-deploy verdicts. */
export const checks = pgTable('checks', {
  id: serial('id').primaryKey(),
  environment: text('environment').notNull(),
  dagId: text('dag_id').notNull(),
  version: text('version').notNull(),
  manifest: jsonb('manifest').notNull(),
  passed: boolean('passed').notNull(),
  findings: jsonb('findings').notNull(),
  /** The other DAG versions this one was checked together with ([{dag_id, version}]; ADR 0021). */
  together: jsonb('together').notNull().default([]),
  requestedBy: text('requested_by').notNull(),
  createdAt: createdAt(),
}, (t) => [index('checks_dag_idx').on(t.dagId, t.version, t.environment, t.id)]);

/** Messages the gatekeeper held back (quarantine) or rejected (dead letter). */
export const quarantineRecords = pgTable('quarantine_records', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  sourceTopic: text('source_topic').notNull(),
  messageId: text('message_id').notNull(),
  dagId: text('dag_id').notNull(),
  dagVersion: text('dag_version'),
  environment: text('environment').notNull(),
  disposition: text('disposition').notNull(),
  reasonCode: text('reason_code').notNull(),
  reason: text('reason').notNull(),
  /** The message's bytes; AES-256-GCM sealed (nonce ‖ tag ‖ ciphertext) when payload_key_id is set. */
  payload: bytea('payload').notNull(),
  /** Id of the key that sealed payload (and message_key/properties in `sealed`); null = stored in clear. */
  payloadKeyId: text('payload_key_id'),
  /** Empty ({}) when `sealed` is set. */
  properties: jsonb('properties').notNull().default(sql`'{}'::jsonb`),
  /** Null when `sealed` is set. */
  messageKey: text('message_key'),
  /**
   * The message's properties and key, `{"properties": {...}, "key": string | null}` as JSON, sealed like
   * payload with payload_key_id's key; null = they are in the columns above, in clear (rows written
   * without a key, or before properties were sealed).
   */
  sealed: bytea('sealed'),
  publishTime: timestamp('publish_time', { withTimezone: true }),
  eventTime: timestamp('event_time', { withTimezone: true }),
  pulsarSchemaVersion: text('pulsar_schema_version'),
  expectedSchemaId: integer('expected_schema_id'),
  detectedSchemaId: integer('detected_schema_id'),
  status: text('status').notNull().default('held'),
  history: jsonb('history').notNull().default(sql`'[]'::jsonb`),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // One row per (environment, source message, DAG): gatekeepers of two environments may share a database
  // and a topic, and each holds its own copy.
  uniqueIndex('quarantine_source_dag_env_idx').on(t.environment, t.sourceTopic, t.messageId, t.dagId),
  index('quarantine_status_idx').on(t.status, t.id),
]);

/** Every mutation, with the identity that made it. */
export const auditEvents = pgTable('audit_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** The principal's unique id (token:<id>, oidc:<iss>#<sub>, bootstrap-admin, anonymous). */
  actor: text('actor').notNull(),
  actorName: text('actor_name'),
  action: text('action').notNull(),
  targetType: text('target_type').notNull(),
  targetId: text('target_id').notNull(),
  details: jsonb('details'),
  createdAt: createdAt(),
}, (t) => [
  index('audit_target_idx').on(t.targetType, t.targetId),
  index('audit_actor_idx').on(t.actor, t.id),
  index('audit_action_idx').on(t.action, t.id),
]);

/**
 * Writer schemas met on the broker: Pulsar's (topic, schema version) → the schema's definition and, for
 * formats the registry holds (Avro), its content-addressed registry id. A broker version is immutable.
 */
export const brokerSchemas = pgTable('broker_schemas', {
  /** The topic as the broker names its schema: fully qualified, without a partition suffix. */
  topic: text('topic').notNull(),
  /** Pulsar's schema version as text (a long on Pulsar's own registry). */
  version: text('version').notNull(),
  /** Pulsar's schema type: AVRO, JSON, PROTOBUF, STRING, ... */
  pulsarType: text('pulsar_type').notNull(),
  definition: text('definition').notNull(),
  schemaId: integer('schema_id').references(() => schemas.id),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.topic, t.version] })]);
