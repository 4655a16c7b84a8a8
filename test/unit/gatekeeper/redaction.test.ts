// What the gatekeeper publishes about a held or forwarded message shows no sensitive values: property
// names from the policy are redacted in the quarantine envelope, the dead-letter copy and an Airflow
// run's conf; the envelope withholds the raw bytes when the writer schema, the contract schema or the
// contract marks fields sensitive, and carries instead the value decoded with the writer schema, the
// sensitive fields "[redacted]" (or why it could not decode it). A DAG run says who deployed its contract.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { makeFormats } from '../../../src/core/formats/index.js';
import { redactedPreview } from '../../../src/core/quarantine/decode.js';
import type { Decision } from '../../../src/core/gatekeeper/decide.js';
import { schemaMarksSensitive } from '../../../src/core/quarantine/redact.js';
import type { NewQuarantineRecord } from '../../../src/core/quarantine/types.js';
import { dagRunConf } from '../../../src/gatekeeper/airflow-sink.js';
import { makeSinks } from '../../../src/gatekeeper/sinks.js';
import type { OutgoingMessage, Route, SourceMessage } from '../../../src/gatekeeper/types.js';

const route = (over: Partial<Route> = {}): Route => ({
  topic: 't', dagId: 'billing', dagVersion: 'v1', dagVersionId: 1, subject: 's', subjectVersion: 1, schemaId: 5,
  onMismatch: 'quarantine', triggerTopic: null, deployedBy: 'token:7', ...over,
});
const message: SourceMessage = {
  topic: 't', messageId: '1:2:-1:-1', payload: new Uint8Array([1, 2, 3]), redeliveryCount: 0,
  properties: { Authorization: 'Bearer abc', 'x-session-cookie': 'c', region: 'eu' },
};
const held = (r: Route, outcome: 'QUARANTINE' | 'REJECT' = 'QUARANTINE'): Decision =>
  ({ outcome, dagId: r.dagId, route: r, reasonCode: 'SCHEMA_MISMATCH', reason: 'x', writer: { via: 'pulsar', schemaId: 9 } });

// Writer 9 tags email PII; the contract's reader 5 tags city (a tag on either side hides the field).
const formats = makeFormats();
const WRITER = { type: 'record', name: 'C', fields: [{ name: 'id', type: 'long' }, { name: 'email', type: 'string', 'confluent:tags': ['PII'] }, { name: 'city', type: 'string' }, { name: 'note', type: 'string' }] };
const READER = { ...WRITER, fields: [...WRITER.fields.slice(0, 2), { name: 'city', type: 'string', 'dagpact.sensitive': true }, WRITER.fields[3]!] };
const texts: Record<number, { format: 'AVRO'; schema: string }> = { 9: { format: 'AVRO', schema: JSON.stringify(WRITER) }, 5: { format: 'AVRO', schema: JSON.stringify(READER) } };
const registry = {
  async getSchemaById({ id }: { id: number }) { const t = texts[id]; if (!t) throw new Error(`schema ${id} not found`); return t as never; },
  async parsedById({ id }: { id: number }) { const t = texts[id]; if (!t) throw new Error(`schema ${id} not found`); return formats.get('AVRO').parse(t.schema); },
};
const avroMessage: SourceMessage = {
  ...{ topic: 't', messageId: '1:3:-1:-1', redeliveryCount: 0, properties: {} },
  payload: new Uint8Array(avro.Type.forSchema(WRITER as never).toBuffer({ id: 7, email: 'ann@example.com', city: 'Oslo', note: 'gift' })),
};

function sinks(sensitiveIds: number[]) {
  const sent: Array<{ topic: string; message: OutgoingMessage }> = [];
  const rows: NewQuarantineRecord[] = [];
  const s = makeSinks({
    publisher: { async send(topic, m) { sent.push({ topic, message: m }); return { messageId: '9:9:-1:-1' }; }, async close() {} },
    store: { async insert({ record }: { record: NewQuarantineRecord }) { rows.push(record); return { id: rows.length, inserted: true }; } } as never,
    config: { environment: 'prod', triggerTopicPattern: '{dag_id}', quarantineTopic: 'q', deadLetterTopic: 'dlq' },
    schemaIsSensitive: async (id) => sensitiveIds.includes(id),
    redactedPreview: (m) => redactedPreview(m, { registry: registry as never, formats }),
  });
  return { s, sent, rows };
}

