// The gatekeeper's decision, a pure function of (message, routes for its topic, resolved schemas,
// what Airflow runs). For each DAG bound to the topic: identify the writer schema from where it was
// written, check the reader (the contract's schema) can read it, read the payload with the writer
// schema resolved into the reader's, check the DAG version Airflow runs when the DAG is forwarded
// there, and say ACCEPT, QUARANTINE or REJECT with a reason code (docs/adr/0011, 0012).
// All I/O (broker schema lookups, registry reads, Airflow, sinks) happens around it, in
// src/gatekeeper/resolve.ts.
import { DagpactError } from '../errors.js';
import type { CompatibilityIssue, FormatLookup, ParsedSchema } from '../formats/types.js';
import { readConfluentFrame } from '../confluent-frame.js';
import { propertySchemaId, SCHEMA_ID_PROPERTY } from './identify.js';
import { forwardsToAirflow, type ForwardTarget, type MismatchPolicy, type Route } from './routes.js';


export type Outcome = 'ACCEPT' | 'QUARANTINE' | 'REJECT';

export type ReasonCode =
  | 'SCHEMA_MISMATCH'
  | 'UNKNOWN_SCHEMA'
  | 'PAYLOAD_INVALID'
  | 'NO_ACTIVE_VERSION'
  /** The DAG is forwarded to Airflow, and the DAG version Airflow runs is not the one the active contract names. */
  | 'DAG_VERSION_MISMATCH'
  /** The broker delivered an entry the client could not unpack (a chunk, a corrupt compressed payload): held raw. */
  | 'UNDECODABLE_MESSAGE'
  /** Set outside decide(): a message that kept failing (poison) and was held after N redeliveries. */
  | 'PROCESSING_FAILED';

/** How the writer schema was identified. */
export type WriterVia = 'pulsar' | 'confluent' | 'property' | 'none';

/** The DAG id recorded when no active DAG version consumes the topic. */
export const NO_DAG = '-';

/**
 * The writer Pulsar names for a message (its per-message schema version), resolved by the caller from
 * the broker's schema for that topic and version.
 */
export type PulsarWriter =
  /** A schema of a format the registry holds (Avro), parsed, with its registry id (recorded on first sight). */
  | { version: string; pulsarType: string; schemaId: number; schema: ParsedSchema }
  /** A Pulsar schema type outside the registry's formats: JSON (an Avro-style record), STRING, PROTOBUF, ... */
  | { version: string; pulsarType: string; definition: string }
  /** No schema could be had for the version: why (the broker has none, its definition does not parse). */
  | { version: string; unresolved: string };

/** What Airflow runs for a DAG (null: Airflow has no such DAG). */
export interface AirflowDagState {
  /** The version_number of Airflow's latest version of the DAG: the one a new run uses. */
  versionNumber?: number;
  /** The contract hash the DAG file declares (tag `dagpact-contract:<hash>`), when it declares one. */
  contractHash?: string;
}

export interface Decision {
  outcome: Outcome;
  dagId: string;
  /** The binding the decision was made for; absent for NO_ACTIVE_VERSION. */
  route?: Route;
  reasonCode?: ReasonCode;
  /** For a person: what was wrong and what to do. */
  reason?: string;
  /** Compatibility issues behind a SCHEMA_MISMATCH, or payload problems behind PAYLOAD_INVALID. */
  issues?: Array<{ path: string; message: string; rule?: string }>;
  writer: { via: WriterVia; schemaId?: number; pulsarVersion?: string; pulsarType?: string };
  /**
   * ACCEPT only, for a DAG forwarded to Airflow (and JSON): the payload as the DAG reads it — Avro decoded
   * with the writer schema and resolved into the contract's reader schema (defaults filled in), JSON
   * parsed — as plain JSON values (longs beyond 2^53 as strings, bytes as base64). Airflow's conf carries it.
   */
  value?: unknown;
  /** ACCEPT only: the bytes a trigger topic gets — the value encoded in the reader schema (no Confluent prefix). */
  forwardPayload?: Uint8Array;
}

/** Verdicts of "can reader read writer", keyed by `readerId<writerId`; a Map satisfies it. */
export interface VerdictCache {
  get(key: string): CompatibilityIssue[] | undefined;
  set(key: string, issues: CompatibilityIssue[]): unknown;
}

