// Decoding a held payload for people: by its writer schema when the record names one (stripping a
// Confluent prefix), into JSON-safe values (bytes → base64, bigint → string).
import { readConfluentFrame } from '../confluent-frame.js';
import type { FormatLookup } from '../formats/types.js';
import type { Registry } from '../registry/types.js';
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
  record: QuarantineRecord,
  deps: { registry: Registry; formats: FormatLookup },
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
