// /v1/quarantine: inspect messages the gatekeeper held or rejected; replay or discard them, one by
// one or by filter. Routes validate and call services.quarantine; decisions live in the core.
import type { FastifyInstance } from 'fastify';
import type { QuarantineView } from '../../core/quarantine/quarantine.js';
import type { QuarantineRecord, QuarantineFilter } from '../../core/quarantine/types.js';
import type { SchemaView } from '../../core/quarantine/inspect.js';
import type { AppDeps } from '../deps.js';
import { bigserialId, nativeErrors } from '../shared-schemas.js';
import { orEmpty, typed } from '../type-provider.js';

const STATUSES = ['held', 'replayed', 'discarded'];

const recordSchema = {
  type: 'object',
  required: ['id', 'source_topic', 'message_id', 'dag_id', 'environment', 'disposition', 'reason_code', 'reason', 'status', 'created_at'],
  properties: {
    id: { type: 'integer' },
    source_topic: { type: 'string' },
    message_id: { type: 'string' },
    dag_id: { type: 'string' },
    dag_version: { type: 'string', nullable: true },
    environment: { type: 'string' },
    disposition: { type: 'string', enum: ['quarantine', 'reject'] },
    reason_code: { type: 'string' },
    reason: { type: 'string' },
    status: { type: 'string', enum: STATUSES },
    message_key: { type: 'string', nullable: true },
    properties: { type: 'object', additionalProperties: { type: 'string' } },
    publish_time: { type: 'string', format: 'date-time', nullable: true },
    event_time: { type: 'string', format: 'date-time', nullable: true },
    pulsar_schema_version: { type: 'string', nullable: true },
    expected_schema_id: { type: 'integer', nullable: true },
    detected_schema_id: { type: 'integer', nullable: true },
    payload_size: { type: 'integer' },
    payload_visible: { type: 'boolean', description: 'Whether the caller holds payload:read for the record\'s environment; without it sensitive fields, properties and the key are "[redacted]" and the raw bytes are omitted' },
    redacted: { type: 'array', items: { type: 'string' }, description: 'Paths replaced by "[redacted]"' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

const schemaView = {
  type: 'object',
  properties: {
    schema_id: { type: 'integer' }, format: { type: 'string' }, schema: { type: 'string' },
    pulsar_schema_version: { type: 'string' }, pulsar_type: { type: 'string' },
  },
} as const;

function presentSchema(v: SchemaView | undefined) {
  if (!v) return undefined;
  return {
    ...(v.schemaId !== undefined ? { schema_id: v.schemaId } : {}), ...(v.format ? { format: v.format } : {}),
    ...(v.schema !== undefined ? { schema: v.schema } : {}),
    ...(v.pulsarSchemaVersion ? { pulsar_schema_version: v.pulsarSchemaVersion } : {}), ...(v.pulsarType ? { pulsar_type: v.pulsarType } : {}),
  };
}

const detailSchema = {
  type: 'object',
  required: [...recordSchema.required, 'history'],
  properties: {
    ...recordSchema.properties,
    payload_base64: { type: 'string', description: 'The raw bytes; only with payload:read for the record\'s environment' },
    decoded: {
      type: 'object',
      properties: { schema_id: { type: 'integer' }, value: {}, error: { type: 'string' } },
    },
    history: {
      type: 'array',
      items: { type: 'object', properties: { at: { type: 'string' }, action: { type: 'string' }, actor: { type: 'string' }, actorName: { type: 'string' }, details: {} } },
    },
    writer: { ...schemaView, description: 'the schema the message was written with: a registry schema (Pulsar writers are recorded there), or the broker definition of a Pulsar type the registry does not hold' },
    expected: { ...schemaView, description: "the contract's reader schema" },
    findings: {
      type: 'array',
      description: 'the reader against the writer (computed now), or the problems recorded when the message was held',
      items: { type: 'object', required: ['path', 'rule', 'message'], properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

const filterQuery = {
  topic: { type: 'string' },
  dag_id: { type: 'string' },
  dag_version: { type: 'string' },
  reason: { type: 'string', description: 'reason code, e.g. SCHEMA_MISMATCH' },
  status: { type: 'string', enum: STATUSES },
  disposition: { type: 'string', enum: ['quarantine', 'reject'] },
  environment: { type: 'string' },
  since: { type: 'string', format: 'date-time' },
  until: { type: 'string', format: 'date-time' },
} as const;

type FilterQuery = Partial<Record<keyof typeof filterQuery, string>>;

function toFilter(q: FilterQuery): QuarantineFilter {
  return {
    topic: q.topic, dagId: q.dag_id, dagVersion: q.dag_version, reason: q.reason,
    status: q.status as QuarantineFilter['status'], disposition: q.disposition as QuarantineFilter['disposition'],
    environment: q.environment,
    since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function presentView(v: QuarantineView) {
  return { ...present(v.record), payload_visible: v.payloadVisible, redacted: v.redacted };
}

/** Without a viewer (results of actions): no properties or key, which only views may show. */
function presentBare(r: QuarantineRecord) {
  const { properties: _p, message_key: _k, ...rest } = present(r);
  return rest;
}

function present(r: QuarantineRecord) {
  return {
    id: r.id, source_topic: r.sourceTopic, message_id: r.messageId, dag_id: r.dagId, dag_version: r.dagVersion,
    environment: r.environment, disposition: r.disposition, reason_code: r.reasonCode, reason: r.reason,
    status: r.status, message_key: r.messageKey, properties: r.properties,
    publish_time: iso(r.publishTime), event_time: iso(r.eventTime), pulsar_schema_version: r.pulsarSchemaVersion,
    expected_schema_id: r.expectedSchemaId, detected_schema_id: r.detectedSchemaId, payload_size: r.payload.length,
    created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString(),
  };
}

const idParams = { type: 'object', required: ['id'], properties: { id: bigserialId } } as const;
const replayResult = {
  type: 'object',
  required: ['outcome'],
  properties: {
    outcome: { type: 'string', enum: ['forwarded', 'held'] },
    dag_version: { type: 'string' }, trigger_topic: { type: 'string' }, forwarded_message_id: { type: 'string' },
    reason_code: { type: 'string' }, reason: { type: 'string' },
  },
} as const;
const bulkBody = {
  type: 'object',
  additionalProperties: false,
  properties: { ...filterQuery, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, reason_text: { type: 'string' } },
} as const;
const bulkResponse = {
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'ok'],
        properties: {
          id: { type: 'integer' }, ok: { type: 'boolean' }, result: {},
          error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
} as const;

function presentReplay(r: import('../../core/quarantine/quarantine.js').ReplayOutcome) {
  return r.outcome === 'forwarded'
    ? { outcome: r.outcome, dag_version: r.dagVersion, trigger_topic: r.triggerTopic, forwarded_message_id: r.forwardedMessageId }
    : { outcome: r.outcome, reason_code: r.reasonCode, reason: r.reason, ...(r.dagVersion ? { dag_version: r.dagVersion } : {}) };
}

export async function quarantineRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const quarantine = deps.services.quarantine;

  app.get('/v1/quarantine', {
    schema: {
      tags: ['quarantine'],
      summary: 'List held, replayed and discarded messages, newest first (cursor pagination)',
      querystring: {
        type: 'object',
        properties: {
          ...filterQuery,
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { ...bigserialId, description: 'next_cursor of the previous page' },
        },
      } as const,
      response: {
        200: { type: 'object', required: ['records'], properties: { records: { type: 'array', items: recordSchema }, next_cursor: { type: 'integer', nullable: true } } },
        ...nativeErrors(400, 401, 403),
      },
    },
  }, async (request) => {
    const q = request.query;
    const page = await quarantine.list({ filter: toFilter(q), limit: q.limit, cursor: q.cursor }, request.principal);
    return { records: page.records.map(presentView), next_cursor: page.nextCursor ?? null };
  });

  app.get('/v1/quarantine/:id', {
    schema: {
      tags: ['quarantine'],
      summary: 'A held message: its payload (base64) decoded by its writer schema where known, redacted without payload:read:<env>; the writer and the contract schema, and the findings of one against the other',
      params: idParams,
      response: { 200: detailSchema, ...nativeErrors(401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params;
    const view = await quarantine.get(id, request.principal);
    const { record, decoded, inspection } = view;
    return {
      ...presentView(view),
      ...(inspection.writer ? { writer: presentSchema(inspection.writer) } : {}),
      ...(inspection.expected ? { expected: presentSchema(inspection.expected) } : {}),
      findings: inspection.findings,
      ...(view.payloadVisible ? { payload_base64: Buffer.from(record.payload).toString('base64') } : {}),
      decoded: { ...(decoded.schemaId !== undefined ? { schema_id: decoded.schemaId } : {}), value: decoded.value, ...(decoded.error ? { error: decoded.error } : {}) },
      history: record.history,
    };
  });

  app.post('/v1/quarantine/:id/replay', {
    // deploy:<env> of each record's environment is checked by the core.
    config: { scope: 'read' },
    schema: {
      tags: ['quarantine'],
      summary: 'Decide again now and forward to the trigger topic if the message passes; once only (409 after)',
      params: idParams,
      response: {
        200: { type: 'object', required: ['record', 'result'], properties: { record: recordSchema, result: replayResult } },
        ...nativeErrors(401, 403, 404, 409, 503),
      },
    },
  }, async (request) => {
    const { id } = request.params;
    const { record, result } = await quarantine.replay(id, request.principal);
    return { record: presentBare(record), result: presentReplay(result) };
  });

  app.post('/v1/quarantine/:id/discard', {
    // deploy:<env> of each record's environment is checked by the core.
    config: { scope: 'read' },
    schema: {
      tags: ['quarantine'],
      summary: 'Discard a held message (it will not be replayed)',
      params: idParams,
      body: { type: 'object', nullable: true, additionalProperties: false, properties: { reason: { type: 'string', maxLength: 2000 } } } as const,
      response: { 200: recordSchema, ...nativeErrors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const { id } = request.params;
    const body = orEmpty(request.body);
    return presentBare(await quarantine.discard(id, request.principal, body.reason));
  });

  app.post('/v1/quarantine/replay', {
    // deploy:<env> of each record's environment is checked by the core.
    config: { scope: 'read' },
    schema: {
      tags: ['quarantine'],
      summary: 'Replay every held message matching a filter (at most `limit`, oldest first)',
      body: bulkBody,
      response: { 200: bulkResponse, ...nativeErrors(400, 401, 403, 503) },
    },
  }, async (request) => {
    const body = orEmpty(request.body);
    const results = await quarantine.replayMany({ filter: toFilter(body), limit: body.limit ?? 100 }, request.principal);
    return { results: results.map((r) => ({ ...r, ...(r.result ? { result: presentReplay(r.result) } : {}) })) };
  });

  app.post('/v1/quarantine/discard', {
    // deploy:<env> of each record's environment is checked by the core.
    config: { scope: 'read' },
    schema: {
      tags: ['quarantine'],
      summary: 'Discard every held message matching a filter (at most `limit`, oldest first)',
      body: bulkBody,
      response: { 200: bulkResponse, ...nativeErrors(400, 401, 403) },
    },
  }, async (request) => {
    const body = orEmpty(request.body);
    const results = await quarantine.discardMany({ filter: toFilter(body), limit: body.limit ?? 100, reason: body.reason_text }, request.principal);
    return { results };
  });
}
