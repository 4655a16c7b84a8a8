// The I/O that feeds decide(): the writer schema behind Pulsar's per-message schema version, read from
// the broker's registry once per (topic, version) — versions are immutable — parsed, and recorded in
// dagpact's registry (content-addressed id, broker_schemas row); every schema id the message claims and
// every reader schema; and, for DAGs forwarded to Airflow, the DAG version Airflow runs.
import { writerSchemaRow, type BrokerWriterLog } from '../core/registry/broker-writers.js';
import { DagpactError } from '../core/errors.js';
import type { FormatLookup, ParsedSchema, SchemaFormat } from '../core/formats/types.js';
import type { Registry } from '../core/registry/types.js';
import { forwardsToAirflow, partitionedTopic, type ForwardTarget } from '../core/gatekeeper/routes.js';
import { decide, schemaIdsNeeded, type DecisionInput, type AirflowDagState, type Decision, type PulsarWriter, type VerdictCache } from '../core/gatekeeper/decide.js';
import { claimedSchemaIds, schemaVersionText, smallSchemaVersion } from '../core/gatekeeper/identify.js';
import type { BrokerSchemaSource, MismatchPolicy, Route } from './types.js';

export type { PulsarWriter } from '../core/gatekeeper/decide.js';

/** What Airflow runs for each DAG; cached by the implementation. Throws retriable errors when Airflow is unavailable. */
export interface AirflowDagStates {
  get(dagId: string): Promise<AirflowDagState | null>;
}

export interface ResolveDeps {
  registry: Pick<Registry, 'parsedById'>;
  formats: FormatLookup;
  /** Absent (e.g. on an API server without Pulsar): versions not recorded yet are then unresolved. */
  brokerSchemas?: BrokerSchemaSource;
  /** Where broker schemas are recorded (and found again after a restart, or by a replay). */
  writers: BrokerWriterLog;
  verdicts: VerdictCache;
  noRoutePolicy: MismatchPolicy;
  /** Where accepted messages go and what Airflow runs: DAGs forwarded to Airflow are checked against it. */
  airflow?: { target: ForwardTarget; states: AirflowDagStates };
  /** Entries each of the resolver's caches keeps (parsed writers, broker schema versions, topics); default 10,000. */
  cacheEntries?: number;
}

