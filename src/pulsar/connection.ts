// One TCP/TLS connection to a broker: the CONNECT handshake (with token auth), request/response
// correlation by request id with timeouts, keep-alive PING/PONG, and dispatch of producer and consumer
// commands to their registered handlers. A protocol error closes the connection (logged) and every
// user of it is told, so it can reconnect; nothing here throws into the socket's event loop.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { encodePayloadCommand, encodeSimpleCommand, FrameDecoder, DEFAULT_MAX_FRAME_SIZE, type Frame } from './frames.js';
import { CommandType, CommandTypeName, ServerErrorName, u64, type Decoded } from './proto.js';
import { PulsarClientError, serverError } from './types.js';

export const PROTOCOL_VERSION = 21;
export const CLIENT_VERSION = 'dagpact-pulsar-ts/0.1';

export interface ProducerHandler {
  onSendReceipt(receipt: Decoded): void;
  onSendError(error: Decoded): void;
  /** The broker closed the producer (topic unloaded, ...) or the connection dropped. */
  onDisconnect(reason: string): void;
}

export interface ConsumerHandler {
  onMessage(command: Decoded, metadata: Decoded, payload: Buffer): void;
  onDisconnect(reason: string): void;
}

export interface ConnectionOptions {
  /** Where the socket goes: the broker itself or a proxy (host:port, from a pulsar:// URL). */
  physicalUrl: string;
  /** The broker the connection is for; differs from physicalUrl when connecting through a proxy. */
  logicalUrl: string;
  token?: () => Promise<string | undefined>;
  tls?: tls.ConnectionOptions;
  operationTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveIntervalMs: number;
  log: Logger;
}

interface PendingRequest {
  resolve(command: Decoded): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  what: string;
}

export function parseServiceUrl(url: string): { host: string; port: number; tls: boolean } {
  const m = /^(pulsar|pulsar\+ssl):\/\/([^/:]+|\[[^\]]+\]):?(\d+)?\/?$/.exec(url.trim());
  if (!m) throw new PulsarClientError('INVALID_ARGUMENT', `not a Pulsar service URL: "${url}" (expected pulsar://host:port or pulsar+ssl://host:port)`);
  const secure = m[1] === 'pulsar+ssl';
  return { host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : secure ? 6651 : 6650, tls: secure };
}

export class Connection {
  private socket: net.Socket | undefined;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly producers = new Map<string, ProducerHandler>();
  private readonly consumers = new Map<string, ConsumerHandler>();
  private nextRequestId = 1n;
  private keepAlive: NodeJS.Timeout | undefined;
  private lastReceived = Date.now();
  private closedReason: string | undefined;
  private readonly closeListeners: ((reason: string) => void)[] = [];
  maxMessageSize = 5 * 1024 * 1024;
  serverVersion = '';
  protocolVersion = 0;

  private constructor(readonly options: ConnectionOptions) {
    this.decoder = new FrameDecoder(DEFAULT_MAX_FRAME_SIZE);
  }

