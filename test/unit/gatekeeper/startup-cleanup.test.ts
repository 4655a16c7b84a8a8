// A start-up that fails half-way closes what it had opened: the gatekeeper when Pulsar cannot be
// reached (the database was opened first), the API server when migrate or listen fails.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseGatekeeperConfig } from '../../../src/config/gatekeeper-config.js';
import { parseServerConfig } from '../../../src/config/server-config.js';

const fake = vi.hoisted(() => ({ closed: 0, migrateError: undefined as Error | undefined }));

vi.mock('../../../src/store/db.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/store/db.js')>();
  return {
    ...original,
    // A database that opens, may fail to migrate, and counts its closes.
    openDatabase: async (options: Parameters<typeof original.openDatabase>[0]) => {
      const real = await original.openDatabase(options);
      return {
        ...real, db: real.db, kind: real.kind,
        migrate: async () => { if (fake.migrateError) throw fake.migrateError; await real.migrate(); },
        close: async () => { fake.closed++; await real.close(); },
      };
    },
  };
});

vi.mock('../../../src/gatekeeper/adapters/pulsar.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/gatekeeper/adapters/pulsar.js')>();
  return { ...original, openPulsarTransport: async () => { throw new Error('connecting to Pulsar at pulsar://nowhere:6650: ECONNREFUSED'); } };
});

const { startGatekeeper } = await import('../../../src/start/gatekeeper.js');
const { startServer } = await import('../../../src/start/server.js');

const base = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DAGPACT_LOG_LEVEL: 'silent' };

describe('start-up failures close what was opened', () => {
  beforeEach(() => { fake.closed = 0; fake.migrateError = undefined; });

  it('gatekeeper: Pulsar unreachable → the database is closed and the error rethrown', async () => {
    const config = parseGatekeeperConfig({ ...base, DAGPACT_ENVIRONMENT: 'test', PULSAR_SERVICE_URL: 'pulsar://nowhere:6650' });
    await expect(startGatekeeper(config, { installSignals: false })).rejects.toThrow(/ECONNREFUSED/);
    expect(fake.closed).toBe(1);
  });

  it('server: migrate fails → the database is closed and the error rethrown', async () => {
    fake.migrateError = new Error('migration 0007 failed');
    await expect(startServer(parseServerConfig({ ...base, DAGPACT_PORT: '0' }))).rejects.toThrow(/migration 0007 failed/);
    expect(fake.closed).toBe(1);
  });

  it('server: listen fails (port taken) → the app and the database are closed', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const dataDir = await mkdtemp(join(tmpdir(), 'dagpact-start-'));
    try {
      const config = parseServerConfig({ DAGPACT_DATA_DIR: dataDir, DAGPACT_LOG_LEVEL: 'silent', DAGPACT_HOST: '127.0.0.1', DAGPACT_PORT: String(port) });
      await expect(startServer(config)).rejects.toThrow(/EADDRINUSE/);
      expect(fake.closed).toBe(1);
    } finally {
      taken.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
