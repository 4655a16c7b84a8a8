// The connection's failure handling against a scripted TCP peer (malformed frames, silence, auth
// refusal): every failure closes the connection with a reason and nothing escapes as an exception.
import net from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../../src/pulsar/connection.js';
import { encodePayloadCommand, encodeSimpleCommand, FrameDecoder, encodeMetadata } from '../../../src/pulsar/frames.js';
import { CommandType } from '../../../src/pulsar/proto.js';
import { PulsarClientError } from '../../../src/pulsar/types.js';

type Script = (socket: net.Socket, command: number) => void;
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

async function peer(script: Script): Promise<string> {
  const server = net.createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => { for (const f of decoder.push(chunk).frames) script(socket, f.command.type as number); });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `pulsar://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const connected = encodeSimpleCommand({ type: CommandType.CONNECTED, connected: { server_version: 'script', protocol_version: 21 } });
const options = (url: string, extra: Partial<Parameters<typeof Connection.open>[0]> = {}) => ({
  physicalUrl: url, logicalUrl: url, operationTimeoutMs: 300, connectionTimeoutMs: 500, keepAliveIntervalMs: 10_000, log: pino({ level: 'silent' }), ...extra,
});
const closedReason = (conn: Connection) => new Promise<string>((r) => conn.onClose(r));

describe('connection failure handling', () => {
  it('closes on a frame with a bad checksum and tells its users', async () => {
    let brokerSide: net.Socket | undefined;
    const url = await peer((socket, type) => {
      if (type !== CommandType.CONNECT) return;
      brokerSide = socket;
      socket.write(connected);
    });
    const conn = await Connection.open(options(url));
    let told = '';
    conn.registerConsumer(1n, { onMessage: () => { throw new Error('must not deliver a corrupt message'); }, onDisconnect: (r) => { told = r; } });
    // The corrupt frame is sent only once the consumer is registered, so the consumer is always told.
    const frame = encodePayloadCommand({ type: CommandType.MESSAGE, message: { consumer_id: 1, message_id: { ledgerId: 1, entryId: 1 } } },
      encodeMetadata({ producer_name: 'p', sequence_id: 0, publish_time: 1 }), Buffer.from('data'));
    frame[frame.length - 2] = frame[frame.length - 2]! ^ 0xff;
    brokerSide!.write(frame);
    expect(await closedReason(conn)).toMatch(/protocol error: checksum mismatch/);
    expect(told).toMatch(/checksum mismatch/);
    expect(conn.closed).toBe(true);
  });

  it('fails the handshake with a clear error when the peer speaks garbage', async () => {
    const url = await peer((socket) => { socket.write(Buffer.from([0, 0, 0, 8, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff])); });
    const err = await Connection.open(options(url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PulsarClientError);
    expect((err as PulsarClientError).code).toBe('CONNECTION_FAILED');
  });

  it('reports an authentication refusal during the handshake', async () => {
    const url = await peer((socket) => {
      socket.write(encodeSimpleCommand({ type: CommandType.ERROR, error: { request_id: '18446744073709551615', error: 3, message: 'bad token' } }));
      socket.end();
    });
    const err = await Connection.open(options(url, { token: async () => 'nope' })).catch((e: unknown) => e);
    expect((err as PulsarClientError).code).toBe('AUTHENTICATION_FAILED');
    expect((err as Error).message).toMatch(/AuthenticationError: bad token/);
  });

  // The deadlines below run on fake timers (the sockets stay real): a timeout fires when the test
  // moves the clock past it, not after real waiting.
  describe('deadlines', () => {
    beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }); });
    afterEach(() => { vi.useRealTimers(); });

    it('times out a silent handshake and a request without an answer', async () => {
      const silent = await peer(() => undefined);
      const opening = Connection.open(options(silent)).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(499);
      let settled = false;
      void opening.then(() => { settled = true; });
      await vi.advanceTimersByTimeAsync(0);
      expect(settled, 'still waiting just before connectionTimeoutMs').toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const err = await opening;
      expect((err as PulsarClientError).code).toBe('CONNECTION_FAILED');
      expect((err as Error).message).toMatch(/timed out after 500 ms/);

      const mute = await peer((socket, type) => { if (type === CommandType.CONNECT) socket.write(connected); });
      const conn = await Connection.open(options(mute));
      const id = conn.newRequestId();
      const failing = conn.request({ type: CommandType.LOOKUP, lookupTopic: { topic: 't', request_id: id.toString() } }, id, 'lookup of t').catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(300);
      const failed = await failing;
      expect((failed as PulsarClientError).code).toBe('TIMEOUT');
      conn.close();
    });

    it('answers PING with PONG and closes a connection whose peer went quiet (keep-alive)', async () => {
      let ponged!: () => void;
      const pong = new Promise<void>((r) => { ponged = r; });
      let pongs = 0;
      const url = await peer((socket, type) => {
        if (type === CommandType.CONNECT) { socket.write(connected); socket.write(encodeSimpleCommand({ type: CommandType.PING, ping: {} })); }
        if (type === CommandType.PONG) { pongs++; ponged(); }
      });
      const conn = await Connection.open(options(url, { keepAliveIntervalMs: 100 }));
      await pong;
      const reason = closedReason(conn);
      // Silent for two intervals: closed at the third tick (300 ms), not before.
      await vi.advanceTimersByTimeAsync(299);
      expect(conn.closed).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await reason).toMatch(/keep-alive/);
      expect(pongs).toBe(1);
    });
  });
});
