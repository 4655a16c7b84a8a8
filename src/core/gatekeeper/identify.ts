// Reading the writer-schema claims a message carries, without any I/O: the Confluent wire-format
// prefix (magic byte 0 + 4-byte big-endian schema id) and the `dagpact-schema-id` property. Pulsar's
// per-message schema version is resolved by the caller (it needs the broker) and passed to decide().

export const SCHEMA_ID_PROPERTY = 'dagpact-schema-id';
export const CONFLUENT_MAGIC = 0;
export const CONFLUENT_HEADER_BYTES = 5;

/** The schema id in a Confluent wire-format prefix, or undefined when the payload has none. */
export function confluentSchemaId(payload: Uint8Array): number | undefined {
  if (payload.length < CONFLUENT_HEADER_BYTES || payload[0] !== CONFLUENT_MAGIC) return undefined;
  const id = ((payload[1]! << 24) >>> 0) + (payload[2]! << 16) + (payload[3]! << 8) + payload[4]!;
  return id > 0 ? id : undefined;
}

/** The schema id named by the `dagpact-schema-id` property; NaN when present but not a positive integer. */
export function propertySchemaId(properties: Record<string, string>): number | undefined {
  const raw = properties[SCHEMA_ID_PROPERTY];
  if (raw === undefined) return undefined;
  return /^\d{1,10}$/.test(raw.trim()) && Number(raw) > 0 ? Number(raw) : NaN;
}

/** Every registry schema id the message claims, for the caller to look up before deciding. */
export function claimedSchemaIds(message: { payload: Uint8Array; properties: Record<string, string> }): number[] {
  const ids = [confluentSchemaId(message.payload), propertySchemaId(message.properties)];
  return ids.filter((id): id is number => id !== undefined && Number.isFinite(id));
}

/** Pulsar's schema version bytes rendered as text (a big-endian long when 8 bytes; hex otherwise). */
export function schemaVersionText(version: Uint8Array | undefined): string | undefined {
  if (!version || version.length === 0) return undefined;
  if (version.length === 8) return Buffer.from(version).readBigInt64BE(0).toString();
  return Buffer.from(version).toString('hex');
}
