// Reading the writer-schema claims a message carries, without any I/O: the Confluent wire-format
// prefix (core/confluent-frame.ts) and the `dagpact-schema-id` property. Pulsar's per-message schema
// version is resolved by the caller (it needs the broker) and passed to decide().
import { readConfluentFrame } from '../confluent-frame.js';

export const SCHEMA_ID_PROPERTY = 'dagpact-schema-id';

/** The schema id named by the `dagpact-schema-id` property; NaN when present but not a positive integer. */
export function propertySchemaId(properties: Record<string, string>): number | undefined {
  const raw = properties[SCHEMA_ID_PROPERTY];
  if (raw === undefined) return undefined;
  return /^\d{1,10}$/.test(raw.trim()) && Number(raw) > 0 ? Number(raw) : NaN;
}

/** Every registry schema id the message claims, for the caller to look up before deciding. */
export function claimedSchemaIds(message: { payload: Uint8Array; properties: Record<string, string> }): number[] {
  const ids = [readConfluentFrame(message.payload)?.schemaId, propertySchemaId(message.properties)];
  return ids.filter((id): id is number => id !== undefined && Number.isFinite(id));
}

/** Pulsar's schema version bytes rendered as text (a big-endian long when 8 bytes; hex otherwise). */
/**
 * A Pulsar schema version that is a small counter (8 bytes, high word 0): its value, else undefined.
 * Every message of the Pulsar-native path asks, so it reads the bytes without a copy or a BigInt.
 */
export function smallSchemaVersion(version: Uint8Array | undefined): number | undefined {
  if (!version || version.length !== 8 || (version[0]! | version[1]! | version[2]! | version[3]!) !== 0) return undefined;
  return ((version[4]! << 24) | (version[5]! << 16) | (version[6]! << 8) | version[7]!) >>> 0;
}

export function schemaVersionText(version: Uint8Array | undefined): string | undefined {
  if (!version || version.length === 0) return undefined;
  const small = smallSchemaVersion(version);
  if (small !== undefined) return String(small);
  if (version.length === 8) return Buffer.from(version.buffer, version.byteOffset, 8).readBigInt64BE(0).toString();
  return Buffer.from(version.buffer, version.byteOffset, version.byteLength).toString('hex');
}
