// The gatekeeper's decision as a table of named cases: every identification path, compatible and
// incompatible writers, bad payloads, unknown schema ids, no active version, several DAGs on one
// topic, and the quarantine vs reject policy. Real format providers, real Avro encoding (avsc).
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { makeFormats } from '../../../src/core/formats/index.js';
import type { ParsedSchema } from '../../../src/core/formats/types.js';
import { decide, NO_DAG, type AirflowDagState, type Decision, type DecisionInput } from '../../../src/core/gatekeeper/decide.js';
import type { Route } from '../../../src/gatekeeper/types.js';

const formats = makeFormats();
const TOPIC = 'persistent://public/default/orders';

const ORDER_V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const ORDER_V2_EXTRA = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'note', type: 'string', default: '' }] };
const ORDER_V3_NEEDS_CURRENCY = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string' }] };
// Same Parsing Canonical Form (and fingerprint) as ORDER_V3_NEEDS_CURRENCY: PCF drops `default`.
const ORDER_V4_CURRENCY_DEFAULT = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
const ORDER_STRING_ID = { ...ORDER_V1, fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }] };
const JSON_ORDER = { type: 'object', properties: { id: { type: 'integer' }, amount: { type: 'number' } }, required: ['id', 'amount'] };
const JSON_ORDER_OPEN_NOTE = { ...JSON_ORDER, properties: { ...JSON_ORDER.properties, note: { type: 'string' } } };

const SKU = { type: 'record', name: 'Item', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }] };
const SKU_ALIAS = { type: 'record', name: 'Item', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string', aliases: ['product'] }] };
const SKU_PRODUCT = { type: 'record', name: 'Item', fields: [{ name: 'id', type: 'long' }, { name: 'product', type: 'string' }] };
const PAIR = { type: 'record', name: 'Pair', fields: [{ name: 'first', type: 'string' }, { name: 'second', type: 'string' }] };
const PAIR_REORDERED = { type: 'record', name: 'Pair', fields: [{ name: 'second', type: 'string' }, { name: 'first', type: 'string' }, { name: 'extra', type: 'string', default: '' }] };

// Registry ids of the test schemas.
const ID = { v1: 1, v2: 2, v3: 3, stringId: 4, v4: 5, sku: 6, skuAlias: 7, pair: 8, json: 10, jsonNote: 11 } as const;
const SCHEMAS: Record<number, ParsedSchema> = {
  [ID.v1]: formats.get('AVRO').parse(JSON.stringify(ORDER_V1)),
  [ID.v2]: formats.get('AVRO').parse(JSON.stringify(ORDER_V2_EXTRA)),
  [ID.v3]: formats.get('AVRO').parse(JSON.stringify(ORDER_V3_NEEDS_CURRENCY)),
  [ID.stringId]: formats.get('AVRO').parse(JSON.stringify(ORDER_STRING_ID)),
  [ID.v4]: formats.get('AVRO').parse(JSON.stringify(ORDER_V4_CURRENCY_DEFAULT)),
  [ID.sku]: formats.get('AVRO').parse(JSON.stringify(SKU)),
  [ID.skuAlias]: formats.get('AVRO').parse(JSON.stringify(SKU_ALIAS)),
  [ID.pair]: formats.get('AVRO').parse(JSON.stringify(PAIR)),
  [ID.json]: formats.get('JSON').parse(JSON.stringify(JSON_ORDER)),
  [ID.jsonNote]: formats.get('JSON').parse(JSON.stringify(JSON_ORDER_OPEN_NOTE)),
};

const avroBytes = (schema: object, value: object) => new Uint8Array(avro.Type.forSchema(schema as never).toBuffer(value));
const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));
const confluent = (id: number, body: Uint8Array) => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return new Uint8Array(Buffer.concat([header, body]));
};

/** A Pulsar writer whose schema is one of the registry's test schemas. */
const pw = (id: number): DecisionInput['pulsarWriter'] => ({ version: '0', pulsarType: 'AVRO', schemaId: id, schema: SCHEMAS[id]! });
/** A writer known only to the broker (recorded by the resolver under a new registry id, 900). */
const brokerWriter = (schema: object): DecisionInput['pulsarWriter'] => ({ version: '1', pulsarType: 'AVRO', schemaId: 900, schema: formats.get('AVRO').parse(JSON.stringify(schema)) });

const route = (over: Partial<Route> = {}): Route => ({
  topic: TOPIC, dagId: 'orders_etl', dagVersion: 'v1', dagVersionId: 1, subject: 'orders-value', subjectVersion: 1,
  schemaId: ID.v1, onMismatch: 'quarantine', triggerTopic: null, ...over,
});

