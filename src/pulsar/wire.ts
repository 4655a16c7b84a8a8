// Hand-written protobuf encoders for what is sent once per message: the SEND frame (CommandSend +
// MessageMetadata + payload), an ACK of one message id and a batch's SingleMessageMetadata. Going
// through protobufjs' fromObject + encode cost about 1 µs per property on every send (a KeyValue
// object per property, 64-bit values parsed from decimal strings); these write the same bytes straight
// into the frame buffer. Every other command still goes through proto.ts. Field numbers are
// PulsarApi.proto's (the same as proto.ts); test/unit/pulsar/wire.test.ts checks these encoders
// byte for byte against protobufjs.
import { crc32c } from './crc32c.js';

/** The MessageMetadata fields a producer sets (PulsarApi.proto field numbers in the comments). */
export interface OutgoingMetadata {
  producerName: string; // 1
  sequenceId: bigint; // 2
  publishTime: number; // 3
  properties?: Record<string, string>; // 4 (KeyValue: key 1, value 2)
  partitionKey?: string; // 6
  compression?: number; // 8
  uncompressedSize?: number; // 9
  numMessagesInBatch?: number; // 11
  eventTime?: number; // 12
  schemaVersion?: Uint8Array; // 16
  highestSequenceId?: bigint; // 24
}

/** A SingleMessageMetadata of one message inside a batch. */
export interface OutgoingSingleMetadata {
  properties?: Record<string, string>; // 1
  partitionKey?: string; // 2
  payloadSize: number; // 3
  eventTime?: number; // 5
  sequenceId?: bigint; // 8
}

/** A MessageIdData as ACK and REDELIVER carry it. */
export interface OutgoingMessageId {
  ledgerId: bigint; // 1
  entryId: bigint; // 2
  partition?: number; // 3, only when >= 0
  ackSet?: bigint[]; // 5 (repeated int64, unpacked in proto2)
  batchSize?: number; // 6
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const tag = (field: number, wire: number) => (field << 3) | wire;

const MAGIC_CRC32C = 0x0e01;
const BASE_TYPE_SEND = 6;
const BASE_TYPE_ACK = 10;
const BASE_FIELD_SEND = 6;
const BASE_FIELD_ACK = 10;

// ---- sizes -------------------------------------------------------------------------------------

/** Bytes of a non-negative integer below 2^53 as a varint. */
function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  n = Math.floor(n / 0x10000000);
  while (n > 0) { size++; n = Math.floor(n / 128); }
  return size;
}

/** A 64-bit value as protobuf writes it: negative numbers are their two's complement (10 bytes). */
function u64Of(value: bigint): bigint {
  return value < 0n ? BigInt.asUintN(64, value) : value;
}

function varint64Size(value: bigint): number {
  const v = u64Of(value);
  if (v <= 0x1fffffffffffffn) return varintSize(Number(v));
  let size = 1;
  for (let rest = v >> 7n; rest > 0n; rest >>= 7n) size++;
  return size;
}

/** Bytes of an integer varint: negative values are sign-extended to 64 bits (always 10 bytes). */
function intSize(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

/** UTF-8 length of a string, without allocating. */
function utf8Length(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { len += 4; i++; }
    else len += 3;
  }
  return len;
}

// ---- writers (each returns the offset after what it wrote) -------------------------------------

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

