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
  /** Bytes of chunks[0] already decoded: frames are read in place, the chunk is not sliced per frame. */
  private offset = 0;
  /** Bytes not decoded yet, across all chunks. */
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
      const totalSize = this.contiguous(4).readUInt32BE(this.offset);
      if (totalSize < 4 || totalSize > this.maxFrameSize) {
        return this.fail(frames, `frame size ${totalSize} outside 4..${this.maxFrameSize}`);
      }
      if (this.buffered < 4 + totalSize) break;
      const first = this.contiguous(4 + totalSize);
      const from = this.offset + 4;
      this.consume(4 + totalSize);
      const decoded = decodeFrame(first, from, from + totalSize);
      if ('error' in decoded) return this.fail(frames, decoded.error);
      frames.push(decoded.frame);
    }
    return { frames };
  }

  private fail(frames: Frame[], error: string): DecodeResult {
    this.failed = error;
    this.chunks = [];
    this.offset = 0;
    this.buffered = 0;
    return { frames, error };
  }

  /**
   * The first chunk, holding at least n bytes from the offset. A frame that straddles chunks is copied
   * out on its own (n bytes, the caller has checked they are buffered); the rest of the chunk it ends
   * in stays where it is. Joining whole chunks instead would copy up to a socket read (64 KiB) for
   * every frame that crosses one.
   */
  private contiguous(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) return first;
    const joined = Buffer.allocUnsafe(n);
    let filled = first.copy(joined, 0, this.offset);
    let used = 1;
    while (filled < n) {
      const chunk = this.chunks[used]!;
      const take = Math.min(n - filled, chunk.length);
      chunk.copy(joined, filled, 0, take);
      filled += take;
      if (take < chunk.length) { this.chunks[used] = chunk.subarray(take); break; }
      used++;
    }
    this.chunks.splice(0, used, joined);
    this.offset = 0;
    return joined;
  }

  private consume(n: number): void {
    this.offset += n;
    this.buffered -= n;
    if (this.offset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

/** Decodes one frame body (after totalSize): bytes [from, to) of buf. Copies nothing it does not need to. */
export function decodeFrame(buf: Buffer, from = 0, to = buf.length): { frame: Frame } | { error: string } {
  try {
    const length = to - from;
    if (length < 4) return { error: 'frame too short for its command size' };
    const cmdSize = buf.readUInt32BE(from);
    if (cmdSize > length - 4) return { error: `command size ${cmdSize} exceeds frame (${length - 4} bytes left)` };
    const command = decodeIncomingCommand(buf.subarray(from + 4, from + 4 + cmdSize));
    let at = from + 4 + cmdSize;
    if (at === to) return { frame: { command } };
    if (to - at < 2) return { error: 'truncated payload section' };
    let magic = buf.readUInt16BE(at);
    if (magic === MAGIC_BROKER_ENTRY_METADATA) {
      // Broker entry metadata (we never ask for it, but skip it if a broker sends it anyway).
      if (to - at < 6) return { error: 'truncated broker entry metadata' };
      const size = buf.readUInt32BE(at + 2);
      at += 6 + size;
      if (to - at < 2) return { error: 'truncated payload section after broker entry metadata' };
      magic = buf.readUInt16BE(at);
    }
    if (magic !== MAGIC_CRC32C) return { error: `bad magic 0x${magic.toString(16)} (expected 0x0e01)` };
    if (to - at < 10) return { error: 'truncated checksum or metadata size' };
    const expected = buf.readUInt32BE(at + 2);
    const checked = buf.subarray(at + 6, to);
    const actual = crc32c(checked);
    if (actual !== expected) return { error: `checksum mismatch (expected ${expected.toString(16)}, computed ${actual.toString(16)})` };
    const metadataSize = checked.readUInt32BE(0);
    if (metadataSize > checked.length - 4) return { error: `metadata size ${metadataSize} exceeds frame` };
    const metadata = decodeIncomingMetadata(checked, 4, 4 + metadataSize);
    const payload = checked.subarray(4 + metadataSize);
    return { frame: { command, metadata, payload } };
  } catch (err) {
    return { error: `malformed frame: ${(err as Error).message}` };
  }
}
