// Decoding a held payload for people: by its writer schema when the record names one (stripping a
// Confluent prefix), into JSON-safe values (bytes → base64, bigint → string).
import { readConfluentFrame } from '../confluent-frame.js';
import type { FormatLookup } from '../formats/types.js';
import type { Registry } from '../registry/types.js';
import { redactMessage, type RedactionPolicy } from './redact.js';
import type { QuarantineRecord } from './types.js';

export interface DecodedPayload {
  /** The writer schema id used, when the payload could be decoded. */
  schemaId?: number;
  value?: unknown;
  /** Why it could not be decoded. */
  error?: string;
}

export function toJsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonSafe(v)]));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonSafe(v)]));
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function confluentBody(payload: Uint8Array, schemaId: number): Uint8Array {
  const frame = readConfluentFrame(payload);
  return frame?.schemaId === schemaId ? frame.body : payload;
}

export async function decodePayload(
  record: Pick<QuarantineRecord, 'payload' | 'detectedSchemaId' | 'expectedSchemaId'>,
  deps: { registry: Pick<Registry, 'parsedById'>; formats: FormatLookup },
): Promise<DecodedPayload> {
  const schemaId = record.detectedSchemaId ?? record.expectedSchemaId ?? undefined;
  if (schemaId === undefined) {
    try {
      return { value: JSON.parse(Buffer.from(record.payload).toString('utf8')) as unknown };
    } catch {
      return { error: 'no writer schema is known for this payload and it is not JSON; see payload_base64' };
    }
  }
  try {
    const schema = await deps.registry.parsedById({ id: schemaId });
    const check = deps.formats.get(schema.format).checkPayload(confluentBody(record.payload, schemaId), schema);
    if (check.ok) return { schemaId, value: toJsonSafe(check.value) };
    return { schemaId, error: `the payload does not decode with schema ${schemaId}: ${check.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` };
  } catch (error) {
    return { schemaId, error: `schema ${schemaId} could not be read: ${(error as Error).message}` };
  }
}

/**
 * A decoded value as someone without payload:read sees it: redactMessage (redact.ts) applied with each
 * named schema's document (the writer's, and for the gatekeeper also the contract's reader schema, so a
 * field tagged on either side is hidden) and the contract's sensitive paths. Schemas that cannot be
 * read count as no schema: fields are then judged by name. Returns the value and the redacted paths.
 */
export async function redactDecoded(value: unknown, deps: {
  registry: Pick<Registry, 'getSchemaById'>;
  schemaIds: ReadonlyArray<number | undefined>;
  contractPaths?: readonly string[];
  policy?: RedactionPolicy;
}): Promise<{ value: unknown; redacted: string[] }> {
  const schemas: Array<{ format: 'AVRO' | 'JSON'; document: unknown } | undefined> = [];
  for (const id of new Set(deps.schemaIds.filter((i): i is number => i !== undefined))) {
    const stored = await deps.registry.getSchemaById({ id });
    schemas.push({ format: stored.format === 'AVRO' ? 'AVRO' : 'JSON', document: JSON.parse(stored.schema) as unknown });
  }
  if (schemas.length === 0) schemas.push(undefined);
  let out = value;
  const redacted = new Set<string>();
  for (const schema of schemas) {
    const r = redactMessage({
      value: out, ...(schema ? { schema } : {}), ...(deps.contractPaths ? { contractPaths: deps.contractPaths } : {}), properties: {},
      ...(deps.policy ? { policy: deps.policy } : {}),
    });
    out = r.value;
    r.redacted.forEach((p) => redacted.add(p));
  }
  return { value: out, redacted: [...redacted] };
}

/** What the quarantine envelope shows of a sensitive payload instead of its bytes. */
export type RedactedPreview =
  | { schemaId: number; value: unknown; redacted: string[] }
  | { error: string };

/**
 * A held payload decoded with the writer schema the gatekeeper identified and redacted as for a viewer
 * without payload:read (the writer's and the reader's tags, the contract's paths). Without an identified
 * writer nothing is decoded: judging fields by name alone could show a field the schemas tag.
 */
export async function redactedPreview(
  message: { payload: Uint8Array; writerSchemaId?: number; readerSchemaId?: number; contractPaths?: readonly string[] },
  deps: { registry: Pick<Registry, 'getSchemaById' | 'parsedById'>; formats: FormatLookup; policy?: RedactionPolicy },
): Promise<RedactedPreview> {
  if (message.writerSchemaId === undefined) return { error: 'not decoded: the writer schema of this payload was not identified in the registry' };
  const decoded = await decodePayload({ payload: message.payload, detectedSchemaId: message.writerSchemaId, expectedSchemaId: null }, deps);
  if (decoded.error !== undefined || decoded.schemaId === undefined) return { error: `not decoded: ${decoded.error ?? 'no writer schema'}` };
  try {
    const out = await redactDecoded(decoded.value, {
      registry: deps.registry, schemaIds: [decoded.schemaId, message.readerSchemaId],
      ...(message.contractPaths ? { contractPaths: message.contractPaths } : {}), ...(deps.policy ? { policy: deps.policy } : {}),
    });
    return { schemaId: decoded.schemaId, ...out };
  } catch (error) {
    return { error: `not redacted: a schema could not be read (${(error as Error).message})` };
  }
}
