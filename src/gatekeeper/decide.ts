// The gatekeeper's decision, a pure function of (message, routes for its topic, resolved schemas).
// For each DAG bound to the topic: identify the writer schema, check the reader (the contract's
// schema) can read it, check the payload, and say ACCEPT, QUARANTINE or REJECT with a reason code.
// All I/O (broker schema lookups, registry reads, sinks) happens around it, in process-message.ts.
import type { CompatibilityIssue, FormatProvider, ParsedSchema, SchemaFormat } from '../core/formats/types.js';
import { CONFLUENT_HEADER_BYTES, confluentSchemaId, propertySchemaId, SCHEMA_ID_PROPERTY } from './identify.js';
import type { MismatchPolicy, Route } from './types.js';

/** One provider per format (what makeFormats() returns satisfies it). */
export interface FormatLookup {
  get(format: SchemaFormat): FormatProvider;
}

export type Outcome = 'ACCEPT' | 'QUARANTINE' | 'REJECT';

export type ReasonCode =
  | 'SCHEMA_MISMATCH'
  | 'UNKNOWN_SCHEMA'
  | 'PAYLOAD_INVALID'
  | 'NO_ACTIVE_VERSION'
  /** The broker delivered an entry the client could not unpack (a chunk, a corrupt compressed payload): held raw. */
  | 'UNDECODABLE_MESSAGE'
  /** Set outside decide(): a message that kept failing (poison) and was held after N redeliveries. */
  | 'PROCESSING_FAILED';

/** How the writer schema was identified. */
export type WriterVia = 'pulsar' | 'confluent' | 'property' | 'none';

/** The DAG id recorded when no active DAG version consumes the topic. */
export const NO_DAG = '-';

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
  writer: { via: WriterVia; schemaId?: number };
  /**
   * ACCEPT only: the payload as the DAG reads it — Avro decoded with the writer schema and resolved
   * into the contract's reader schema (defaults filled in), JSON parsed — as plain JSON values
   * (longs beyond 2^53 as strings, bytes as base64). What a sink that needs a value (Airflow's conf) sends.
   */
  value?: unknown;
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
  /**
   * Pulsar's schema version, resolved by the caller: `{ schemaId }` when the broker's schema matched
   * a registry schema by fingerprint, `{ unmatched }` when the message had a version the registry
   * does not know (identification then falls through), undefined when it had none.
   */
  pulsarWriter?: { schemaId: number } | { unmatched: string };
  /** Every schema id the message claims and every reader id of `routes`: parsed, or null when unknown. */
  schemas: ReadonlyMap<number, ParsedSchema | null>;
  formats: FormatLookup;
  verdicts: VerdictCache;
  /** What to do with a message on a topic no active DAG version consumes. */
  noRoutePolicy: MismatchPolicy;
}

interface Identified {
  via: WriterVia;
  schemaId?: number;
  writer?: ParsedSchema;
  /** The bytes the writer schema describes (after a Confluent prefix). */
  body: Uint8Array;
  /** A claim that named a schema the registry does not know. */
  unknown?: { via: WriterVia; schemaId: number };
  unmatchedPulsar?: string;
}

function identify(input: DecisionInput): Identified {
  const { message, pulsarWriter, schemas } = input;
  const known = (id: number) => schemas.get(id) ?? undefined;
  const unmatchedPulsar = pulsarWriter && 'unmatched' in pulsarWriter ? pulsarWriter.unmatched : undefined;
  if (pulsarWriter && 'schemaId' in pulsarWriter) {
    const writer = known(pulsarWriter.schemaId);
    if (writer) return { via: 'pulsar', schemaId: pulsarWriter.schemaId, writer, body: message.payload };
  }
  let unknown: Identified['unknown'];
  const prefixed = confluentSchemaId(message.payload);
  if (prefixed !== undefined) {
    const writer = known(prefixed);
    if (writer) return { via: 'confluent', schemaId: prefixed, writer, body: message.payload.subarray(CONFLUENT_HEADER_BYTES) };
    // Not necessarily a prefix: a schema-less Avro payload may start with a zero byte.
    unknown = { via: 'confluent', schemaId: prefixed };
  }
  const property = propertySchemaId(message.properties);
  if (property !== undefined) {
    const writer = Number.isFinite(property) ? known(property) : undefined;
    if (writer) return { via: 'property', schemaId: property, writer, body: message.payload };
    return { via: 'property', body: message.payload, unknown: { via: 'property', schemaId: property }, unmatchedPulsar };
  }
  return { via: 'none', body: message.payload, unknown, unmatchedPulsar };
}