/** A bounded Map: the oldest entries go first once `max` is reached. */
export class BoundedCache<V> extends Map<string, V> {
  constructor(private readonly max: number) { super(); }
  override set(key: string, value: V): this {
    if (this.size >= this.max && !this.has(key)) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

const NO_IDS: readonly number[] = [];

/** Pulsar schema types whose definitions are schemas of a registry format. */
const REGISTRY_FORMATS: Record<string, SchemaFormat | undefined> = { AVRO: 'AVRO' };


export function makeResolver(deps: ResolveDeps) {
  const entries = deps.cacheEntries ?? 10_000;
  const parsed = new BoundedCache<ParsedSchema | null>(entries);
  // Promises, so concurrent messages of one new version share one broker read and one record.
  const pulsarVersions = new BoundedCache<Promise<PulsarWriter>>(entries);
  const baseTopics = new BoundedCache<string>(entries);
  /** The settled values of pulsarVersions, so that a known version is used without a promise. */
  const resolvedWriters = new BoundedCache<PulsarWriter>(entries);

  async function schema(id: number): Promise<ParsedSchema | null> {
    const hit = parsed.get(String(id));
    if (hit !== undefined) return hit;
    try {
      const value = await deps.registry.parsedById({ id });
      parsed.set(String(id), value);
      return value;
    } catch (error) {
      // An unknown id is an answer, not cached: ids can be registered later.
      if (error instanceof DagpactError && error.code === 'SCHEMA_NOT_FOUND') return null;
      throw error;
    }
  }

  async function loadPulsarWriter(topic: string, version: Uint8Array, text: string): Promise<PulsarWriter> {
    const recorded = await deps.writers.find({ topic, version: text });
    if (recorded?.schemaId !== undefined) {
      const s = await schema(recorded.schemaId);
      if (s) return { version: text, pulsarType: recorded.pulsarType, schemaId: recorded.schemaId, schema: s };
    } else if (recorded) {
      return { version: text, pulsarType: recorded.pulsarType, definition: recorded.definition };
    }
    if (!deps.brokerSchemas) return { version: text, unresolved: 'this process is not connected to the broker, and the version was never recorded' };
    const brokerSchema = await deps.brokerSchemas.getSchema(topic, version);
    if (!brokerSchema) return { version: text, unresolved: `the broker has no schema version ${text} for ${topic} (deleted?)` };
    const pulsarType = brokerSchema.type.toUpperCase();
    const format = REGISTRY_FORMATS[pulsarType];
    if (!format) {
      await deps.writers.record({ topic, version: text, pulsarType, definition: brokerSchema.data });
      return { version: text, pulsarType, definition: brokerSchema.data };
    }
    let parsedWriter: ParsedSchema;
    try {
      parsedWriter = deps.formats.get(format).parse(brokerSchema.data);
    } catch (error) {
      return { version: text, unresolved: `the broker's ${pulsarType} definition for version ${text} is not a valid schema: ${(error as Error).message}` };
    }
    const { schemaId } = await deps.writers.record({
      topic, version: text, pulsarType, definition: brokerSchema.data, schema: writerSchemaRow(format, brokerSchema.data, parsedWriter),
    });
    parsed.set(String(schemaId!), parsedWriter);
    return { version: text, pulsarType, schemaId: schemaId!, schema: parsedWriter };
  }

  /** A partition's topic → its partitioned topic (a regular expression), once per topic. */
  function baseTopic(topic: string): string {
    let base = baseTopics.get(topic);
    if (base === undefined) { base = partitionedTopic(topic); baseTopics.set(topic, base); }
    return base;
  }

  function loadWriter(base: string, version: Uint8Array, text: string, key: string): Promise<PulsarWriter> {
    let pending = pulsarVersions.get(key);
    if (!pending) {
      const loading = loadPulsarWriter(base, version, text);
      pending = loading;
      pulsarVersions.set(key, loading);
      loading.then((writer) => { if (pulsarVersions.get(key) === loading) resolvedWriters.set(key, writer); },
        // A failure (broker or database unavailable) is not an answer: the next message asks again.
        () => { if (pulsarVersions.get(key) === loading) pulsarVersions.delete(key); });
    }
    return pending;
  }

  /**
   * Known writers by the message's own topic and the version's value (versions are small counters):
   * found without building the version's text or a key string, which every message would otherwise do.
   * A mirror of resolvedWriters (a version's writer never changes), bounded the same way.
   */
  const knownWriters = new Map<string, Map<number, PulsarWriter>>();
  function remember(topic: string, small: number, writer: PulsarWriter) {
    let byVersion = knownWriters.get(topic);
    if (!byVersion) {
      if (knownWriters.size >= entries) knownWriters.clear();
      byVersion = new Map();
      knownWriters.set(topic, byVersion);
    }
    if (byVersion.size >= entries) byVersion.clear();
    byVersion.set(small, writer);
  }

  /**
   * The writer behind a message's Pulsar schema version; undefined when it carries none. Without a
   * promise once the version is known (every message after the first of a version). Throws transient failures.
   */
  function pulsarWriter(topic: string, version: Uint8Array | undefined): PulsarWriter | undefined | Promise<PulsarWriter | undefined> {
    const small = smallSchemaVersion(version);
    if (small !== undefined) {
      const known = knownWriters.get(topic)?.get(small);
      if (known) return known;
    }
    const text = schemaVersionText(version);
    if (text === undefined) return undefined;
    const base = baseTopic(topic);
    const key = `${base}#${text}`;
    const resolved = resolvedWriters.get(key);
    if (resolved) {
      if (small !== undefined) remember(topic, small, resolved);
      return resolved;
    }
    return loadWriter(base, version!, text, key);
  }

  async function airflowStates(routes: readonly Route[]): Promise<Map<string, AirflowDagState | null> | undefined> {
    const airflow = deps.airflow;
    if (!airflow) return undefined;
    const dags = [...new Set(routes.filter((r) => forwardsToAirflow(r, airflow.target)).map((r) => r.dagId))];
    if (dags.length === 0) return undefined;
    const states = new Map<string, AirflowDagState | null>();
    await Promise.all(dags.map(async (dagId) => { states.set(dagId, await airflow.states.get(dagId)); }));
    return states;
  }

  type Resolved = { decisions: Decision[]; pulsarWriter: PulsarWriter | undefined };
  type ResolveArgs = {
    message: { topic: string; payload: Uint8Array; properties: Record<string, string>; schemaVersion?: Uint8Array; undecodable?: string };
    routes: readonly Route[];
  };

  /**
   * Resolves what the message claims and decides for each route. Throws on transient failures. Without
   * a promise when the writer and every schema are cached and no Airflow state is needed, as for almost
   * every message: the gatekeeper's hot path takes the answer in the same tick (it may also throw there).
   */
  function resolveAndDecideNow(args: ResolveArgs): Resolved | Promise<Resolved> {
    const found = args.message.undecodable === undefined ? pulsarWriter(args.message.topic, args.message.schemaVersion) : undefined;
    if (found instanceof Promise) return found.then((writer) => withWriter(args, writer));
    return withWriter(args, found);
  }

  function withWriter(args: ResolveArgs, writer: PulsarWriter | undefined): Resolved | Promise<Resolved> {
    // A writer the broker names decides alone: a payload that happens to start like a Confluent frame
    // (a zero byte) is data then, and looking its "id" up would ask the database for every such message.
    const ids = schemaIdsNeeded(args.routes, writer && !('unresolved' in writer) ? NO_IDS : claimedSchemaIds(args.message));
    const schemas = new Map<number, ParsedSchema | null>();
    let missing: number[] | undefined;
    for (const id of ids) {
      const hit = parsed.get(String(id));
      if (hit !== undefined) schemas.set(id, hit);
      else (missing ??= []).push(id);
    }
    if (missing || deps.airflow) return withSchemas(args, writer, schemas, missing);
    return decided(args, writer, schemas, undefined);
  }

  async function withSchemas(args: ResolveArgs, writer: PulsarWriter | undefined, schemas: Map<number, ParsedSchema | null>, missing: number[] | undefined): Promise<Resolved> {
    if (missing) await Promise.all(missing.map(async (id) => { schemas.set(id, await schema(id)); }));
    let airflow: DecisionInput['airflow'];
    if (deps.airflow) {
      const dags = await airflowStates(args.routes);
      if (dags) airflow = { target: deps.airflow.target, dags };
    }
    return decided(args, writer, schemas, airflow);
  }

  function decided(args: ResolveArgs, writer: PulsarWriter | undefined, schemas: Map<number, ParsedSchema | null>, airflow: DecisionInput['airflow']): Resolved {
    for (const route of args.routes) {
      if (!schemas.get(route.schemaId)) {
        // The contract's reader schema is a foreign key: missing means the registry is not answering right.
        throw new DagpactError('UPSTREAM_ERROR', `reader schema ${route.schemaId} of ${route.dagId}@${route.dagVersion} could not be loaded`);
      }
    }
    const input: DecisionInput = {
      message: args.message, routes: args.routes, schemas, formats: deps.formats, verdicts: deps.verdicts, noRoutePolicy: deps.noRoutePolicy,
    };
    if (writer) input.pulsarWriter = writer;
    if (airflow) input.airflow = airflow;
    return { decisions: decide(input), pulsarWriter: writer };
  }

  /** resolveAndDecideNow, always as a promise (a throw is a rejection). */
  const resolveAndDecide = async (args: ResolveArgs): Promise<Resolved> => resolveAndDecideNow(args);

  return { resolveAndDecide, resolveAndDecideNow, schema };
}

export type Resolver = ReturnType<typeof makeResolver>;
