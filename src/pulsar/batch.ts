// Batch payloads: N × [u32 size][SingleMessageMetadata][payload], carried by one entry whose
// MessageMetadata.num_messages_in_batch = N.
import { has, propertiesOf, u64 } from './proto.js';
import { decodeIncomingSingleMetadata } from './wire-decode.js';
import { encodeOutgoingSingleMetadata } from './wire.js';

export interface BatchItem {
  payload: Buffer;
  properties: Record<string, string>;
  key?: string;
  eventTime?: number;
  sequenceId?: bigint;
  compactedOut?: boolean;
  nullValue?: boolean;
}

export function encodeBatch(items: BatchItem[]): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    const meta = encodeOutgoingSingleMetadata({
      properties: item.properties,
      payloadSize: item.payload.length,
      ...(item.key !== undefined ? { partitionKey: item.key } : {}),
      ...(item.eventTime ? { eventTime: item.eventTime } : {}),
      ...(item.sequenceId !== undefined ? { sequenceId: item.sequenceId } : {}),
    });
    const size = Buffer.allocUnsafe(4);
    size.writeUInt32BE(meta.length, 0);
    parts.push(size, meta, item.payload);
  }
  return Buffer.concat(parts);
}

/** Splits a (decompressed) batch payload; throws a descriptive error when the layout is inconsistent. */
export function decodeBatch(payload: Buffer, count: number): BatchItem[] {
  const items: BatchItem[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (payload.length - at < 4) throw new Error(`batch truncated at message ${i} of ${count}`);
    const metaSize = payload.readUInt32BE(at);
    at += 4;
    if (metaSize > payload.length - at) throw new Error(`batch message ${i}: metadata size ${metaSize} exceeds payload`);
    const meta = decodeIncomingSingleMetadata(payload.subarray(at, at + metaSize));
    at += metaSize;
    const size = meta.payload_size as number;
    if (size < 0 || size > payload.length - at) throw new Error(`batch message ${i}: payload size ${size} exceeds payload`);
    const item: BatchItem = {
      payload: payload.subarray(at, at + size),
      properties: propertiesOf(meta.properties),
    };
    if (has(meta, 'partition_key')) item.key = meta.partition_key as string;
    if (has(meta, 'event_time')) item.eventTime = Number(u64(meta.event_time));
    if (has(meta, 'sequence_id')) item.sequenceId = u64(meta.sequence_id);
    if (meta.compacted_out) item.compactedOut = true;
    if (meta.null_value) item.nullValue = true;
    items.push(item);
    at += size;
  }
  return items;
}
