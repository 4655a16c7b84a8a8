// Confluent's wire format, read in one place: magic byte 0, a 4-byte big-endian schema id, then the
// encoded value. The gatekeeper identifies a writer schema by it; the quarantine strips it to decode.

const MAGIC = 0;
const HEADER_BYTES = 5;

/** The schema id and the body of a Confluent-framed payload; undefined when it has no frame (or id 0). */
export function readConfluentFrame(payload: Uint8Array): { schemaId: number; body: Uint8Array } | undefined {
  if (payload.length < HEADER_BYTES || payload[0] !== MAGIC) return undefined;
  const schemaId = ((payload[1]! << 24) >>> 0) + (payload[2]! << 16) + (payload[3]! << 8) + payload[4]!;
  return schemaId > 0 ? { schemaId, body: payload.subarray(HEADER_BYTES) } : undefined;
}