function writeVarint64(buf: Buffer, at: number, value: bigint): number {
  let v = u64Of(value);
  if (v <= 0x1fffffffffffffn) return writeVarint(buf, at, Number(v));
  while (v >= 0x80n) {
    buf[at++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[at++] = Number(v);
  return at;
}

function writeInt(buf: Buffer, at: number, n: number): number {
  return n < 0 ? writeVarint64(buf, at, BigInt(n)) : writeVarint(buf, at, n);
}

/** Writes a string whose UTF-8 length is `len` (computed by utf8Length). */
function writeString(buf: Buffer, at: number, s: string, len: number): number {
  at = writeVarint(buf, at, len);
  if (len === s.length) {
    // All ASCII: a plain loop beats a call into the runtime for the short strings metadata carries.
    if (len < 64) { for (let i = 0; i < len; i++) buf[at + i] = s.charCodeAt(i); }
    else buf.write(s, at, len, 'latin1');
  } else {
    buf.write(s, at, len, 'utf8');
  }
  return at + len;
}

function writeBytes(buf: Buffer, at: number, bytes: Uint8Array): number {
  at = writeVarint(buf, at, bytes.length);
  buf.set(bytes, at);
  return at + bytes.length;
}

// ---- properties (KeyValue { key = 1; value = 2 }) ----------------------------------------------

/** UTF-8 lengths of a property map as [keyLen, valueLen, ...] plus the encoded size of the field. */
function propertiesSize(props: Record<string, string> | undefined, field: number, lengths: number[]): number {
  if (!props) return 0;
  let size = 0;
  const tagSize = varintSize(tag(field, WIRE_LEN));
  for (const key in props) {
    const value = props[key]!;
    const k = utf8Length(key);
    const v = utf8Length(value);
    lengths.push(k, v);
    const inner = 1 + varintSize(k) + k + 1 + varintSize(v) + v;
    size += tagSize + varintSize(inner) + inner;
  }
  return size;
}

function writeProperties(buf: Buffer, at: number, props: Record<string, string> | undefined, field: number, lengths: number[], from: number): number {
  if (!props) return at;
  let i = from;
  for (const key in props) {
    const value = props[key]!;
    const k = lengths[i++]!;
    const v = lengths[i++]!;
    at = writeVarint(buf, at, tag(field, WIRE_LEN));
    at = writeVarint(buf, at, 1 + varintSize(k) + k + 1 + varintSize(v) + v);
    buf[at++] = tag(1, WIRE_LEN);
    at = writeString(buf, at, key, k);
    buf[at++] = tag(2, WIRE_LEN);
    at = writeString(buf, at, value, v);
  }
  return at;
}

// ---- MessageMetadata ---------------------------------------------------------------------------

interface Sized { size: number; lengths: number[] }

function metadataSize(m: OutgoingMetadata): Sized {
  const lengths: number[] = [utf8Length(m.producerName)];
  let size = 1 + varintSize(lengths[0]!) + lengths[0]!;
  size += 1 + varint64Size(m.sequenceId);
  size += 1 + intSize(m.publishTime);
  size += propertiesSize(m.properties, 4, lengths);
  if (m.partitionKey !== undefined) { const k = utf8Length(m.partitionKey); lengths.push(k); size += 1 + varintSize(k) + k; }
  if (m.compression !== undefined) size += 1 + intSize(m.compression);
  if (m.uncompressedSize !== undefined) size += 1 + varintSize(m.uncompressedSize);
  if (m.numMessagesInBatch !== undefined) size += 1 + intSize(m.numMessagesInBatch);
  if (m.eventTime !== undefined) size += 1 + intSize(m.eventTime);
  if (m.schemaVersion !== undefined) size += 2 + varintSize(m.schemaVersion.length) + m.schemaVersion.length;
  if (m.highestSequenceId !== undefined) size += 2 + varint64Size(m.highestSequenceId);
  return { size, lengths };
}

function writeMetadata(buf: Buffer, at: number, m: OutgoingMetadata, lengths: number[]): number {
  buf[at++] = tag(1, WIRE_LEN);
  at = writeString(buf, at, m.producerName, lengths[0]!);
  buf[at++] = tag(2, WIRE_VARINT);
  at = writeVarint64(buf, at, m.sequenceId);
  buf[at++] = tag(3, WIRE_VARINT);
  at = writeInt(buf, at, m.publishTime);
  at = writeProperties(buf, at, m.properties, 4, lengths, 1);
  if (m.partitionKey !== undefined) { buf[at++] = tag(6, WIRE_LEN); at = writeString(buf, at, m.partitionKey, lengths[lengths.length - 1]!); }
  if (m.compression !== undefined) { buf[at++] = tag(8, WIRE_VARINT); at = writeInt(buf, at, m.compression); }
  if (m.uncompressedSize !== undefined) { buf[at++] = tag(9, WIRE_VARINT); at = writeVarint(buf, at, m.uncompressedSize); }
  if (m.numMessagesInBatch !== undefined) { buf[at++] = tag(11, WIRE_VARINT); at = writeInt(buf, at, m.numMessagesInBatch); }
  if (m.eventTime !== undefined) { buf[at++] = tag(12, WIRE_VARINT); at = writeInt(buf, at, m.eventTime); }
  if (m.schemaVersion !== undefined) { at = writeVarint(buf, at, tag(16, WIRE_LEN)); at = writeBytes(buf, at, m.schemaVersion); }
  if (m.highestSequenceId !== undefined) { at = writeVarint(buf, at, tag(24, WIRE_VARINT)); at = writeVarint64(buf, at, m.highestSequenceId); }
  return at;
}

/** MessageMetadata bytes (tests and callers that frame them themselves). */
export function encodeOutgoingMetadata(m: OutgoingMetadata): Buffer {
  const { size, lengths } = metadataSize(m);
  const buf = Buffer.allocUnsafe(size);
  writeMetadata(buf, 0, m, lengths);
  return buf;
}

// ---- frames ------------------------------------------------------------------------------------

export interface SendCommand {
  producerId: bigint;
  sequenceId: bigint;
  numMessages: number;
  /** Set for batches (CommandSend.highest_sequence_id). */
  highestSequenceId?: bigint;
}

/**
 * One complete SEND frame: [totalSize][cmdSize][BaseCommand{SEND}][magic][CRC32C][metadataSize]
 * [MessageMetadata][payload], in a single buffer.
 */
export function encodeSendFrame(send: SendCommand, metadata: OutgoingMetadata, payload: Uint8Array): Buffer {
  // CommandSend { producer_id = 1; sequence_id = 2; num_messages = 3; highest_sequence_id = 6 }
  let sendSize = 1 + varint64Size(send.producerId) + 1 + varint64Size(send.sequenceId) + 1 + intSize(send.numMessages);
  if (send.highestSequenceId !== undefined) sendSize += 1 + varint64Size(send.highestSequenceId);
  // BaseCommand { type = 1; send = 6 }
  const cmdSize = 1 + varintSize(BASE_TYPE_SEND) + 1 + varintSize(sendSize) + sendSize;
  const meta = metadataSize(metadata);
  const total = 4 + cmdSize + 2 + 4 + 4 + meta.size + payload.length;
  const frame = Buffer.allocUnsafe(4 + total);
  let at = 0;
  frame.writeUInt32BE(total, at); at += 4;
  frame.writeUInt32BE(cmdSize, at); at += 4;
  frame[at++] = tag(1, WIRE_VARINT);
  at = writeVarint(frame, at, BASE_TYPE_SEND);
  frame[at++] = tag(BASE_FIELD_SEND, WIRE_LEN);
  at = writeVarint(frame, at, sendSize);
  frame[at++] = tag(1, WIRE_VARINT);
  at = writeVarint64(frame, at, send.producerId);
  frame[at++] = tag(2, WIRE_VARINT);
  at = writeVarint64(frame, at, send.sequenceId);
  frame[at++] = tag(3, WIRE_VARINT);
  at = writeInt(frame, at, send.numMessages);
  if (send.highestSequenceId !== undefined) { frame[at++] = tag(6, WIRE_VARINT); at = writeVarint64(frame, at, send.highestSequenceId); }
  frame.writeUInt16BE(MAGIC_CRC32C, at); at += 2;
  const checksumAt = at; at += 4;
  const checksumFrom = at;
  frame.writeUInt32BE(meta.size, at); at += 4;
  at = writeMetadata(frame, at, metadata, meta.lengths);
  frame.set(payload, at);
  frame.writeUInt32BE(crc32c(frame.subarray(checksumFrom)), checksumAt);
  return frame;
}

function messageIdSize(id: OutgoingMessageId): number {
  let size = 1 + varint64Size(id.ledgerId) + 1 + varint64Size(id.entryId);
  if (id.partition !== undefined && id.partition >= 0) size += 1 + varintSize(id.partition);
  if (id.ackSet) for (const word of id.ackSet) size += 1 + varint64Size(word);
  if (id.batchSize !== undefined) size += 1 + intSize(id.batchSize);
  return size;
}

function writeMessageId(buf: Buffer, at: number, id: OutgoingMessageId): number {
  buf[at++] = tag(1, WIRE_VARINT);
  at = writeVarint64(buf, at, id.ledgerId);
  buf[at++] = tag(2, WIRE_VARINT);
  at = writeVarint64(buf, at, id.entryId);
  if (id.partition !== undefined && id.partition >= 0) { buf[at++] = tag(3, WIRE_VARINT); at = writeVarint(buf, at, id.partition); }
  if (id.ackSet) for (const word of id.ackSet) { buf[at++] = tag(5, WIRE_VARINT); at = writeVarint64(buf, at, word); }
  if (id.batchSize !== undefined) { buf[at++] = tag(6, WIRE_VARINT); at = writeInt(buf, at, id.batchSize); }
  return at;
}

/** A simple ACK frame: CommandAck { consumer_id = 1; ack_type = 2; message_id = 3 (repeated) }. */
export function encodeAckFrame(consumerId: bigint, ackType: 0 | 1, ids: OutgoingMessageId[]): Buffer {
  const idSizes = ids.map(messageIdSize);
  let ackSize = 1 + varint64Size(consumerId) + 1 + 1;
  for (const s of idSizes) ackSize += 1 + varintSize(s) + s;
  const cmdSize = 1 + varintSize(BASE_TYPE_ACK) + 1 + varintSize(ackSize) + ackSize;
  const frame = Buffer.allocUnsafe(8 + cmdSize);
  frame.writeUInt32BE(4 + cmdSize, 0);
  frame.writeUInt32BE(cmdSize, 4);
  let at = 8;
  frame[at++] = tag(1, WIRE_VARINT);
  at = writeVarint(frame, at, BASE_TYPE_ACK);
  frame[at++] = tag(BASE_FIELD_ACK, WIRE_LEN);
  at = writeVarint(frame, at, ackSize);
  frame[at++] = tag(1, WIRE_VARINT);
  at = writeVarint64(frame, at, consumerId);
  frame[at++] = tag(2, WIRE_VARINT);
  frame[at++] = ackType;
  ids.forEach((id, i) => {
    frame[at++] = tag(3, WIRE_LEN);
    at = writeVarint(frame, at, idSizes[i]!);
    at = writeMessageId(frame, at, id);
  });
  return frame;
}

/** SingleMessageMetadata bytes of one batched message. */
export function encodeOutgoingSingleMetadata(m: OutgoingSingleMetadata): Buffer {
  const lengths: number[] = [];
  let size = propertiesSize(m.properties, 1, lengths);
  let keyLen = 0;
  if (m.partitionKey !== undefined) { keyLen = utf8Length(m.partitionKey); size += 1 + varintSize(keyLen) + keyLen; }
  size += 1 + intSize(m.payloadSize);
  if (m.eventTime !== undefined) size += 1 + intSize(m.eventTime);
  if (m.sequenceId !== undefined) size += 1 + varint64Size(m.sequenceId);
  const buf = Buffer.allocUnsafe(size);
  let at = writeProperties(buf, 0, m.properties, 1, lengths, 0);
  if (m.partitionKey !== undefined) { buf[at++] = tag(2, WIRE_LEN); at = writeString(buf, at, m.partitionKey, keyLen); }
  buf[at++] = tag(3, WIRE_VARINT);
  at = writeInt(buf, at, m.payloadSize);
  if (m.eventTime !== undefined) { buf[at++] = tag(5, WIRE_VARINT); at = writeInt(buf, at, m.eventTime); }
  if (m.sequenceId !== undefined) { buf[at++] = tag(8, WIRE_VARINT); at = writeVarint64(buf, at, m.sequenceId); }
  return buf;
}
