// Pulsar's framing: simple commands [totalSize][cmdSize][BaseCommand] and payload commands that add
// [magic 0x0e01][CRC32C][metadataSize][MessageMetadata][payload]. The decoder accumulates socket chunks
// and reports malformed input as a value, never as an exception, so a bad frame closes one connection
// and cannot crash the process.
import { encodeBaseCommand, encodeMessageMetadata, type Decoded } from './proto.js';
import { decodeIncomingCommand, decodeIncomingMetadata } from './wire-decode.js';
import { crc32c } from './crc32c.js';

const MAGIC_CRC32C = 0x0e01;
const MAGIC_BROKER_ENTRY_METADATA = 0x0e02;
/** Pulsar's default maxMessageSize is 5 MB; frames carry some overhead on top of it. */
export const DEFAULT_MAX_FRAME_SIZE = 5 * 1024 * 1024 + 64 * 1024;

export function encodeSimpleCommand(command: Decoded): Buffer {
  const cmd = encodeBaseCommand(command);
  const frame = Buffer.allocUnsafe(8 + cmd.length);
  frame.writeUInt32BE(4 + cmd.length, 0);
  frame.writeUInt32BE(cmd.length, 4);
  frame.set(cmd, 8);
  return frame;
}

/** A payload command with already-encoded metadata bytes (so a resend reuses them unchanged). */
export function encodePayloadCommand(command: Decoded, metadata: Uint8Array, payload: Uint8Array): Buffer {
  const cmd = encodeBaseCommand(command);
  const size = 4 + cmd.length + 2 + 4 + 4 + metadata.length + payload.length;
  const frame = Buffer.allocUnsafe(4 + size);
  let at = 0;
  at = frame.writeUInt32BE(size, at);
  at = frame.writeUInt32BE(cmd.length, at);
  frame.set(cmd, at); at += cmd.length;
  at = frame.writeUInt16BE(MAGIC_CRC32C, at);
  const checksumAt = at; at += 4;
  const checksumFrom = at;
  at = frame.writeUInt32BE(metadata.length, at);
  frame.set(metadata, at); at += metadata.length;
  frame.set(payload, at);
  frame.writeUInt32BE(crc32c(frame.subarray(checksumFrom)), checksumAt);
  return frame;
}

export function encodeMetadata(metadata: Decoded): Uint8Array {
  return encodeMessageMetadata(metadata);
}

export interface Frame {
  command: Decoded;
  /** Present on payload commands (MESSAGE, SEND). */
  metadata?: Decoded;
  payload?: Buffer;
}

export type DecodeResult = { frames: Frame[]; error?: string };

/** Incremental decoder: push socket chunks, get complete frames; an error means the stream is unusable. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: string | undefined;

  /** Raised after CONNECTED when the broker allows larger messages than the default. */
  constructor(public maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  push(chunk: Buffer): DecodeResult {
    if (this.failed) return { frames: [], error: this.failed };
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const totalSize = head.readUInt32BE(0);
      if (totalSize < 4 || totalSize > this.maxFrameSize) {
        return this.fail(frames, `frame size ${totalSize} outside 4..${this.maxFrameSize}`);
      }
      if (this.buffered < 4 + totalSize) break;
      const frameBytes = this.take(4 + totalSize);
      const decoded = decodeFrame(frameBytes.subarray(4));
      if ('error' in decoded) return this.fail(frames, decoded.error);
      frames.push(decoded.frame);
    }
    return { frames };
  }

  private fail(frames: Frame[], error: string): DecodeResult {
    this.failed = error;
    this.chunks = [];
    this.buffered = 0;
    return { frames, error };
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    const rest = first.subarray(n);
    this.chunks[0] = rest;
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= n;
    return out;
  }
}

/** Decodes one frame body (after totalSize). Copies nothing it does not need to. */
export function decodeFrame(body: Buffer): { frame: Frame } | { error: string } {
  try {
    if (body.length < 4) return { error: 'frame too short for its command size' };
    const cmdSize = body.readUInt32BE(0);
    if (cmdSize > body.length - 4) return { error: `command size ${cmdSize} exceeds frame (${body.length - 4} bytes left)` };
    const command = decodeIncomingCommand(body.subarray(4, 4 + cmdSize));
    let at = 4 + cmdSize;
    if (at === body.length) return { frame: { command } };
    if (body.length - at < 2) return { error: 'truncated payload section' };
    let magic = body.readUInt16BE(at);
    if (magic === MAGIC_BROKER_ENTRY_METADATA) {
      // Broker entry metadata (we never ask for it, but skip it if a broker sends it anyway).
      if (body.length - at < 6) return { error: 'truncated broker entry metadata' };
      const size = body.readUInt32BE(at + 2);
      at += 6 + size;
      if (body.length - at < 2) return { error: 'truncated payload section after broker entry metadata' };
      magic = body.readUInt16BE(at);
    }
    if (magic !== MAGIC_CRC32C) return { error: `bad magic 0x${magic.toString(16)} (expected 0x0e01)` };
    if (body.length - at < 10) return { error: 'truncated checksum or metadata size' };
    const expected = body.readUInt32BE(at + 2);
    const checked = body.subarray(at + 6);
    const actual = crc32c(checked);
    if (actual !== expected) return { error: `checksum mismatch (expected ${expected.toString(16)}, computed ${actual.toString(16)})` };
    const metadataSize = checked.readUInt32BE(0);
    if (metadataSize > checked.length - 4) return { error: `metadata size ${metadataSize} exceeds frame` };
    const metadata = decodeIncomingMetadata(checked.subarray(4, 4 + metadataSize));
    const payload = checked.subarray(4 + metadataSize);
    return { frame: { command, metadata, payload } };
  } catch (err) {
    return { error: `malformed frame: ${(err as Error).message}` };
  }
}
