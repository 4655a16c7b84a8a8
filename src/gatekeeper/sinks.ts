// Where decisions go. ACCEPT → the DAG's trigger topic, or a DAG run through Airflow's REST API for
// the DAGs configured to go there (airflow-sink.ts); QUARANTINE → a DB record, then a JSON envelope
// on the quarantine topic; REJECT → a DB record, then the original message on the dead-letter topic.
// Every function resolves only once its effects are durable (send receipt, committed row, Airflow's
// 2xx or 409 for a run that exists already).
import { DagpactError } from '../core/errors.js';
import type { QuarantineStore } from '../core/quarantine/types.js';
import { redactProperties, type RedactionPolicy } from '../core/quarantine/redact.js';
import type { RedactedPreview } from '../core/quarantine/decode.js';
import { forwardsToAirflow, triggerForDecision, type DagTrigger, type ForwardTarget } from './airflow-sink.js';
import { NO_DAG, type Decision } from '../core/gatekeeper/decide.js';
import type { FormatLookup, ParsedSchema } from '../core/formats/types.js';
import type { PulsarWriter } from './resolver.js';
import { schemaVersionText } from '../core/gatekeeper/identify.js';
import type { OutgoingMessage, Publisher, Route, SourceMessage, TriggerSchema } from './types.js';

export const PROP = {
  dagId: 'dagpact-dag-id',
  dagVersion: 'dagpact-dag-version',
  subject: 'dagpact-contract-subject',
  subjectVersion: 'dagpact-contract-version',
  sourceTopic: 'dagpact-source-topic',
  sourceMessageId: 'dagpact-source-message-id',
  writerSchemaId: 'dagpact-writer-schema-id',
  reasonCode: 'dagpact-reason-code',
  reason: 'dagpact-reason',
  recordId: 'dagpact-quarantine-record-id',
  payloadOmitted: 'dagpact-payload-omitted',
} as const;

/**
 * 2: `payload_size` added; `payload_base64` is null for payloads above ENVELOPE_PAYLOAD_MAX.
 * 3: sensitive property values redacted; `payload_base64` null and `payload_withheld` set when the
 *    writer or the contract marks fields sensitive (the bytes stay in the record: GET /v1/quarantine/{id}
 *    with payload:read for the environment).
 * 4: beside a withheld payload, `value_redacted` (decoded with the writer schema, sensitive fields
 *    "[redacted]"), `redacted_paths` and `value_schema_id`; or `value_unavailable` saying why not.
 *    Additive: a v3 reader that ignores unknown fields reads v4 unchanged.
 */
export const ENVELOPE_VERSION = 4;
/**
 * Payloads carried inline by the quarantine envelope (base64 adds a third) and by the dead-letter copy
 * (which adds properties). Above these the message would not fit the broker's 5 MB limit, the send would
 * fail on every delivery and the message would never settle; the record in the database holds the bytes.
 */
export const ENVELOPE_PAYLOAD_MAX = 1024 * 1024;
export const DEAD_LETTER_PAYLOAD_MAX = 4 * 1024 * 1024;

export interface SinkConfig extends Partial<ForwardTarget> {
  environment: string;
  /** Property names (fragments) and schema tags that are sensitive (defaults in core/quarantine/redact.ts). */
  redaction?: RedactionPolicy;
  triggerTopicPattern: string;
  quarantineTopic: string;
  deadLetterTopic: string;
}

export function triggerTopicFor(route: Pick<Route, 'dagId' | 'triggerTopic'>, pattern: string): string {
  return route.triggerTopic ?? pattern.replaceAll('{dag_id}', route.dagId);
}

/**
 * The properties a forward carries: who it triggers, under which contract, and where it came from.
 * Built with a loop and stores, not an object spread: V8 spreads a message's properties and then adds
 * seven keys at ~4 µs a forward, the loop at under 0.1 µs (bench/forward-properties.ts).
 */
