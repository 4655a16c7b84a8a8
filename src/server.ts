// The API server's composition root: config in, a listening server out.
import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { airflowClientFromSettings } from './airflow/client.js';
import type { ServerConfig } from './config/server-config.js';
import { makeTokenService } from './core/auth.js';
import { buildApp } from './http/app.js';
import { makePulsarAdmin } from './pulsar-admin/admin-client.js';
import { makeLazyForwarder } from './replay-forwarder.js';
import { makeServices } from './services.js';
import { installShutdown } from './shutdown.js';
import { openDatabase, type Database } from './store/db.js';
import { makeAuditLog, makeTokenStore } from './store/token-store.js';

export function makeLogger(level: ServerConfig['logLevel'], name: string): Logger {
  return pino({ level, name, base: { pid: process.pid } });
}

export async function openConfiguredDatabase(config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'>, log: Logger): Promise<Database> {
  if (config.databaseUrl) {
    log.info({ database: redactUrl(config.databaseUrl) }, 'using PostgreSQL');
    return openDatabase({ url: config.databaseUrl });
  }
  log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: using the embedded PGlite database');
  return openDatabase({ dataDir: config.dataDir });
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

export async function startServer(config: ServerConfig) {
  const log = makeLogger(config.logLevel, 'dagpact-server');
  const database = await openConfiguredDatabase(config, log);
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let replay: ReturnType<typeof makeLazyForwarder> | undefined;
  try {
    await database.migrate();
    const audit = makeAuditLog(database.db);
    const tokens = makeTokenService({ store: makeTokenStore(database.db), audit, adminToken: config.adminToken });
    if (!tokens.enabled) {
      log.warn('DAGPACT_ADMIN_TOKEN is not set: the API runs without authentication (every caller may write). Set it in any shared environment.');
    }
    const pulsarAdmin = config.pulsarAdminUrl ? makePulsarAdmin({ url: config.pulsarAdminUrl, token: config.pulsarToken }) : undefined;
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'dagpact_' });
    // Quarantine replay forwards through Pulsar; without PULSAR_SERVICE_URL it answers 503 saying so.
    // DAGs forwarded to Airflow (DAGPACT_FORWARD_TO=airflow) are replayed as Airflow DAG runs; the client
    // gets its token on first use, so the server starts while Airflow is down.
    const airflow = airflowClientFromSettings(config);
    replay = config.pulsarServiceUrl
      ? makeLazyForwarder({
        serviceUrl: config.pulsarServiceUrl, token: config.pulsarToken, triggerTopicPattern: config.triggerTopicPattern, log,
        target: { forwardTo: config.forwardTo, ...(config.airflowDags ? { airflowDags: config.airflowDags } : {}) },
        ...(airflow ? { airflow } : {}),
      })
      : undefined;
    const services = makeServices({
      database, audit, pulsarAdmin, cacheBytes: config.schemaCacheBytes, ...(replay ? { forwarder: replay.forwarder } : {}), ...(airflow ? { airflow } : {}),
    });
    app = await buildApp({
      database, tokens, audit, services, pulsarAdmin, metrics,
      authReads: config.authReads, bodyLimitBytes: config.bodyLimitBytes, logger: log,
      httpLimits: {
        requestTimeoutMs: config.requestTimeoutMs, headersTimeoutMs: config.headersTimeoutMs, idleTimeoutMs: config.idleTimeoutMs,
        keepAliveTimeoutMs: config.keepAliveTimeoutMs, maxConnections: config.maxConnections,
        authFailuresPerWindow: config.authFailuresPerMinute, authFailureWindowMs: 60_000,
        // The configured listen address is served too, unless it is a wildcard.
        allowedHosts: [...config.allowedHosts, ...(['0.0.0.0', '::', ''].includes(config.host) ? [] : [config.host])],
      },
    });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // A failed migrate, build or listen must not leave the database (or a half-built app) open.
    await app?.close().catch((err: unknown) => log.warn({ err }, 'closing the app after a failed start failed'));
    await replay?.close().catch((err: unknown) => log.warn({ err }, 'closing pulsar after a failed start failed'));
    await database.close().catch((err: unknown) => log.warn({ err }, 'closing the database after a failed start failed'));
    throw error;
  }
  installShutdown({
    log,
    deadlineMs: config.shutdownTimeoutMs,
    steps: [
      { name: 'http', run: () => app.close() },
      ...(replay ? [{ name: 'pulsar', run: () => replay.close() }] : []),
      { name: 'database', run: () => database.close() },
    ],
  });
  return { app, database, log };
}
