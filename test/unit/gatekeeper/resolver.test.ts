// The resolver around decide(): a broker schema version is read once per (topic, version) however many
// messages carry it (concurrently too), recorded with its registry id, found again after a restart from
// what was recorded; transient failures of the broker, the database or Airflow are thrown (the message
// is redelivered), never turned into a verdict, and never cached.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { DagpactError } from '../../../src/core/errors.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import type { ParsedSchema } from '../../../src/core/formats/types.js';
import type { BrokerWriter, BrokerWriterLog } from '../../../src/core/registry/broker-writers.js';
import { BoundedCache, makeResolver } from '../../../src/gatekeeper/resolver.js';
import type { BrokerSchema, Route } from '../../../src/gatekeeper/types.js';

const formats = makeFormats();
const TOPIC = 'persistent://public/default/items';
const ITEM = { type: 'record', name: 'Item', fields: [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }] };
const ITEM_V2 = { type: 'record', name: 'Item', fields: [{ name: 'sku', type: 'string' }, { name: 'id', type: 'long' }, { name: 'n', type: 'int', default: 0 }] };
const READER_ID = 1;
const version = (n: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return new Uint8Array(b); };
const route: Route = { topic: TOPIC, dagId: 'items', dagVersion: 'v1', dagVersionId: 1, subject: 'items-value', subjectVersion: 1, schemaId: READER_ID, onMismatch: 'quarantine', triggerTopic: null };

/** An in-memory registry (ids → parsed schemas) and broker-schema log, as the store would keep them. */
function world(brokerVersions: Record<number, BrokerSchema>) {
  const parsed = new Map<number, ParsedSchema>([[READER_ID, formats.get('AVRO').parse(JSON.stringify(ITEM))]]);
  const recorded: BrokerWriter[] = [];
  const calls = { getSchema: 0, record: 0 };
  let brokerDown = false;
  const writers: BrokerWriterLog = {
    async record(args) {
      calls.record++;
      const schemaId = args.schema ? 100 + recorded.length : undefined;
      if (schemaId !== undefined) parsed.set(schemaId, formats.get('AVRO').parse(args.schema!.schemaText));
      recorded.push({ topic: args.topic, version: args.version, pulsarType: args.pulsarType, definition: args.definition, ...(schemaId !== undefined ? { schemaId } : {}) });
      return schemaId !== undefined ? { schemaId } : {};
    },
    async find({ topic, version: v }) { return recorded.find((r) => r.topic === topic && r.version === v); },
  };
  const deps = {
    registry: { parsedById: async ({ id }: { id: number }) => { const p = parsed.get(id); if (!p) throw new DagpactError('SCHEMA_NOT_FOUND', `no ${id}`); return p; } },
    formats, writers, verdicts: new BoundedCache<never>(100), noRoutePolicy: 'quarantine' as const,
    brokerSchemas: {
      async getSchema(_topic: string, v: Uint8Array) {
        calls.getSchema++;
        if (brokerDown) throw new DagpactError('UPSTREAM_UNAVAILABLE', 'the broker is down');
        return brokerVersions[Number(Buffer.from(v).readBigInt64BE(0))];
      },
    },
  };
  return { deps, calls, recorded, setBrokerDown: (down: boolean) => { brokerDown = down; } };
}

const message = (schemaVersion: Uint8Array, value: object, schema: object, topic = TOPIC) =>
  ({ topic, payload: new Uint8Array(avro.Type.forSchema(schema as never).toBuffer(value)), properties: {}, schemaVersion });