  static async open(options: ConnectionOptions): Promise<Connection> {
    const conn = new Connection(options);
    await conn.handshake();
    return conn;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  private async handshake(): Promise<void> {
    const { host, port, tls: secure } = parseServiceUrl(this.options.physicalUrl);
    const token = this.options.token ? await this.options.token() : undefined;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.close(err.message);
        reject(err);
      };
      const timer = setTimeout(() => fail(new PulsarClientError('CONNECTION_FAILED',
        `connecting to ${this.options.physicalUrl} timed out after ${this.options.connectionTimeoutMs} ms`)), this.options.connectionTimeoutMs);
      const socket = secure
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...this.options.tls })
        : net.connect({ host, port });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on('error', (err) => {
        if (!settled) fail(new PulsarClientError('CONNECTION_FAILED', `cannot connect to ${this.options.physicalUrl}: ${err.message}`, { cause: err }));
        else this.close(`socket error: ${err.message}`);
      });
      socket.on('close', () => {
        if (!settled) fail(new PulsarClientError('CONNECTION_FAILED', `${this.options.physicalUrl} closed the connection during the handshake`));
        else this.close('closed by the broker');
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        const connect: Decoded = { client_version: CLIENT_VERSION, protocol_version: PROTOCOL_VERSION,
          feature_flags: { supports_auth_refresh: true } };
        if (token !== undefined) { connect.auth_method_name = 'token'; connect.auth_data = Buffer.from(token); }
        if (this.options.logicalUrl !== this.options.physicalUrl) connect.proxy_to_broker_url = this.options.logicalUrl.replace(/^pulsar(\+ssl)?:\/\//, '');
        this.write(encodeSimpleCommand({ type: CommandType.CONNECT, connect }));
      });
      this.handshakeDone = (err, connected) => {
        if (settled) return;
        if (err) { fail(err); return; }
        settled = true;
        this.handshaken = true;
        clearTimeout(timer);
        this.serverVersion = connected!.server_version as string;
        this.protocolVersion = connected!.protocol_version as number;
        if (connected!.max_message_size) {
          this.maxMessageSize = connected!.max_message_size as number;
          this.decoder.maxFrameSize = Math.max(DEFAULT_MAX_FRAME_SIZE, this.maxMessageSize + 64 * 1024);
        }
        this.startKeepAlive();
        resolve();
      };
    });
  }

  private handshakeDone: ((err?: Error, connected?: Decoded) => void) | undefined;
  private handshaken = false;

  private startKeepAlive(): void {
    const interval = this.options.keepAliveIntervalMs;
    this.keepAlive = setInterval(() => {
      if (Date.now() - this.lastReceived > 2 * interval) {
        this.close(`no traffic from the broker for ${2 * interval} ms (keep-alive)`);
        return;
      }
      this.write(encodeSimpleCommand({ type: CommandType.PING, ping: {} }));
    }, interval);
    this.keepAlive.unref();
  }

  newRequestId(): bigint {
    return this.nextRequestId++;
  }

  /** Sends a command carrying request_id and resolves with the broker's answer (rejects on ERROR/timeout). */
  request(command: Decoded, requestId: bigint, what: string): Promise<Decoded> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new PulsarClientError('CONNECTION_CLOSED', `${what}: connection to ${this.options.logicalUrl} is closed (${this.closedReason})`));
    }
    return new Promise((resolve, reject) => {
      const key = requestId.toString();
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new PulsarClientError('TIMEOUT', `${what}: no answer from ${this.options.logicalUrl} within ${this.options.operationTimeoutMs} ms`));
      }, this.options.operationTimeoutMs);
      timer.unref();
      this.pending.set(key, { resolve, reject, timer, what });
      this.write(encodeSimpleCommand(command));
    });
  }

  sendCommand(command: Decoded): boolean {
    return this.write(encodeSimpleCommand(command));
  }

  sendPayload(command: Decoded, metadata: Uint8Array, payload: Uint8Array): boolean {
    return this.write(encodePayloadCommand(command, metadata, payload));
  }

  /** Writes a frame encoded by the caller (wire.ts: SEND and ACK, built without protobufjs). */
  sendFrame(frame: Buffer): boolean {
    return this.write(frame);
  }

  private write(frame: Buffer): boolean {
    const socket = this.socket;
    if (this.closedReason !== undefined || !socket || socket.destroyed) return false;
    // Frames written in the same tick (the sends and acks that one incoming chunk of messages
    // triggers) leave in one writev instead of one syscall and one TCP segment each.
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => { this.corked = false; socket.uncork(); });
    }
    socket.write(frame);
    return true;
  }

  private corked = false;

  registerProducer(id: bigint, handler: ProducerHandler): void { this.producers.set(id.toString(), handler); }
  unregisterProducer(id: bigint): void { this.producers.delete(id.toString()); }
  registerConsumer(id: bigint, handler: ConsumerHandler): void { this.consumers.set(id.toString(), handler); }
  unregisterConsumer(id: bigint): void { this.consumers.delete(id.toString()); }

  private onData(chunk: Buffer): void {
    this.lastReceived = Date.now();
    const { frames, error } = this.decoder.push(chunk);
    for (const frame of frames) {
      try {
        this.dispatch(frame);
      } catch (err) {
        this.options.log.error({ err, broker: this.options.logicalUrl }, 'pulsar: handling a command failed');
      }
    }
    if (error) {
      this.options.log.error({ broker: this.options.logicalUrl, reason: error }, 'pulsar: closing connection on a bad frame');
      this.close(`protocol error: ${error}`);
    }
  }

  private dispatch(frame: Frame): void {
    const cmd = frame.command;
    switch (cmd.type as number) {
      case CommandType.CONNECTED: this.handshakeDone?.(undefined, cmd.connected); return;
      case CommandType.PING: this.sendCommand({ type: CommandType.PONG, pong: {} }); return;
      case CommandType.PONG: return;
      case CommandType.SEND_RECEIPT: this.producers.get(u64(cmd.send_receipt.producer_id).toString())?.onSendReceipt(cmd.send_receipt); return;
      case CommandType.SEND_ERROR: this.producers.get(u64(cmd.send_error.producer_id).toString())?.onSendError(cmd.send_error); return;
      case CommandType.MESSAGE: {
        const handler = this.consumers.get(u64(cmd.message.consumer_id).toString());
        if (!frame.metadata || !frame.payload) { this.close('MESSAGE command without a payload'); return; }
        handler?.onMessage(cmd.message, frame.metadata, frame.payload);
        return;
      }
      case CommandType.CLOSE_PRODUCER: {
        const id = u64(cmd.close_producer.producer_id).toString();
        const handler = this.producers.get(id);
        this.producers.delete(id);
        handler?.onDisconnect('the broker closed the producer');
        return;
      }
      case CommandType.CLOSE_CONSUMER: {
        const id = u64(cmd.close_consumer.consumer_id).toString();
        const handler = this.consumers.get(id);
        this.consumers.delete(id);
        handler?.onDisconnect('the broker closed the consumer');
        return;
      }
      case CommandType.AUTH_CHALLENGE: void this.answerAuthChallenge(); return;
      case CommandType.ERROR:
        if (!this.handshaken && !this.pending.has(u64(cmd.error.request_id).toString())) {
          const name = ServerErrorName[cmd.error.error as number] ?? 'UnknownError';
          this.handshakeDone?.(serverError(name, cmd.error.message as string, `connecting to ${this.options.logicalUrl}`));
          return;
        }
        this.settle(cmd.error.request_id, undefined, cmd);
        return;
      case CommandType.SUCCESS: this.settle(cmd.success.request_id, cmd); return;
      case CommandType.PRODUCER_SUCCESS:
        // producer_ready=false: the producer waits for exclusive access; a second PRODUCER_SUCCESS follows.
        if (cmd.producer_success.producer_ready === false) return;
        this.settle(cmd.producer_success.request_id, cmd); return;
      case CommandType.LOOKUP_RESPONSE: this.settle(cmd.lookupTopicResponse.request_id, cmd); return;
      case CommandType.PARTITIONED_METADATA_RESPONSE: this.settle(cmd.partitionMetadataResponse.request_id, cmd); return;
      case CommandType.GET_SCHEMA_RESPONSE: this.settle(cmd.getSchemaResponse.request_id, cmd); return;
      case CommandType.ACK_RESPONSE: if (cmd.ackResponse.request_id) this.settle(cmd.ackResponse.request_id, cmd); return;
      case CommandType.ACTIVE_CONSUMER_CHANGE: case CommandType.REACHED_END_OF_TOPIC: return;
      default:
        this.options.log.debug({ type: CommandTypeName[cmd.type as number] ?? cmd.type }, 'pulsar: ignoring command');
    }
  }

  private settle(requestId: unknown, ok?: Decoded, errorCmd?: Decoded): void {
    const key = u64(requestId).toString();
    const req = this.pending.get(key);
    if (!req) return;
    this.pending.delete(key);
    clearTimeout(req.timer);
    if (ok) { req.resolve(ok); return; }
    const name = ServerErrorName[errorCmd!.error.error as number] ?? 'UnknownError';
    req.reject(serverError(name, errorCmd!.error.message as string, req.what));
  }

  private async answerAuthChallenge(): Promise<void> {
    try {
      const token = this.options.token ? await this.options.token() : '';
      this.sendCommand({ type: CommandType.AUTH_RESPONSE, authResponse: {
        client_version: CLIENT_VERSION, protocol_version: PROTOCOL_VERSION,
        response: { auth_method_name: 'token', auth_data: Buffer.from(token ?? '') } } });
    } catch (err) {
      this.close(`cannot refresh the auth token: ${(err as Error).message}`);
    }
  }

  /** Closes the socket (idempotent); pending requests fail and producers/consumers are told to reconnect. */
  close(reason = 'closed by the client'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.socket?.destroy();
    for (const req of this.pending.values()) {
      clearTimeout(req.timer);
      req.reject(new PulsarClientError('CONNECTION_CLOSED', `${req.what}: connection to ${this.options.logicalUrl} closed (${reason})`));
    }
    this.pending.clear();
    const producers = [...this.producers.values()];
    const consumers = [...this.consumers.values()];
    this.producers.clear();
    this.consumers.clear();
    for (const p of producers) p.onDisconnect(reason);
    for (const c of consumers) c.onDisconnect(reason);
    for (const l of this.closeListeners.splice(0)) l(reason);
  }
}

/** One connection per (broker, physical address), shared by every producer and consumer of the client. */
export class ConnectionPool {
  private readonly connections = new Map<string, Promise<Connection>>();

  constructor(private readonly base: Omit<ConnectionOptions, 'physicalUrl' | 'logicalUrl'>) {}

  async get(logicalUrl: string, physicalUrl = logicalUrl): Promise<Connection> {
    const key = `${logicalUrl}|${physicalUrl}`;
    for (;;) {
      const existing = this.connections.get(key);
      if (!existing) return this.open(key, logicalUrl, physicalUrl);
      // Everyone waiting on the same attempt shares its outcome, failures included.
      const conn = await existing;
      if (!conn.closed) return conn;
      if (this.connections.get(key) === existing) this.connections.delete(key);
    }
  }

  private open(key: string, logicalUrl: string, physicalUrl: string): Promise<Connection> {
    const opening = Connection.open({ ...this.base, logicalUrl, physicalUrl });
    this.connections.set(key, opening);
    const forget = () => { if (this.connections.get(key) === opening) this.connections.delete(key); };
    opening.then((conn) => conn.onClose(forget), forget);
    return opening;
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const p of all) {
      try { (await p).close(); } catch { /* never opened */ }
    }
  }
}