export interface DecisionInput {
  message: { topic: string; payload: Uint8Array; properties: Record<string, string>; undecodable?: string };
  /** The routes of the message's topic in the environment (one per DAG). */
  routes: readonly Route[];
  /** Pulsar's schema version resolved from the broker; undefined when the message had none. */
  pulsarWriter?: PulsarWriter;
  /** Every schema id the message claims and every reader id of `routes`: parsed, or null when unknown. */
  schemas: ReadonlyMap<number, ParsedSchema | null>;
  formats: FormatLookup;
  verdicts: VerdictCache;
  /** What to do with a message on a topic no active DAG version consumes. */
  noRoutePolicy: MismatchPolicy;
  /** Where accepted messages go, and what Airflow runs for each DAG forwarded there (resolved by the caller). */
  airflow?: { target: ForwardTarget; dags: ReadonlyMap<string, AirflowDagState | null> };
}

interface Identified {
  via: WriterVia;
  schemaId?: number;
  writer?: ParsedSchema;
  /** A Pulsar schema of a type outside the registry's formats. */
  foreign?: { pulsarType: string; version: string };
  /** The bytes the writer schema describes (after a Confluent prefix). */
  body: Uint8Array;
  /** A claim that named a schema the registry does not know. */
  unknown?: { via: WriterVia; schemaId: number };
  /** A Pulsar schema version no schema could be had for, and why. */
  unresolvedPulsar?: { version: string; why: string };
  pulsarVersion?: string;
}

function identify(input: DecisionInput): Identified {
  const { message, pulsarWriter: pw, schemas } = input;
  const known = (id: number) => schemas.get(id) ?? undefined;
  if (pw && 'schema' in pw) return { via: 'pulsar', schemaId: pw.schemaId, writer: pw.schema, body: message.payload, pulsarVersion: pw.version };
  if (pw && 'definition' in pw) return { via: 'pulsar', foreign: { pulsarType: pw.pulsarType, version: pw.version }, body: message.payload, pulsarVersion: pw.version };
  const unresolvedPulsar = pw && 'unresolved' in pw ? { version: pw.version, why: pw.unresolved } : undefined;
  let unknown: Identified['unknown'];
  const frame = readConfluentFrame(message.payload);
  if (frame !== undefined) {
    const writer = known(frame.schemaId);
    if (writer) return { via: 'confluent', schemaId: frame.schemaId, writer, body: frame.body };
    // Not necessarily a prefix: a schema-less payload may start with a zero byte.
    unknown = { via: 'confluent', schemaId: frame.schemaId };
  }
  const property = propertySchemaId(message.properties);
  if (property !== undefined) {
    const writer = Number.isFinite(property) ? known(property) : undefined;
    if (writer) return { via: 'property', schemaId: property, writer, body: message.payload };
    return { via: 'property', body: message.payload, unknown: { via: 'property', schemaId: property }, ...(unresolvedPulsar ? { unresolvedPulsar } : {}) };
  }
  return { via: 'none', body: message.payload, ...(unknown ? { unknown } : {}), ...(unresolvedPulsar ? { unresolvedPulsar } : {}) };
}

function compatibility(input: DecisionInput, readerId: number, reader: ParsedSchema, writerId: number, writer: ParsedSchema): CompatibilityIssue[] {
  // Same canonical form: the same bytes on the wire, so the reader reads the writer whatever the defaults.
  if (reader.fingerprint === writer.fingerprint && reader.format === writer.format) return [];
  // Keyed by registry ids, not fingerprints: Avro's Parsing Canonical Form drops `default` and aliases,
  // so two readers with one fingerprint can disagree. Ids are content-addressed over the full text.
  const key = `${readerId}<${writerId}`;
  const cached = input.verdicts.get(key);
  if (cached) return cached;
  let issues: CompatibilityIssue[];
  try {
    issues = reader.format !== writer.format
      ? [{ path: '$', rule: 'FORMAT_MISMATCH', message: `the writer schema is ${writer.format} but the contract reads ${reader.format}` }]
      : input.formats.get(reader.format).backwardIssues(reader, writer);
  } catch (error) {
    // A pair too complex to compare within the work budget is a verdict about the schemas, not a failure.
    if (!(error instanceof DagpactError) || error.code !== 'SCHEMA_TOO_COMPLEX') throw error;
    issues = [{ path: '$', rule: 'SCHEMA_TOO_COMPLEX', message: error.message }];
  }
  input.verdicts.set(key, issues);
  return issues;
}

const problemsText = (problems: ReadonlyArray<{ path: string; message: string }>) => problems.map((p) => `${p.path}: ${p.message}`).join('; ');

