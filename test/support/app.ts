// A real app (buildApp) over a real test database, for app.inject() tests.
import type { AirflowDagVersions } from '../../src/core/contracts/types.js';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { makeTokenService, type BearerVerifier } from '../../src/core/auth.js';
import { buildApp } from '../../src/http/app.js';
import type { AppDeps } from '../../src/http/deps.js';
import type { PulsarAdmin } from '../../src/pulsar-admin/admin-client.js';
import { makeServices } from '../../src/start/services.js';
import { makeComputePool } from '../../src/compute-pool/pool.js';
import { makeAuditLog, makeTokenStore } from '../../src/store/token-store.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  close(): Promise<void>;
}

export async function buildTestApp(options: {
  adminToken?: string | null; authReads?: boolean; bearer?: BearerVerifier; pulsarAdmin?: PulsarAdmin; db?: TestDatabase; airflow?: AirflowDagVersions;
  httpLimits?: AppDeps['httpLimits']; startup?: AppDeps['startup']; schemaCompilers?: AppDeps['schemaCompilers'];
  live?: { subscription?: string; cacheMs?: number };
} = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const audit = makeAuditLog(db.database.db);
  const adminToken = options.adminToken === null ? undefined : (options.adminToken ?? TEST_ADMIN_TOKEN);
  const tokens = makeTokenService({ store: makeTokenStore(db.database.db), adminToken, ...(options.bearer ? { bearer: options.bearer } : {}) });
  // Schema work goes through a real worker thread, as in `dagpact serve` (the worker loads src/ through tsx
  // here, whose first compile is slow on a busy machine: hence the generous wait).
  const compute = makeComputePool({ size: 1, maxQueue: 64, maxWaitMs: 60_000, taskTimeoutMs: 60_000 });
  const services = makeServices({ database: db.database, audit, pulsarAdmin: options.pulsarAdmin, compute, ...(options.airflow ? { airflow: options.airflow } : {}),
    ...(options.live ? { live: options.live } : {}) });
  const app = await buildApp({
    database: db.database, tokens, audit, services, pulsarAdmin: options.pulsarAdmin,
    metrics: new Registry(), authReads: options.authReads ?? false,
    ...(options.httpLimits ? { httpLimits: options.httpLimits } : {}),
    ...(options.startup ? { startup: options.startup } : {}),
    ...(options.schemaCompilers ? { schemaCompilers: options.schemaCompilers } : {}),
  });
  await app.ready();
  return {
    app, db,
    async close() {
      await app.close();
      await compute.close();
      if (!options.db) await db.drop();
    },
  };
}

export const adminHeaders = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