describe('the resolver', () => {
  it('reads a broker schema version once for many messages (concurrent ones too) and partitions of the topic', async () => {
    const w = world({ 0: { type: 'AVRO', data: JSON.stringify(ITEM_V2) } });
    const resolver = makeResolver(w.deps);
    const messages = Array.from({ length: 50 }, (_, i) => message(version(0), { sku: `s${i}`, id: i, n: 1 }, ITEM_V2, i % 2 ? `${TOPIC}-partition-${i % 3}` : TOPIC));
    const results = await Promise.all(messages.map((m) => resolver.resolveAndDecide({ message: m, routes: [route] })));
    expect(results.every((r) => r.decisions[0]!.outcome === 'ACCEPT')).toBe(true);
    // What the trigger topic gets: the value re-encoded in the reader schema.
    expect(avro.Type.forSchema(ITEM as never).fromBuffer(Buffer.from(results[7]!.decisions[0]!.forwardPayload!))).toEqual({ id: 7, sku: 's7' });
    expect(w.calls.getSchema).toBe(1);
    expect(w.calls.record).toBe(1);
    expect(w.recorded).toEqual([{ topic: TOPIC, version: '0', pulsarType: 'AVRO', definition: JSON.stringify(ITEM_V2), schemaId: 100 }]);
    expect(results[0]!.decisions[0]!.writer).toMatchObject({ via: 'pulsar', schemaId: 100, pulsarVersion: '0' });
  });

  it('does not look up a Confluent-looking prefix of a payload whose Pulsar writer is known', async () => {
    const w = world({ 0: { type: 'AVRO', data: JSON.stringify(ITEM_V2) } });
    let lookups = 0;
    const parsedById = w.deps.registry.parsedById;
    w.deps.registry.parsedById = async (args) => { lookups++; return parsedById(args); };
    const resolver = makeResolver(w.deps);
    // sku "" starts the payload with a zero byte, then four bytes an id could be read from.
    const messages = Array.from({ length: 20 }, (_, i) => message(version(0), { sku: '', id: 1_000_000 + i, n: 7 }, ITEM_V2));
    expect(messages[0]!.payload[0]).toBe(0);
    for (const m of messages) expect((await resolver.resolveAndDecide({ message: m, routes: [route] })).decisions[0]!.outcome).toBe('ACCEPT');
    // The reader once, the writer once when recorded (cached from then on); none for the prefixes.
    expect(lookups).toBe(1);
  });

  it('after a restart finds the recorded version without asking the broker (and reads it with schemas parsed anew)', async () => {
    const w = world({ 0: { type: 'AVRO', data: JSON.stringify(ITEM_V2) } });
    await makeResolver(w.deps).resolveAndDecide({ message: message(version(0), { sku: 'a', id: 1, n: 1 }, ITEM_V2), routes: [route] });
    const restarted = makeResolver(w.deps);
    const { decisions } = await restarted.resolveAndDecide({ message: message(version(0), { sku: 'b', id: 2, n: 1 }, ITEM_V2), routes: [route] });
    expect(decisions[0]!.outcome).toBe('ACCEPT');
    expect(w.calls.getSchema).toBe(1);
  });

  it('a broker that is down is thrown as retriable and not cached: the next delivery asks again', async () => {
    const w = world({ 0: { type: 'AVRO', data: JSON.stringify(ITEM) } });
    const resolver = makeResolver(w.deps);
    w.setBrokerDown(true);
    const error = await resolver.resolveAndDecide({ message: message(version(0), { id: 1, sku: 'x' }, ITEM), routes: [route] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DagpactError);
    expect((error as DagpactError).retriable).toBe(true);
    w.setBrokerDown(false);
    const { decisions } = await resolver.resolveAndDecide({ message: message(version(0), { id: 1, sku: 'x' }, ITEM), routes: [route] });
    expect(decisions[0]!.outcome).toBe('ACCEPT');
    expect(w.calls.getSchema).toBe(2);
  });

  it('a version the broker has no schema for is held UNKNOWN_SCHEMA, and answered from the cache after that', async () => {
    const w = world({});
    const resolver = makeResolver(w.deps);
    for (let i = 0; i < 3; i++) {
      const { decisions } = await resolver.resolveAndDecide({ message: message(version(5), { id: 1, sku: 'x' }, ITEM), routes: [route] });
      expect(decisions[0]!.reasonCode).toBe('UNKNOWN_SCHEMA');
      expect(decisions[0]!.reason).toContain('no schema version 5');
    }
    expect(w.calls.getSchema).toBe(1);
  });

  it('a Pulsar JSON-type version is recorded with its definition and no registry id', async () => {
    const definition = JSON.stringify({ type: 'record', name: 'Item', fields: [{ name: 'id', type: 'long' }] });
    const w = world({ 0: { type: 'JSON', data: definition } });
    const { decisions } = await makeResolver(w.deps).resolveAndDecide({ message: { topic: TOPIC, payload: new Uint8Array(Buffer.from('{"id":1}')), properties: {}, schemaVersion: version(0) }, routes: [route] });
    expect(decisions[0]).toMatchObject({ reasonCode: 'SCHEMA_MISMATCH', writer: { via: 'pulsar', pulsarType: 'JSON' } });
    expect(w.recorded).toEqual([{ topic: TOPIC, version: '0', pulsarType: 'JSON', definition }]);
  });

  it('Airflow unavailable is thrown as retriable, never a verdict', async () => {
    const w = world({ 0: { type: 'AVRO', data: JSON.stringify(ITEM) } });
    const resolver = makeResolver({
      ...w.deps,
      airflow: { target: { forwardTo: 'airflow' }, states: { get: async () => { throw new DagpactError('UPSTREAM_UNAVAILABLE', 'Airflow at http://airflow is unreachable'); } } },
    });
    const error = await resolver.resolveAndDecide({ message: message(version(0), { id: 1, sku: 'x' }, ITEM), routes: [route] }).catch((e: unknown) => e);
    expect((error as DagpactError).retriable).toBe(true);
  });
  it.each([10_000, 1])('keeps each (topic, version) to its own writer once known, across partitions and versions (cache entries %i)', async (cacheEntries) => {
    const w = world({ 0: { type: 'AVRO', data: JSON.stringify(ITEM) }, 1: { type: 'AVRO', data: JSON.stringify(ITEM_V2) }, 4_294_967_296: { type: 'AVRO', data: JSON.stringify(ITEM_V2) } });
    const resolver = makeResolver({ ...w.deps, cacheEntries });
    const versions = [0, 1, 4_294_967_296]; // the last has a high word: not a small counter
    for (let i = 0; i < 60; i++) {
      const v = versions[i % 3]!;
      const topic = i % 2 ? `${TOPIC}-partition-${i % 4}` : TOPIC;
      const m = v === 0 ? message(version(v), { id: i, sku: `s${i}` }, ITEM, topic) : message(version(v), { sku: `s${i}`, id: i, n: 1 }, ITEM_V2, topic);
      const [d] = (await resolver.resolveAndDecide({ message: m, routes: [route] })).decisions;
      expect(d!.outcome).toBe('ACCEPT');
      expect(d!.writer).toMatchObject({ via: 'pulsar', pulsarVersion: String(v) });
    }
    // Read from the broker once per version of the partitioned topic, whatever the cache bound (an evicted
    // version is found again in what was recorded).
    expect(w.calls.getSchema).toBe(3);
    expect(w.calls.record).toBe(3);
  });
});