/** Why the DAG version Airflow runs is not the one the contract names, or undefined when it is (or cannot be told). */
function airflowMismatch(input: DecisionInput, route: Route): string | undefined {
  const airflow = input.airflow;
  if (!airflow || !forwardsToAirflow(route, airflow.target)) return undefined;
  const state = airflow.dags.get(route.dagId);
  if (state === undefined) return undefined;
  const contract = `the active contract is ${route.dagId}@${route.dagVersion}`;
  if (state === null) return `Airflow has no DAG "${route.dagId}", and ${contract}. Deploy the DAG to Airflow, then replay`;
  if (state.contractHash !== undefined && route.contractHash !== undefined && state.contractHash !== route.contractHash) {
    return `the DAG Airflow runs declares contract ${state.contractHash.slice(0, 12)}, but ${contract} (contract ${route.contractHash.slice(0, 12)}). ` +
      'Deploy the DAG version whose contract Airflow runs (dagpact deploy), or deploy the matching DAG file to Airflow, then replay';
  }
  const wanted = route.airflowVersionNumber;
  if (wanted !== null && wanted !== undefined && state.versionNumber !== undefined && state.versionNumber !== wanted) {
    return `Airflow runs version ${state.versionNumber} of DAG "${route.dagId}", but ${contract}, which names Airflow version ${wanted} (airflow_version_number). ` +
      'Deploy the DAG version whose contract matches what Airflow runs (dagpact deploy), or let Airflow run the named version, then replay';
  }
  return undefined;
}

/** How a refusal names a route's contract (built only when there is a refusal to explain). */
function contractText(route: Route): () => string {
  return () => `${route.dagId}@${route.dagVersion} reads ${route.subject} v${route.subjectVersion} (schema ${route.schemaId})`;
}

function decideForRoute(input: DecisionInput, route: Route, id: Identified): Decision {
  const reader = input.schemas.get(route.schemaId);
  if (!reader) throw new Error(`decide(): reader schema ${route.schemaId} of ${route.dagId}@${route.dagVersion} was not resolved by the caller`);
  // Every message of every route comes here: the writer reference is built by stores (an object spread
  // of optional parts is V8's slow path), and the texts of a refusal only when there is one.
  const writerRef: Decision['writer'] = { via: id.via };
  if (id.schemaId !== undefined) writerRef.schemaId = id.schemaId;
  if (id.pulsarVersion !== undefined) writerRef.pulsarVersion = id.pulsarVersion;
  if (id.foreign) writerRef.pulsarType = id.foreign.pulsarType;
  const contract = contractText(route);
  const fail = (reasonCode: ReasonCode, reason: string, issues?: Decision['issues']): Decision => ({
    outcome: route.onMismatch === 'reject' ? 'REJECT' : 'QUARANTINE',
    dagId: route.dagId, route, reasonCode, reason, writer: writerRef, ...(issues ? { issues } : {}),
  });
  const accept = (value: unknown, forwardPayload: Uint8Array): Decision => {
    const mismatch = airflowMismatch(input, route);
    if (mismatch) return fail('DAG_VERSION_MISMATCH', mismatch);
    return { outcome: 'ACCEPT', dagId: route.dagId, route, writer: writerRef, value, forwardPayload };
  };
  const provider = input.formats.get(reader.format);

  if (id.writer) {
    const issues = compatibility(input, route.schemaId, reader, id.schemaId!, id.writer);
    const named = () => `the writer schema ${id.schemaId} (identified by ${id.via}${id.pulsarVersion !== undefined ? `, Pulsar schema version ${id.pulsarVersion}` : ''})`;
    if (issues.length > 0) {
      const first = issues[0]!;
      return fail('SCHEMA_MISMATCH',
        `${contract()}, which cannot read ${named()}: ${first.message} at ${first.path}` +
        (issues.length > 1 ? ` (and ${issues.length - 1} more)` : '') +
        '. Deploy a DAG version whose contract reads this schema, or fix the producer, then replay.', issues);
    }
    // The value is what an Airflow run's conf carries; a trigger topic needs only the bytes.
    const needValue = input.airflow !== undefined && forwardsToAirflow(route, input.airflow.target);
    const read = provider.readAs(id.body, id.writer, reader, { value: needValue });
    if (!read.ok) return fail('PAYLOAD_INVALID', `the payload does not match ${named()}: ${problemsText(read.problems)}`, read.problems);
    return accept(read.value, read.bytes);
  }

  if (reader.format === 'JSON' && id.unknown?.via !== 'property') {
    // JSON describes itself: whatever the producer declared (a Pulsar JSON type's Avro-style record,
    // STRING, nothing), the payload is judged by the contract's JSON Schema.
    const check = provider.checkPayload(id.body, reader);
    if (check.ok) return accept(check.value, id.body);
    if (id.unknown) {
      return fail('UNKNOWN_SCHEMA', `its Confluent wire-format prefix names schema ${id.unknown.schemaId}, which the registry does not know, and the payload is not valid for ${contract()}. ` +
        'Register the writer schema, or produce with a registered one, then replay.', check.problems);
    }
    const how = id.foreign ? `its Pulsar schema (version ${id.foreign.version}) is ${id.foreign.pulsarType}`
      : id.unresolvedPulsar ? `its Pulsar schema version ${id.unresolvedPulsar.version} could not be resolved (${id.unresolvedPulsar.why})`
        : 'it carries no schema identification';
    return fail('PAYLOAD_INVALID', `${how} and the payload is not valid for ${contract()}: ${problemsText(check.problems)}`, check.problems);
  }

  if (id.foreign) {
    const issue = { path: '$', rule: 'FORMAT_MISMATCH', message: `the producer's Pulsar schema (version ${id.foreign.version}) is ${id.foreign.pulsarType}, but the contract reads ${reader.format}` };
    return fail('SCHEMA_MISMATCH', `${contract()}, which cannot read the writer: ${issue.message}. Produce with a Pulsar ${reader.format} schema the contract can read, then replay.`, [issue]);
  }
  // An Avro payload whose writer is not known is never tried with the reader schema: its bytes can
  // decode and mean something else (a renamed or reordered field of the same type).
  const how = id.unknown?.via === 'property'
    ? `its ${SCHEMA_ID_PROPERTY} property names schema ${Number.isFinite(id.unknown.schemaId) ? id.unknown.schemaId : '(not a number)'}, which the registry does not know`
    : id.unknown ? `its Confluent wire-format prefix names schema ${id.unknown.schemaId}, which the registry does not know`
      : id.unresolvedPulsar ? `its Pulsar schema version ${id.unresolvedPulsar.version} could not be resolved: ${id.unresolvedPulsar.why}`
        : 'it carries no schema identification (no Pulsar schema version, no Confluent wire-format prefix, no dagpact-schema-id property)';
  return fail('UNKNOWN_SCHEMA', `the writer schema of this message is unknown: ${how}, so it cannot be read as ${contract()}. ` +
    'Produce with a Pulsar Avro schema (the broker registers it and stamps each message with its version), or with the Confluent ' +
    `wire format or the ${SCHEMA_ID_PROPERTY} property naming a schema registered in dagpact; then replay.`);
}

