import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeMetadata, encodePayloadCommand, encodeSimpleCommand, FrameDecoder } from '../../../src/pulsar/frames.js';
import { CommandType, u64 } from '../../../src/pulsar/proto.js';

const send = { type: CommandType.SEND, send: { producer_id: 7, sequence_id: '12345678901234', num_messages: 1 } };
const metadata = encodeMetadata({ producer_name: 'p', sequence_id: 1, publish_time: '1700000000000', properties: [{ key: 'a', value: 'b' }] });

describe('frames', () => {
  it('round-trips a simple command', () => {
    const frame = encodeSimpleCommand({ type: CommandType.PING, ping: {} });
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const { frames, error } = new FrameDecoder().push(frame);
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.command.type).toBe(CommandType.PING);
    expect(frames[0]!.payload).toBeUndefined();
  });

  it('round-trips a payload command with metadata, payload and 64-bit ids', () => {
    const frame = encodePayloadCommand(send, metadata, Buffer.from('payload bytes'));
    const decoded = decodeFrame(frame.subarray(4));
    expect('frame' in decoded).toBe(true);
    if (!('frame' in decoded)) return;
    expect(u64(decoded.frame.command.send.sequence_id)).toBe(12345678901234n);
    expect(decoded.frame.metadata!.producer_name).toBe('p');
    expect(u64(decoded.frame.metadata!.publish_time)).toBe(1700000000000n);
    expect(decoded.frame.payload!.toString()).toBe('payload bytes');
  });

  it('reassembles frames split across chunks and several frames in one chunk', () => {
    const a = encodePayloadCommand(send, metadata, Buffer.from('A'.repeat(1000)));
    const b = encodeSimpleCommand({ type: CommandType.PONG, pong: {} });
    const all = Buffer.concat([a, b, a]);
    const decoder = new FrameDecoder();
    const frames = [];
    for (let at = 0; at < all.length; at += 7) {
      const r = decoder.push(all.subarray(at, at + 7));
      expect(r.error).toBeUndefined();
      frames.push(...r.frames);
    }
    expect(frames.map((f) => f.command.type)).toEqual([CommandType.SEND, CommandType.PONG, CommandType.SEND]);
    expect(frames[2]!.payload!.toString()).toBe('A'.repeat(1000));
  });

  it.each([1, 5, 7, 64, 1033, 100_000])('decodes a stream cut into chunks of %i bytes, frames read in place', (size) => {
    const payloads = ['', 'x', 'B'.repeat(300), 'C'.repeat(5000), 'D'.repeat(17)];
    const all = Buffer.concat(payloads.flatMap((p, i) => [
      encodePayloadCommand({ ...send, send: { ...send.send, sequence_id: String(i) } }, metadata, Buffer.from(p)),
      encodeSimpleCommand({ type: CommandType.PING, ping: {} }),
    ]));
    const decoder = new FrameDecoder();
    const frames = [];
    for (let at = 0; at < all.length; at += size) {
      const r = decoder.push(all.subarray(at, at + size));
      expect(r.error).toBeUndefined();
      frames.push(...r.frames);
    }
    expect(frames.map((f) => f.command.type)).toEqual(payloads.flatMap(() => [CommandType.SEND, CommandType.PING]));
    const sends = frames.filter((f) => f.command.type === CommandType.SEND);
    expect(sends.map((f) => f.payload!.toString())).toEqual(payloads);
    expect(sends.map((f) => String(u64((f.command.send as { sequence_id: unknown }).sequence_id)))).toEqual(['0', '1', '2', '3', '4']);
    for (const f of sends) expect(f.metadata!.properties).toEqual([{ key: 'a', value: 'b' }]);
  });

  it('rejects a corrupted payload (bad checksum) without throwing', () => {
    const frame = encodePayloadCommand(send, metadata, Buffer.from('payload bytes'));
    frame[frame.length - 1] = frame[frame.length - 1]! ^ 0x01;
    const decoder = new FrameDecoder();
    const r = decoder.push(frame);
    expect(r.frames).toEqual([]);
    expect(r.error).toMatch(/checksum mismatch/);
    // The decoder stays failed: the connection must be closed.
    expect(decoder.push(encodeSimpleCommand({ type: CommandType.PING, ping: {} })).error).toMatch(/checksum/);
  });

  it.each([
    ['a garbage command', () => { const f = Buffer.alloc(12); f.writeUInt32BE(8, 0); f.writeUInt32BE(4, 4); f.write('\xff\xff\xff\xff', 8, 'latin1'); return f; }, /malformed frame/],
    ['a command size beyond the frame', () => { const f = Buffer.alloc(12); f.writeUInt32BE(8, 0); f.writeUInt32BE(100, 4); return f; }, /exceeds frame/],
    ['an absurd frame size', () => { const f = Buffer.alloc(8); f.writeUInt32BE(0x7fffffff, 0); return f; }, /outside/],
    ['a bad magic number', () => { const f = encodePayloadCommand(send, metadata, Buffer.from('x')); const at = 8 + f.readUInt32BE(4); f.writeUInt16BE(0x0bad, at); return f; }, /bad magic/],
    // BaseCommand{type: SEND_RECEIPT, send_receipt: {}}: the receipt lacks its required ids.
    ['a missing required field', () => { const cmd = Buffer.from([0x08, 0x07, 0x3a, 0x00]); const f = Buffer.alloc(8); f.writeUInt32BE(8, 0); f.writeUInt32BE(4, 4); return Buffer.concat([f, cmd]); }, /malformed frame: missing required 'producer_id'/],
  ])('reports %s as an error value', (_name, make, message) => {
    const frame = make();
    const r = new FrameDecoder().push(frame);
    expect(r.frames).toEqual([]);
    expect(r.error).toMatch(message);
  });
});