export function forwardProperties(message: Pick<SourceMessage, 'topic' | 'messageId' | 'properties'>, route: Route, writerSchemaId?: number): Record<string, string> {
  const out: Record<string, string> = {};
  const own = message.properties;
  for (const key in own) out[key] = own[key]!;
  out[PROP.dagId] = route.dagId;
  out[PROP.dagVersion] = route.dagVersion;
  out[PROP.subject] = route.subject;
  out[PROP.subjectVersion] = String(route.subjectVersion);
  out[PROP.sourceTopic] = message.topic;
  out[PROP.sourceMessageId] = message.messageId;
  if (writerSchemaId !== undefined) out[PROP.writerSchemaId] = String(writerSchemaId);
  return out;
}

/**
 * The Pulsar schema a DAG's trigger topic carries: the contract's reader schema (Avro), so a DAG that
 * reads its trigger topic with Pulsar's AvroSchema of its contract gets exactly what it declared.
 * Undefined for JSON contracts (Pulsar's JSON type is not a JSON Schema): such topics stay schema-less.
 */
export type TriggerSchemaFor = (route: Route) => TriggerSchema | undefined | Promise<TriggerSchema | undefined>;

/**
 * Trigger-topic schemas from the resolver's parsed reader schemas (cached per registry id: immutable).
 * A cached answer comes without a promise: every forward asks.
 */
export function makeTriggerSchemas(deps: { schema(id: number): Promise<ParsedSchema | null>; formats: FormatLookup }): TriggerSchemaFor {
  const cache = new Map<number, TriggerSchema | undefined>();
  return (route) => (cache.has(route.schemaId) ? cache.get(route.schemaId) : load(route));
  async function load(route: Route): Promise<TriggerSchema | undefined> {
    const reader = await deps.schema(route.schemaId);
    let schema: TriggerSchema | undefined;
    if (reader?.format === 'AVRO') {
      const definition = deps.formats.get('AVRO').selfContained?.(reader);
      if (definition) schema = { type: 'AVRO', definition };
    }
    if (cache.size >= 10_000) cache.clear();
    cache.set(route.schemaId, schema);
    return schema;
  }
}

