// The I/O that feeds decide(): resolve Pulsar's per-message schema version through the broker's
// registry and match it to dagpact's registry by fingerprint, and load every schema id the message
// claims plus every reader schema. Results are cached (schema ids and broker versions are immutable).
import { DagpactError } from '../core/errors.js';
import type { ParsedSchema, SchemaFormat } from '../core/formats/types.js';
import type { Registry } from '../core/registry/types.js';
import { decide, schemaIdsNeeded, type Decision, type FormatLookup, type VerdictCache } from './decide.js';
import { claimedSchemaIds, schemaVersionText } from './identify.js';
import type { BrokerSchemaSource, MismatchPolicy, Route } from './types.js';

export interface ResolveDeps {
  registry: Pick<Registry, 'parsedById' | 'findSchemaByFingerprint'>;
  formats: FormatLookup;
  /** Absent (e.g. on an API server without Pulsar): Pulsar schema versions are then left unresolved. */
  brokerSchemas?: BrokerSchemaSource;
  verdicts: VerdictCache;
  noRoutePolicy: MismatchPolicy;
}

export type PulsarWriter = { schemaId: number } | { unmatched: string } | undefined;

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

const BROKER_FORMATS: Record<string, SchemaFormat | undefined> = { AVRO: 'AVRO', JSON: 'JSON' };

export function makeResolver(deps: ResolveDeps) {
  const parsed = new BoundedCache<ParsedSchema | null>(10_000);
  const pulsarVersions = new BoundedCache<{ schemaId: number } | { unmatched: string }>(10_000);

  async function schema(id: number): Promise<ParsedSchema | null> {
    const hit = parsed.get(String(id));
    if (hit !== undefined) return hit;
    try {
      const value = await deps.registry.parsedById({ id });
      parsed.set(String(id), value);
      return value;
    } catch (error) {
      // An unknown id is an answer (cached only briefly in effect: ids can be registered later, so not cached).
      if (error instanceof DagpactError && error.code === 'SCHEMA_NOT_FOUND') return null;
      throw error;
    }
  }

  async function pulsarWriter(topic: string, version: Uint8Array | undefined): Promise<PulsarWriter> {
    const text = schemaVersionText(version);
    if (!text || !deps.brokerSchemas) return text ? { unmatched: text } : undefined;
    const key = `${topic}#${text}`;
    const hit = pulsarVersions.get(key);
    if (hit) return hit;
    const brokerSchema = await deps.brokerSchemas.getSchema(topic, version!);
    const format = brokerSchema ? BROKER_FORMATS[brokerSchema.type.toUpperCase()] : undefined;
    let result: { schemaId: number } | { unmatched: string } = { unmatched: text };
    if (brokerSchema && format) {
      let fingerprint: string | undefined;
      try {
        fingerprint = deps.formats.get(format).parse(brokerSchema.data).fingerprint;
      } catch {
        // Pulsar's JSON type describes JSON with an Avro definition: not a JSON Schema, so unmatched.
      }
      const stored = fingerprint ? await deps.registry.findSchemaByFingerprint({ format, fingerprint }) : undefined;
      if (stored) result = { schemaId: stored.id };
    }
    // A match is permanent; an unmatched version may match once its schema is registered, so it is not cached.
    if ('schemaId' in result) pulsarVersions.set(key, result);
    return result;
  }

  /** Resolves what the message claims and decides for each route. Throws on transient failures. */
  async function resolveAndDecide(args: {
    message: { topic: string; payload: Uint8Array; properties: Record<string, string>; schemaVersion?: Uint8Array; undecodable?: string };
    routes: readonly Route[];
    pulsarWriterOverride?: PulsarWriter;
  }): Promise<{ decisions: Decision[]; pulsarWriter: PulsarWriter }> {
    const writer = args.pulsarWriterOverride ?? await pulsarWriter(args.message.topic, args.message.schemaVersion);
    const ids = schemaIdsNeeded(args.routes, claimedSchemaIds(args.message), writer && 'schemaId' in writer ? writer.schemaId : undefined);
    const schemas = new Map<number, ParsedSchema | null>();
    await Promise.all(ids.map(async (id) => { schemas.set(id, await schema(id)); }));
    for (const route of args.routes) {
      if (!schemas.get(route.schemaId)) {
        // The contract's reader schema is a foreign key: missing means the registry is not answering right.
        throw new DagpactError('UPSTREAM_ERROR', `reader schema ${route.schemaId} of ${route.dagId}@${route.dagVersion} could not be loaded`);
      }
    }
    const decisions = decide({
      message: args.message, routes: args.routes, pulsarWriter: writer, schemas,
      formats: deps.formats, verdicts: deps.verdicts, noRoutePolicy: deps.noRoutePolicy,
    });
    return { decisions, pulsarWriter: writer };
  }

  return { resolveAndDecide, schema, pulsarWriter };
}

export type Resolver = ReturnType<typeof makeResolver>;