interface Case {
  name: string;
  payload: Uint8Array;
  properties?: Record<string, string>;
  routes?: Route[];
  pulsarWriter?: DecisionInput['pulsarWriter'];
  noRoutePolicy?: 'quarantine' | 'reject';
  /** The client could not unpack the entry: why. */
  undecodable?: string;
  /** Ids the registry does not know (looked up → null). */
  unknownIds?: number[];
  /** What Airflow runs per DAG. */
  airflowDags?: Record<string, AirflowDagState | null>;
  /** ACCEPT: the value the DAG gets, which its forward payload must decode to with the reader schema. */
  value?: unknown;
  expect: Array<Pick<Decision, 'outcome' | 'dagId'> & { reasonCode?: string; via?: string; schemaId?: number }>;
}

const order = { id: 7, amount: 12.5 };

const CASES: Case[] = [
  { name: 'pulsar schema version, same schema as the contract', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'pulsar', schemaId: ID.v1 }] },
  { name: 'pulsar schema version, newer compatible writer (extra field with default)', payload: avroBytes(ORDER_V2_EXTRA, { ...order, note: 'x' }), pulsarWriter: pw(ID.v2),
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'pulsar', schemaId: ID.v2 }] },
  { name: 'pulsar schema version, incompatible writer → quarantine', payload: avroBytes(ORDER_STRING_ID, { id: 'a', amount: 1 }), pulsarWriter: pw(ID.stringId),
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH', via: 'pulsar', schemaId: ID.stringId }] },
  { name: 'incompatible writer under a reject policy → reject', payload: avroBytes(ORDER_STRING_ID, { id: 'a', amount: 1 }), pulsarWriter: pw(ID.stringId),
    routes: [route({ onMismatch: 'reject' })],
    expect: [{ outcome: 'REJECT', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH' }] },
  { name: 'reader needs a field the writer lacks (no default) → mismatch', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ schemaId: ID.v3 })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH' }] },
  { name: 'a string that is not UTF-8 → payload invalid', payload: new Uint8Array([0x0e, 0x04, 0xff, 0xfe]), pulsarWriter: pw(ID.sku), routes: [route({ schemaId: ID.sku })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'PAYLOAD_INVALID', via: 'pulsar' }] },
  { name: 'pulsar version matched but payload is truncated → payload invalid', payload: avroBytes(ORDER_V1, order).subarray(0, 3), pulsarWriter: pw(ID.v1),
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'PAYLOAD_INVALID', via: 'pulsar' }] },
  { name: 'Confluent wire format, known id', payload: confluent(ID.v2, avroBytes(ORDER_V2_EXTRA, { ...order, note: '' })),
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'confluent', schemaId: ID.v2 }] },
  { name: 'Confluent wire format, known but incompatible id', payload: confluent(ID.stringId, avroBytes(ORDER_STRING_ID, { id: 'x', amount: 2 })),
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH', via: 'confluent' }] },
  { name: 'Confluent wire format, unknown id and a payload the reader cannot read', payload: confluent(999, avroBytes(ORDER_STRING_ID, { id: 'xyz', amount: 2 })), unknownIds: [999],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA' }] },
  { name: 'Confluent wire format, id above 2^31-1 (never stored; the registry answers SCHEMA_NOT_FOUND → null)', payload: confluent(3_000_000_000, avroBytes(ORDER_STRING_ID, { id: 'xyz', amount: 2 })), unknownIds: [3_000_000_000],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA' }] },
  { name: 'zero first byte that is not a prefix: schema-less Avro is never tried with the reader', payload: avroBytes(ORDER_V1, { id: 0, amount: 1e-300 }), unknownIds: [confluentLikeId(avroBytes(ORDER_V1, { id: 0, amount: 1e-300 }))],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA', via: 'none' }] },
  { name: 'dagpact-schema-id property, JSON writer', payload: json(order), properties: { 'dagpact-schema-id': String(ID.json) }, routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'property', schemaId: ID.json }] },
  { name: 'dagpact-schema-id property naming an unknown id', payload: json(order), properties: { 'dagpact-schema-id': '4242' }, routes: [route({ schemaId: ID.json })], unknownIds: [4242],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA' }] },
  { name: 'dagpact-schema-id property that is not a number', payload: json(order), properties: { 'dagpact-schema-id': 'abc' }, routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA' }] },
  { name: 'JSON writer read by an Avro contract → mismatch', payload: json(order), properties: { 'dagpact-schema-id': String(ID.json) },
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH', via: 'property' }] },
  { name: 'JSON property writer valid by schema but payload violates it', payload: json({ id: 'seven', amount: 1 }), properties: { 'dagpact-schema-id': String(ID.jsonNote) }, routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'PAYLOAD_INVALID', via: 'property' }] },
  { name: 'unmatched pulsar version falls through to the property', payload: json(order), pulsarWriter: { version: '0', unresolved: 'the broker has no schema version 0' }, properties: { 'dagpact-schema-id': String(ID.json) }, routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'property' }] },
  { name: 'unidentified JSON that validates against the reader', payload: json(order), routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'none' }] },
  { name: 'unidentified JSON missing a required field', payload: json({ id: 1 }), routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'PAYLOAD_INVALID', via: 'none' }] },
  { name: 'unidentified bytes that are not JSON', payload: new Uint8Array([1, 2, 3]), routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'PAYLOAD_INVALID' }] },
  { name: 'unidentified Avro the reader would decode is still not accepted (its bytes could mean something else)', payload: avroBytes(ORDER_V1, { id: 5, amount: 3 }),
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA', via: 'none' }] },
  { name: 'unidentified Avro with trailing bytes (a newer writer) is not accepted', payload: avroBytes(ORDER_V2_EXTRA, { id: 5, amount: 3, note: 'hello' }),
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA', via: 'none' }] },
  { name: 'a Pulsar version the broker has no schema for, on an Avro contract', payload: avroBytes(ORDER_V1, order), pulsarWriter: { version: '9', unresolved: 'the broker has no schema version 9' },
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'UNKNOWN_SCHEMA', via: 'none' }] },
  // The broker's schema is the writer even when dagpact's registry never saw it (the usual Pulsar producer).
  { name: 'broker writer renames a field (sku → product, same bytes), no alias → mismatch', payload: avroBytes(SKU_PRODUCT, { id: 1, product: 'p' }),
    pulsarWriter: brokerWriter(SKU_PRODUCT), routes: [route({ schemaId: ID.sku })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH', via: 'pulsar', schemaId: 900 }] },
  { name: 'broker writer renames a field, the reader has the old name as an alias → read under the reader name',
    payload: avroBytes(SKU_PRODUCT, { id: 1, product: 'p' }), pulsarWriter: brokerWriter(SKU_PRODUCT), routes: [route({ schemaId: ID.skuAlias })],
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'pulsar' }], value: { id: 1, sku: 'p' } },
  { name: 'broker writer reorders two string fields and adds one with a default → the right values, not swapped',
    payload: avroBytes(PAIR_REORDERED, { second: 'B', first: 'A', extra: 'x' }), pulsarWriter: brokerWriter(PAIR_REORDERED), routes: [route({ schemaId: ID.pair })],
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'pulsar' }], value: { first: 'A', second: 'B' } },
  { name: 'broker writer lacks a field the reader defaults → the default is filled in',
    payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1), routes: [route({ schemaId: ID.v4 })],
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl' }], value: { ...order, currency: 'EUR' } },
  { name: 'Pulsar JSON-type writer on a JSON contract: judged by the contract JSON Schema', payload: json(order),
    pulsarWriter: { version: '0', pulsarType: 'JSON', definition: '{"type":"record","name":"Order","fields":[]}' }, routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl', via: 'pulsar' }], value: order },
  { name: 'Pulsar JSON-type writer on an Avro contract → mismatch', payload: json(order),
    pulsarWriter: { version: '0', pulsarType: 'JSON', definition: '{"type":"record","name":"Order","fields":[]}' },
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH', via: 'pulsar' }] },
  { name: 'Pulsar STRING writer on an Avro contract → mismatch', payload: new Uint8Array(Buffer.from('hello')),
    pulsarWriter: { version: '1', pulsarType: 'STRING', definition: '' },
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH', via: 'pulsar' }] },
  { name: 'Airflow runs another DAG version than the contract names → DAG_VERSION_MISMATCH', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ forwardTo: 'airflow', airflowVersionNumber: 3 })], airflowDags: { orders_etl: { versionNumber: 4 } },
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'DAG_VERSION_MISMATCH' }] },
  { name: 'Airflow runs the version the contract names → accept', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ forwardTo: 'airflow', airflowVersionNumber: 4 })], airflowDags: { orders_etl: { versionNumber: 4 } },
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl' }] },
  { name: 'the DAG file Airflow runs declares another contract → DAG_VERSION_MISMATCH', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ forwardTo: 'airflow', contractHash: 'a'.repeat(64) })], airflowDags: { orders_etl: { versionNumber: 1, contractHash: 'b'.repeat(64) } },
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'DAG_VERSION_MISMATCH' }] },
  { name: 'the DAG file Airflow runs declares the active contract → accept', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ forwardTo: 'airflow', contractHash: 'a'.repeat(64), airflowVersionNumber: 2 })], airflowDags: { orders_etl: { versionNumber: 2, contractHash: 'a'.repeat(64) } },
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl' }] },
  { name: 'Airflow has no such DAG → DAG_VERSION_MISMATCH, under the reject policy too', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ forwardTo: 'airflow', onMismatch: 'reject' })], airflowDags: { orders_etl: null },
    expect: [{ outcome: 'REJECT', dagId: 'orders_etl', reasonCode: 'DAG_VERSION_MISMATCH' }] },
  { name: 'a schema mismatch is reported before what Airflow runs', payload: avroBytes(ORDER_STRING_ID, { id: 'a', amount: 1 }), pulsarWriter: pw(ID.stringId),
    routes: [route({ forwardTo: 'airflow', airflowVersionNumber: 3 })], airflowDags: { orders_etl: { versionNumber: 4 } },
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'SCHEMA_MISMATCH' }] },
  { name: 'a DAG forwarded to its trigger topic is not compared with Airflow', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ forwardTo: 'topic', airflowVersionNumber: 3 })], airflowDags: { orders_etl: { versionNumber: 4 } },
    expect: [{ outcome: 'ACCEPT', dagId: 'orders_etl' }] },
  { name: 'unmatched pulsar version and an invalid payload', payload: json({ nope: true }), pulsarWriter: { version: '3', unresolved: 'the broker has no schema version 3' }, routes: [route({ schemaId: ID.json })],
    expect: [{ outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'PAYLOAD_INVALID' }] },
  { name: 'no active version consumes the topic → quarantine', payload: json(order), routes: [],
    expect: [{ outcome: 'QUARANTINE', dagId: NO_DAG, reasonCode: 'NO_ACTIVE_VERSION' }] },
  { name: 'no active version under a reject policy → reject', payload: json(order), routes: [], noRoutePolicy: 'reject',
    expect: [{ outcome: 'REJECT', dagId: NO_DAG, reasonCode: 'NO_ACTIVE_VERSION' }] },
  { name: 'an entry the client could not unpack is held by every DAG, each under its policy, even if its bytes would pass',
    payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1), undecodable: 'chunk 1 of 3 of chunked message u-1',
    routes: [route({ dagId: 'billing' }), route({ dagId: 'audit', onMismatch: 'reject' })],
    expect: [
      { outcome: 'QUARANTINE', dagId: 'billing', reasonCode: 'UNDECODABLE_MESSAGE', via: 'none' },
      { outcome: 'REJECT', dagId: 'audit', reasonCode: 'UNDECODABLE_MESSAGE' },
    ] },
  { name: 'an entry the client could not unpack on a topic no DAG consumes', payload: new Uint8Array([9, 9]), routes: [], undecodable: 'unknown compression 9',
    expect: [{ outcome: 'QUARANTINE', dagId: NO_DAG, reasonCode: 'UNDECODABLE_MESSAGE' }] },
  { name: 'three DAGs on one topic are decided each on its own contract', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [
      route({ dagId: 'billing', schemaId: ID.v1 }),
      route({ dagId: 'fx', schemaId: ID.v3, onMismatch: 'quarantine' }),
      route({ dagId: 'audit', schemaId: ID.v3, onMismatch: 'reject' }),
    ],
    expect: [
      { outcome: 'ACCEPT', dagId: 'billing' },
      { outcome: 'QUARANTINE', dagId: 'fx', reasonCode: 'SCHEMA_MISMATCH' },
      { outcome: 'REJECT', dagId: 'audit', reasonCode: 'SCHEMA_MISMATCH' },
    ] },
  { name: 'two readers with one fingerprint (one has a default) get their own verdicts', payload: avroBytes(ORDER_V1, order), pulsarWriter: pw(ID.v1),
    routes: [route({ dagId: 'fraud_v1', schemaId: ID.v3 }), route({ dagId: 'fraud_v2', schemaId: ID.v4 })],
    expect: [
      { outcome: 'QUARANTINE', dagId: 'fraud_v1', reasonCode: 'SCHEMA_MISMATCH' },
      { outcome: 'ACCEPT', dagId: 'fraud_v2' },
    ] },
];