export function makeSinks(deps: {
  publisher: Publisher; store: QuarantineStore; config: SinkConfig; airflow?: DagTrigger;
  triggerSchema?: TriggerSchemaFor;
  /** Told when Airflow refused a trigger (4xx): what it runs may have changed. */
  onAirflowRefused?(dagId: string): void;
  /** Whether a registry schema marks fields sensitive (cached by the caller: ids are immutable). */
  schemaIsSensitive?(schemaId: number): Promise<boolean>;
  /**
   * The decoded, redacted value a withheld payload's envelope carries (core/quarantine/decode.ts
   * redactedPreview). Called only for held messages whose payload is withheld.
   */
  redactedPreview?(message: { payload: Uint8Array; writerSchemaId?: number; readerSchemaId?: number; contractPaths?: readonly string[] }): Promise<RedactedPreview>;
}) {
  const { publisher, store, config } = deps;
  const target: ForwardTarget = { forwardTo: config.forwardTo ?? 'topic', ...(config.airflowDags ? { airflowDags: config.airflowDags } : {}) };
  if (target.forwardTo === 'airflow' && !deps.airflow) throw new Error('makeSinks(): forwardTo airflow needs an Airflow client');

  /** Resolves with the forward's id: the trigger topic's message id, or the Airflow DAG run id. */
  async function forward(message: SourceMessage, decision: Decision): Promise<string> {
    const route = decision.route!;
    if (forwardsToAirflow(route, target)) {
      if (!deps.airflow) {
        // Permanent: every delivery would fail the same way, so it is held (PROCESSING_FAILED) after the poison limit.
        throw new DagpactError('UPSTREAM_REJECTED', `${route.dagId}@${route.dagVersion} forwards ${route.topic} to Airflow (forward_to: airflow in its manifest), `
          + 'but this gatekeeper has no AIRFLOW_URL');
      }
      try {
        const run = await triggerForDecision({ airflow: deps.airflow, environment: config.environment, ...(config.redaction ? { redaction: config.redaction } : {}) }, message, decision);
        return run.dagRunId;
      } catch (error) {
        if (error instanceof DagpactError && error.code === 'UPSTREAM_REJECTED') deps.onAirflowRefused?.(route.dagId);
        throw error;
      }
    }
    const topic = triggerTopicFor(route, config.triggerTopicPattern);
    const found = deps.triggerSchema?.(route);
    const schema = found instanceof Promise ? await found : found;
    const outgoing: OutgoingMessage = {
      payload: decision.forwardPayload ?? message.payload,
      properties: forwardProperties(message, route, decision.writer.schemaId),
      key: message.key,
      eventTime: message.eventTime,
    };
    if (schema) outgoing.schema = schema;
    const sent = await publisher.send(topic, outgoing);
    return sent.messageId;
  }

  /** Why the raw bytes stay out of the quarantine envelope, if they do. */
  async function withheld(decision: Decision, writerId: number | undefined): Promise<string | undefined> {
    const route = decision.route;
    if (route?.sensitiveFields?.length) return `the contract of ${route.dagId}@${route.dagVersion} marks fields of this topic sensitive`;
    if (!deps.schemaIsSensitive) return undefined;
    for (const id of [writerId, route?.schemaId]) {
      if (id !== undefined && await deps.schemaIsSensitive(id)) return `schema ${id} marks fields sensitive`;
    }
    return undefined;
  }

  /** The redacted value a withheld payload's envelope shows; never throws (the envelope must still go out). */
  async function previewOf(message: SourceMessage, decision: Decision, writerId: number | undefined): Promise<RedactedPreview> {
    if (!deps.redactedPreview) return { error: 'not decoded: this gatekeeper decodes no payloads for the envelope' };
    if (message.payload.length > ENVELOPE_PAYLOAD_MAX) return { error: `not decoded: ${message.payload.length} bytes is above the envelope's ${ENVELOPE_PAYLOAD_MAX}` };
    try {
      const preview = await deps.redactedPreview({
        payload: message.payload,
        ...(writerId !== undefined ? { writerSchemaId: writerId } : {}),
        ...(decision.route ? { readerSchemaId: decision.route.schemaId } : {}),
        ...(decision.route?.sensitiveFields?.length ? { contractPaths: decision.route.sensitiveFields } : {}),
      });
      if ('value' in preview && JSON.stringify(preview.value).length > 2 * ENVELOPE_PAYLOAD_MAX) {
        return { error: `not shown: the decoded value is above ${2 * ENVELOPE_PAYLOAD_MAX} characters` };
      }
      return preview;
    } catch (error) {
      return { error: `not decoded: ${(error as Error).message}` };
    }
  }

  async function hold(message: SourceMessage, decision: Decision, pulsarWriter: PulsarWriter | undefined): Promise<number> {
    const disposition = decision.outcome === 'REJECT' ? 'reject' as const : 'quarantine' as const;
    const detected = decision.writer.schemaId ?? (pulsarWriter && 'schemaId' in pulsarWriter ? pulsarWriter.schemaId : undefined);
    const { id } = await store.insert({
      record: {
        sourceTopic: message.topic,
        messageId: message.messageId,
        dagId: decision.dagId,
        dagVersion: decision.route?.dagVersion ?? null,
        environment: config.environment,
        disposition,
        reasonCode: decision.reasonCode ?? 'PROCESSING_FAILED',
        reason: decision.reason ?? '',
        payload: message.payload,
        properties: message.properties,
        messageKey: message.key ?? null,
        publishTime: message.publishTime ?? null,
        eventTime: message.eventTime ?? null,
        pulsarSchemaVersion: schemaVersionText(message.schemaVersion) ?? null,
        expectedSchemaId: decision.route?.schemaId ?? null,
        detectedSchemaId: detected ?? null,
        history: [{ at: new Date().toISOString(), action: 'quarantined', actor: 'gatekeeper', details: { disposition, reasonCode: decision.reasonCode, issues: decision.issues?.slice(0, 20) } }],
      },
    });
    if (disposition === 'reject') {
      const omit = message.payload.length > DEAD_LETTER_PAYLOAD_MAX;
      await publisher.send(config.deadLetterTopic, {
        payload: omit ? new Uint8Array(0) : message.payload,
        key: message.key,
        eventTime: message.eventTime,
        properties: {
          ...redactProperties(message.properties, config.redaction?.propertyNames).properties,
          [PROP.sourceTopic]: message.topic, [PROP.sourceMessageId]: message.messageId,
          [PROP.dagId]: decision.dagId, ...(decision.route ? { [PROP.dagVersion]: decision.route.dagVersion } : {}),
          [PROP.reasonCode]: decision.reasonCode ?? '', [PROP.reason]: (decision.reason ?? '').slice(0, 1000),
          [PROP.recordId]: String(id),
          ...(omit ? { [PROP.payloadOmitted]: `${message.payload.length} bytes, kept in quarantine record ${id} (GET /v1/quarantine/${id})` } : {}),
        },
      });
    } else {
      const why = await withheld(decision, detected);
      const preview = why ? await previewOf(message, decision, detected) : undefined;
      await publisher.send(config.quarantineTopic, {
        payload: Buffer.from(JSON.stringify(envelope(message, decision, id, config.environment, detected, {
          ...(config.redaction ? { redaction: config.redaction } : {}), ...(why ? { withheld: why } : {}), ...(preview ? { preview } : {}),
        }))),
        key: message.key,
        properties: { [PROP.sourceTopic]: message.topic, [PROP.sourceMessageId]: message.messageId, [PROP.dagId]: decision.dagId, [PROP.recordId]: String(id) },
      });
    }
    return id;
  }

  return { forward, hold };
}