/** One decision per DAG bound to the message's topic (or one NO_ACTIVE_VERSION decision when none is). */
export function decide(input: DecisionInput): Decision[] {
  const why = input.message.undecodable;
  if (why !== undefined) {
    // Nothing can be said about a payload that could not be unpacked: every DAG holds it, raw.
    const reason = `the entry could not be unpacked (${why}); its raw bytes are kept. Fix the producer and publish the message again`;
    const hold = (policy: MismatchPolicy, dagId: string, route?: Route): Decision => ({
      outcome: policy === 'reject' ? 'REJECT' : 'QUARANTINE', dagId, ...(route ? { route } : {}),
      reasonCode: 'UNDECODABLE_MESSAGE', reason, writer: { via: 'none' },
    });
    return input.routes.length === 0 ? [hold(input.noRoutePolicy, NO_DAG)] : input.routes.map((r) => hold(r.onMismatch, r.dagId, r));
  }
  const id = identify(input);
  if (input.routes.length === 0) {
    return [{
      outcome: input.noRoutePolicy === 'reject' ? 'REJECT' : 'QUARANTINE',
      dagId: NO_DAG,
      reasonCode: 'NO_ACTIVE_VERSION',
      reason: `no DAG version active in this environment consumes ${input.message.topic}; deploy one, then replay`,
      writer: { via: id.via, ...(id.schemaId !== undefined ? { schemaId: id.schemaId } : {}), ...(id.pulsarVersion !== undefined ? { pulsarVersion: id.pulsarVersion } : {}) },
    }];
  }
  return input.routes.map((route) => decideForRoute(input, route, id));
}

/** The reader ids of `routes` plus the ids a message claims: what the caller must resolve first. */
export function schemaIdsNeeded(routes: readonly Route[], claimed: readonly number[]): number[] {
  // Asked for every message, of a handful of ids: a loop, in first-seen order, without a Set or copies.
  const ids: number[] = [];
  for (const route of routes) if (!ids.includes(route.schemaId)) ids.push(route.schemaId);
  for (const id of claimed) if (!ids.includes(id)) ids.push(id);
  return ids;
}