function compatibility(input: DecisionInput, readerId: number, reader: ParsedSchema, writerId: number, writer: ParsedSchema): CompatibilityIssue[] {
  // Same canonical form: the same bytes on the wire, so the reader reads the writer whatever the defaults.
  if (reader.fingerprint === writer.fingerprint && reader.format === writer.format) return [];
  // Keyed by registry ids, not fingerprints: Avro's Parsing Canonical Form drops `default`, so two readers
  // with one fingerprint can disagree (a field with a default reads an old writer; one without cannot).
  // Ids are immutable and stand for the full schema text.
  const key = `${readerId}<${writerId}`;
  const cached = input.verdicts.get(key);
  if (cached) return cached;
  const issues: CompatibilityIssue[] = reader.format !== writer.format
    ? [{ path: '$', rule: 'FORMAT_MISMATCH', message: `the writer schema is ${writer.format} but the contract reads ${reader.format}` }]
    : input.formats.get(reader.format).backwardIssues(reader, writer);
  input.verdicts.set(key, issues);
  return issues;
}

function decideForRoute(input: DecisionInput, route: Route, id: Identified): Decision {
  const reader = input.schemas.get(route.schemaId);
  if (!reader) throw new Error(`decide(): reader schema ${route.schemaId} of ${route.dagId}@${route.dagVersion} was not resolved by the caller`);
  const writerRef = { via: id.via, ...(id.schemaId !== undefined ? { schemaId: id.schemaId } : {}) };
  const contract = `${route.dagId}@${route.dagVersion} reads ${route.subject} v${route.subjectVersion} (schema ${route.schemaId})`;
  const fail = (reasonCode: ReasonCode, reason: string, issues?: Decision['issues']): Decision => ({
    outcome: route.onMismatch === 'reject' ? 'REJECT' : 'QUARANTINE',
    dagId: route.dagId, route, reasonCode, reason, writer: writerRef, ...(issues ? { issues } : {}),
  });
  const provider = input.formats.get(reader.format);

  if (id.writer) {
    const issues = compatibility(input, route.schemaId, reader, id.schemaId!, id.writer);
    if (issues.length > 0) {
      const first = issues[0]!;
      return fail('SCHEMA_MISMATCH',
        `${contract}, which cannot read the writer schema ${id.schemaId} (identified by ${id.via}): ${first.message} at ${first.path}` +
        (issues.length > 1 ? ` (and ${issues.length - 1} more)` : '') +
        '. Deploy a DAG version whose contract reads this schema, or fix the producer, then replay.', issues);
    }
    const check = input.formats.get(id.writer.format).checkPayload(id.body, id.writer, reader);
    if (!check.ok) {
      return fail('PAYLOAD_INVALID', `the payload does not match its writer schema ${id.schemaId}: ` +
        check.problems.map((p) => `${p.path}: ${p.message}`).join('; '), check.problems);
    }
    return { outcome: 'ACCEPT', dagId: route.dagId, route, writer: writerRef, value: check.value };
  }

  // An explicit property naming a schema the registry does not know is wrong whatever the payload.
  // A Confluent-looking prefix may be a schema-less Avro payload's first bytes: the payload decides.
  const check = id.unknown?.via === 'property' ? undefined : provider.checkPayload(id.body, reader);
  if (check?.ok) return { outcome: 'ACCEPT', dagId: route.dagId, route, writer: writerRef, value: check.value };
  if (id.unknown) {
    const claim = id.unknown.via === 'property'
      ? `its ${SCHEMA_ID_PROPERTY} property names schema ${Number.isFinite(id.unknown.schemaId) ? id.unknown.schemaId : '(not a number)'}`
      : `its Confluent wire-format prefix names schema ${id.unknown.schemaId}`;
    return fail('UNKNOWN_SCHEMA', `${claim}, which the registry does not know${check ? `, and the payload is not valid for ${contract}` : ` (${contract})`}. ` +
      'Register the writer schema, or produce with a registered one, then replay.', check?.problems);
  }
  const how = id.unmatchedPulsar
    ? `its Pulsar schema version ${id.unmatchedPulsar} matches no registry schema`
    : 'it carries no schema identification';
  return fail('PAYLOAD_INVALID', `${how} and the payload is not valid for ${contract}: ` +
    (check?.problems ?? []).map((p) => `${p.path}: ${p.message}`).join('; '), (check?.problems ?? []));
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
      writer: { via: id.via, ...(id.schemaId !== undefined ? { schemaId: id.schemaId } : {}) },
    }];
  }
  return input.routes.map((route) => decideForRoute(input, route, id));
}

/** The reader ids of `routes` plus the ids a message claims: what the caller must resolve first. */
export function schemaIdsNeeded(routes: readonly Route[], claimed: readonly number[], pulsarWriterId?: number): number[] {
  const ids = new Set<number>([...routes.map((r) => r.schemaId), ...claimed]);
  if (pulsarWriterId !== undefined) ids.add(pulsarWriterId);
  return [...ids];
}