describe('gatekeeper redaction', () => {
  it('the envelope redacts sensitive properties and carries the bytes when nothing is marked sensitive', async () => {
    const { s, sent, rows } = sinks([]);
    await s.hold(message, held(route()), undefined);
    const env = JSON.parse(Buffer.from(sent[0]!.message.payload).toString()) as Record<string, any>;
    expect(env.envelope_version).toBe(4);
    expect(env.source.properties).toEqual({ Authorization: '[redacted]', 'x-session-cookie': '[redacted]', region: 'eu' });
    expect(env.payload_base64).toBe(Buffer.from([1, 2, 3]).toString('base64'));
    expect(env.payload_withheld).toBeUndefined();
    expect(env).not.toHaveProperty('value_redacted');
    expect(env).not.toHaveProperty('value_unavailable');
    // The record keeps everything: the API decides who may see it.
    expect(rows[0]!.properties).toEqual(message.properties);
  });

  it.each([
    ['the writer schema', [9], {}],
    ['the contract schema', [5], {}],
    ['the contract (sensitive_fields)', [], { sensitiveFields: ['card.number'] }],
  ])('the envelope withholds the bytes when %s marks fields sensitive', async (_what, ids, over) => {
    const { s, sent } = sinks(ids);
    await s.hold(message, held(route(over)), undefined);
    const env = JSON.parse(Buffer.from(sent[0]!.message.payload).toString()) as Record<string, any>;
    expect(env.payload_base64).toBeNull();
    expect(env.payload_withheld).toMatch(/sensitive/);
    expect(env.payload_size).toBe(3);
    // Three bytes do not decode with writer 9: the envelope says so instead of showing a value.
    expect(env.value_redacted).toBeUndefined();
    expect(env.value_unavailable).toMatch(/does not decode with schema 9/);
  });

  it('a withheld Avro payload is shown decoded with tagged fields and contract paths redacted, without its bytes', async () => {
    const { s, sent } = sinks([9]);
    await s.hold(avroMessage, held(route({ sensitiveFields: ['note'] })), undefined);
    const raw = Buffer.from(sent[0]!.message.payload).toString();
    const env = JSON.parse(raw) as Record<string, any>;
    expect(env.payload_base64).toBeNull();
    expect(env.value_redacted).toEqual({ id: 7, email: '[redacted]', city: '[redacted]', note: '[redacted]' });
    expect([...env.redacted_paths].sort()).toEqual(['$.city', '$.email', '$.note']);
    expect(env.value_schema_id).toBe(9);
    expect(raw).not.toMatch(/ann@example|Oslo|gift/);
  });

  it('a withheld payload whose writer was not identified is not decoded', async () => {
    const { s, sent } = sinks([5]);
    await s.hold(avroMessage, { ...held(route()), writer: { via: 'none' } }, undefined);
    const env = JSON.parse(Buffer.from(sent[0]!.message.payload).toString()) as Record<string, any>;
    expect(env.value_redacted).toBeUndefined();
    expect(env.value_unavailable).toMatch(/writer schema .* not identified/);
  });

  it('the dead-letter copy keeps the bytes for reprocessing and redacts sensitive properties', async () => {
    const { s, sent } = sinks([9]);
    await s.hold(message, held(route({ onMismatch: 'reject' }), 'REJECT'), undefined);
    const dead = sent.find((x) => x.topic === 'dlq')!.message;
    expect(dead.payload).toEqual(message.payload);
    expect(dead.properties).toMatchObject({ Authorization: '[redacted]', 'x-session-cookie': '[redacted]', region: 'eu' });
  });

  it("an Airflow run's conf redacts sensitive properties, keeps the value the DAG needs, and says who deployed the contract", () => {
    const conf = dagRunConf({ message, route: route(), decision: { value: { card: '4111' }, writer: { via: 'pulsar', schemaId: 9 } }, environment: 'prod' });
    expect(conf.message).toEqual({ card: '4111' });
    expect((conf.dagpact as Record<string, unknown>).properties).toEqual({ Authorization: '[redacted]', 'x-session-cookie': '[redacted]', region: 'eu' });
    expect((conf.dagpact as Record<string, unknown>).deployed_by).toBe('token:7');
  });

  it.each([
    ['Avro field with confluent:tags PII', { type: 'record', name: 'R', fields: [{ name: 'email', type: 'string', 'confluent:tags': ['PII'] }] }, true],
    ['Avro field with dagpact.sensitive', { type: 'record', name: 'R', fields: [{ name: 'a', type: { type: 'record', name: 'In', fields: [{ name: 'b', type: 'string', 'dagpact.sensitive': true }] } }] }, true],
    ['Avro field with a tag not in the policy', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'string', 'confluent:tags': ['MARKETING'] }] }, false],
    ['JSON Schema x-dagpact-sensitive', { type: 'object', properties: { ssn: { type: 'string', 'x-dagpact-sensitive': true } } }, true],
    ['nothing marked', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }, false],
  ])('schemaMarksSensitive: %s', (_name, doc, expected) => {
    expect(schemaMarksSensitive(doc)).toBe(expected);
  });
});