/** The id bytes 1..4 would spell if a payload were read as a Confluent prefix. */
function confluentLikeId(payload: Uint8Array): number {
  return Buffer.from(payload).readUInt32BE(1);
}

function run(c: Case, verdicts = new Map()) {
  const schemas = new Map<number, ParsedSchema | null>(Object.entries(SCHEMAS).map(([k, v]) => [Number(k), v]));
  for (const id of c.unknownIds ?? []) schemas.set(id, null);
  return decide({
    message: { topic: TOPIC, payload: c.payload, properties: c.properties ?? {}, ...(c.undecodable ? { undecodable: c.undecodable } : {}) },
    routes: c.routes ?? [route()],
    ...(c.pulsarWriter ? { pulsarWriter: c.pulsarWriter } : {}),
    schemas, formats, verdicts,
    noRoutePolicy: c.noRoutePolicy ?? 'quarantine',
    ...(c.airflowDags ? { airflow: { target: { forwardTo: 'topic' as const }, dags: new Map(Object.entries(c.airflowDags)) } }
      // A value is computed for DAGs forwarded to Airflow (their conf carries it).
      : c.value !== undefined ? { airflow: { target: { forwardTo: 'airflow' as const }, dags: new Map() } } : {}),
  });
}

describe('decide()', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const decisions = run(c);
    expect(decisions.map((d) => ({
      outcome: d.outcome, dagId: d.dagId,
      ...(c.expect.some((e) => e.reasonCode) ? { reasonCode: d.reasonCode } : {}),
    }))).toEqual(c.expect.map((e) => ({
      outcome: e.outcome, dagId: e.dagId,
      ...(c.expect.some((x) => x.reasonCode) ? { reasonCode: e.reasonCode } : {}),
    })));
    c.expect.forEach((e, i) => {
      const d = decisions[i]!;
      if (e.via) expect(d.writer.via).toBe(e.via);
      if (e.schemaId !== undefined) expect(d.writer.schemaId).toBe(e.schemaId);
      if (d.outcome !== 'ACCEPT') expect(d.reason!.length).toBeGreaterThan(30);
      if (d.outcome === 'ACCEPT') expect(d.forwardPayload).toBeInstanceOf(Uint8Array);
    });
    if (c.value !== undefined) {
      const d = decisions[0]!;
      expect(d.value).toEqual(c.value);
      const reader = SCHEMAS[d.route!.schemaId]!;
      // What the trigger topic gets is the same value, encoded in the reader schema.
      if (reader.format === 'AVRO') {
        const type = avro.Type.forSchema(JSON.parse(formats.get('AVRO').selfContained!(reader)) as never);
        expect(type.fromBuffer(Buffer.from(d.forwardPayload!))).toEqual(c.value);
      } else {
        expect(JSON.parse(Buffer.from(d.forwardPayload!).toString())).toEqual(c.value);
      }
    }
  });

  it('consults the verdict cache per (reader id, writer id) and fills it', () => {
    const c = CASES[1]!; // v2 writer, v1 reader: compatible
    const verdicts = new Map();
    expect(run(c, verdicts)[0]!.outcome).toBe('ACCEPT');
    expect(verdicts.size).toBe(1);
    const [key] = [...verdicts.keys()];
    expect(key).toBe(`${ID.v1}<${ID.v2}`);
    // A cached verdict is what decides, without recomputing.
    verdicts.set(key, [{ path: '$.x', rule: 'CACHED', message: 'from the cache' }]);
    const again = run(c, verdicts)[0]!;
    expect(again.outcome).toBe('QUARANTINE');
    expect(again.reason).toContain('from the cache');
  });

  it('computes no value for a DAG forwarded to its trigger topic (only the bytes it gets)', () => {
    const c = CASES.find((x) => x.name.startsWith('broker writer reorders'))!;
    const [d] = run({ ...c, value: undefined });
    expect(d!.outcome).toBe('ACCEPT');
    expect(d!.value).toBeUndefined();
    expect(avro.Type.forSchema(PAIR as never).fromBuffer(Buffer.from(d!.forwardPayload!))).toEqual({ first: 'A', second: 'B' });
  });

  it('names the contract and what to do in a mismatch reason', () => {
    const d = run(CASES[2]!)[0]!;
    expect(d.reason).toContain('orders_etl@v1');
    expect(d.reason).toContain('orders-value v1');
    expect(d.issues?.length).toBeGreaterThan(0);
  });
});
