// The idle timeout's sweep (hardening.ts guardIdleTimeout) on real sockets, with a bare Fastify app
// so that nothing else times the sockets out: Node's own socket timeout is off (connectionTimeout 0),
// and the keep-alive and headers timeouts are far longer than the idle timeout.
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { guardIdleTimeout } from '../../../src/http/hardening.js';

const IDLE_MS = 1000;

interface Client { socket: Socket; closedAt(): number | undefined; received(): string }

function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    let closedAt: number | undefined;
    let data = '';
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (d: Buffer) => { data += d.toString(); });
    socket.on('close', () => { closedAt ??= Date.now(); });
    socket.on('error', () => { closedAt ??= Date.now(); });
    socket.once('connect', () => resolve({ socket, closedAt: () => closedAt, received: () => data }));
    socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('the idle sweep', () => {
  let app: FastifyInstance | undefined;
  let release: (() => void) | undefined;
  let serverSockets: Socket[] = [];
  afterEach(async () => {
    release?.();
    await app?.close();
  });

  async function start(): Promise<number> {
    serverSockets = [];
    app = Fastify({ keepAliveTimeout: 60_000, http: { headersTimeout: 60_000, requestTimeout: 60_000 } });
    const idle = guardIdleTimeout(app.server, IDLE_MS);
    app.addHook('onRequest', (request, reply, done) => { idle.busy(request, reply); done(); });
    app.get('/now', async () => 'ok');
    app.get('/slow', () => new Promise<string>((resolve) => { release = () => resolve('late'); }));
    // An answer without end, 64 KiB at a time, as fast as the client reads it.
    app.get('/endless', (_request, reply) => reply.send(new Readable({ read() { this.push(Buffer.alloc(64 * 1024)); } })));
    app.server.on('connection', (socket: Socket) => { serverSockets.push(socket); });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return (app.server.address() as { port: number }).port;
  }

  it('closes a socket that never sends a byte, and not before the idle timeout', async () => {
    const c = await open(await start());
    const opened = Date.now();
    await until('the silent socket to close', () => c.closedAt() !== undefined);
    // Not cut early (the sweep's clock starts when the server accepts, before this side sees the connect).
    expect(c.closedAt()! - opened).toBeGreaterThanOrEqual(IDLE_MS / 2);
  });

  it('closes a kept-alive socket once it has been idle after its answer', async () => {
    const c = await open(await start());
    c.socket.write('GET /now HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await until('the answer', () => c.received().includes('ok'));
    const answered = Date.now();
    await until('the idle kept-alive socket to close', () => c.closedAt() !== undefined);
    expect(c.closedAt()! - answered).toBeGreaterThanOrEqual(IDLE_MS / 2);
  });

  it('keeps a socket whose request is still being handled, however long, and answers it', async () => {
    const c = await open(await start());
    c.socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await sleep(IDLE_MS * 2);
    expect(c.closedAt()).toBeUndefined();
    release!();
    await until('the late answer', () => c.received().includes('late'));
    expect(c.received()).toMatch(/^HTTP\/1\.1 200/);
  });

  it('keeps a socket that sends a byte now and then (activity, however slow, is not idleness)', async () => {
    const c = await open(await start());
    c.socket.write('GET /now HTTP/1.1\r\nHost: localhost\r\n');
    for (let i = 0; i < 7; i++) {
      await sleep(IDLE_MS / 5);
      c.socket.write(`X-Drip-${i}: x\r\n`);
    }
    expect(c.closedAt()).toBeUndefined();
    c.socket.write('\r\n');
    await until('the answer', () => c.received().includes('ok'));
  });

  it('closes a socket whose client stops reading a streamed answer', async () => {
    const port = await start();
    const client = connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.on('error', () => undefined);
    client.pause(); // never reads: the server's writes stall once the socket buffers are full
    client.write('GET /endless HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await until('the server to accept the connection', () => serverSockets.length === 1);
    const server = serverSockets[0]!;
    await until('the server to close the stalled socket', () => server.destroyed, 15_000);
    client.destroy();
  });
});
