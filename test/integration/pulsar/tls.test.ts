// pulsar+ssl:// through a TLS-terminating relay in front of the broker (the test broker has no TLS
// listener): the handshake, CA verification, lookups, schemas, producing and consuming over TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient, PulsarClientError } from '../../../src/pulsar/index.js';
import { serviceUrl, uniqueName } from './support.js';

let relay: tls.Server;
let relayUrl: string;
let cert: Buffer;
let tlsConnections = 0;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagpact-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  cert = readFileSync(path.join(dir, 'cert.pem'));
  const broker = new URL(serviceUrl().replace(/^pulsar:/, 'http:'));
  relay = tls.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (client) => {
    tlsConnections++;
    const upstream = net.connect(Number(broker.port), broker.hostname);
    sockets.push(client, upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  relayUrl = `pulsar+ssl://localhost:${(relay.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => relay.close(r));
});

describe('pulsar+ssl://', () => {
  it('talks to the broker over TLS with a trusted CA', async () => {
    const client = new PulsarClient({ serviceUrl: relayUrl, tls: { ca: cert } });
    try {
      const topic = uniqueName('tls');
      expect(await client.partitions(topic)).toBe(0);
      expect(await client.getSchema(topic)).toBeUndefined();
      // The standalone broker answers lookups with proxy_through_service_url, so data flows through the
      // TLS service URL too (a plain-text-only broker URL is never used for a pulsar+ssl client).
      const consumer = await client.subscribe({ topic, subscription: 's' });
      const producer = await client.createProducer({ topic });
      await producer.send({ payload: 'over tls', properties: { t: '1' } });
      const m = await consumer.receive(10_000);
      expect(m?.payload.toString()).toBe('over tls');
      expect(m?.properties).toEqual({ t: '1' });
      expect(tlsConnections).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('refuses a server certificate it cannot verify', async () => {
    const client = new PulsarClient({ serviceUrl: relayUrl, connectionTimeoutMs: 3000 });
    try {
      const err = await client.partitions('t').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PulsarClientError);
      expect((err as PulsarClientError).code).toBe('CONNECTION_FAILED');
      expect((err as Error).message).toMatch(/self[- ]signed|certificate/i);
    } finally {
      await client.close();
    }
  });
});