export type Sinks = ReturnType<typeof makeSinks>;

/** The quarantine topic's message: see schemas/quarantine-envelope.schema.json. */
export function envelope(message: SourceMessage, decision: Decision, recordId: number, environment: string, detectedSchemaId?: number,
  options: { redaction?: RedactionPolicy; withheld?: string; preview?: RedactedPreview } = {}) {
  const route = decision.route;
  const inline = message.payload.length <= ENVELOPE_PAYLOAD_MAX && options.withheld === undefined;
  return {
    envelope_version: ENVELOPE_VERSION,
    record_id: recordId,
    environment,
    quarantined_at: new Date().toISOString(),
    source: {
      topic: message.topic,
      message_id: message.messageId,
      key: message.key ?? null,
      publish_time: message.publishTime?.toISOString() ?? null,
      event_time: message.eventTime?.toISOString() ?? null,
      properties: redactProperties(message.properties, options.redaction?.propertyNames).properties,
      pulsar_schema_version: schemaVersionText(message.schemaVersion) ?? null,
      redelivery_count: message.redeliveryCount,
    },
    dag: {
      dag_id: decision.dagId === NO_DAG ? null : decision.dagId,
      dag_version: route?.dagVersion ?? null,
      subject: route?.subject ?? null,
      subject_version: route?.subjectVersion ?? null,
    },
    expected_schema_id: route?.schemaId ?? null,
    detected_schema_id: detectedSchemaId ?? null,
    identified_by: decision.writer.via,
    reason_code: decision.reasonCode ?? 'PROCESSING_FAILED',
    reason: decision.reason ?? '',
    issues: (decision.issues ?? []).slice(0, 50).map((i) => ({ path: i.path, message: i.message, ...(i.rule ? { rule: i.rule } : {}) })),
    payload_size: message.payload.length,
    payload_base64: inline ? Buffer.from(message.payload).toString('base64') : null,
    ...(options.withheld ? { payload_withheld: options.withheld } : {}),
    ...(options.preview && 'value' in options.preview
      ? { value_redacted: options.preview.value, redacted_paths: options.preview.redacted, value_schema_id: options.preview.schemaId }
      : options.preview ? { value_unavailable: options.preview.error } : {}),
  };
}
