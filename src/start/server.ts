// The API server's composition root: config in, a listening server out.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { airflowClientFromSettings } from '../airflow/client.js';
import type { ServerConfig } from '../config/server-config.js';
import { makeTokenService } from '../core/auth.js';
import { buildApp } from '../http/app.js';
import { startupOf } from '../http/startup-gate.js';
import { makePulsarAdmin } from '../pulsar-admin/admin-client.js';
import { makeGatekeeperStatusClient } from '../gatekeeper-client/status.js';
import { makePayloadCipher } from '../store/payload-cipher.js';
import { readTokenFile } from '../support/token-file.js';
import { makeLazyForwarder } from './replay-forwarder.js';
import { makeAirflowDagStates } from '../gatekeeper/airflow-dag-states.js';
import { makeServices } from './services.js';
import { makeComputePool, type ComputePool } from '../compute-pool/pool.js';
import { installShutdown } from './shutdown.js';
import type { Database } from '../store/db.js';
import { makeLogger, openConfiguredDatabase } from './common.js';
import { makeAuditLog, makeTokenStore } from '../store/token-store.js';
import { warmManifestValidator } from '../core/contracts/manifest.js';

export async function startServer(config: ServerConfig) {
  const log = makeLogger(config.logLevel, 'dagpact-server');
  // The embedded database's lock is taken here (a second process is refused before anything listens);
  // it opens and migrates while the app is built and listens: /readyz says "starting" until then, and
  // other requests wait for it (docs/adr/0021).
  const database = await openConfiguredDatabase(config, log, { waitReady: false });
  const migrated = database.migrate();
  const startup = startupOf(migrated);
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let replay: ReturnType<typeof makeLazyForwarder> | undefined;
  let compute: ComputePool | undefined;
  let shutdown: ReturnType<typeof installShutdown> | undefined;
  try {
    const audit = makeAuditLog(database.db);
    // jose is loaded only when OIDC is configured.
    const bearer = config.oidcIssuer && config.oidcAudience
      ? (await import('../oidc/oidc-verifier.js')).makeOidcVerifier({
        issuer: config.oidcIssuer, audience: config.oidcAudience, rolesClaim: config.oidcRolesClaim, roleMap: config.oidcRoleMap ?? {},
        clockSkewSeconds: config.oidcClockSkewSeconds, jwksCacheMaxAgeMs: config.oidcJwksCacheSeconds * 1000,
        jwksCooldownMs: config.oidcJwksCooldownSeconds * 1000,
      })
      : undefined;
    const tokens = makeTokenService({
      store: makeTokenStore(database.db), adminToken: config.adminToken, rotationGraceSeconds: config.tokenRotationGraceSeconds,
      ...(bearer ? { bearer } : {}),
    });
    const payloadCipher = config.payloadKey
      ? makePayloadCipher({ key: config.payloadKey, ...(config.payloadPreviousKeys ? { previousKeys: config.payloadPreviousKeys } : {}) })
      : undefined;
    const redaction = {
      ...(config.sensitiveTags ? { tags: config.sensitiveTags } : {}),
      ...(config.sensitiveProperties ? { propertyNames: config.sensitiveProperties } : {}),
    };
    if (!tokens.enabled) {
      log.warn('DAGPACT_ADMIN_TOKEN is not set: the API runs without authentication (every caller may write). Set it in any shared environment.');
    }
    // PULSAR_TOKEN_FILE is read again for every admin request and every (re)connect of replay's transport.
    const pulsarToken = config.pulsarTokenFile ? readTokenFile(config.pulsarTokenFile) : config.pulsarToken;
    const pulsarAdmin = config.pulsarAdminUrl ? makePulsarAdmin({ url: config.pulsarAdminUrl, token: pulsarToken }) : undefined;
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'dagpact_' });
    // Quarantine replay forwards through Pulsar; without PULSAR_SERVICE_URL it answers 503 saying so.
    // DAGs forwarded to Airflow (DAGPACT_FORWARD_TO=airflow) are replayed as Airflow DAG runs; the client
    // gets its token on first use, so the server starts while Airflow is down.
    const airflow = airflowClientFromSettings(config);
    replay = config.pulsarServiceUrl
      ? makeLazyForwarder({
        serviceUrl: config.pulsarServiceUrl, token: pulsarToken, triggerTopicPattern: config.triggerTopicPattern, log,
        target: { forwardTo: config.forwardTo, ...(config.airflowDags ? { airflowDags: config.airflowDags } : {}) },
        ...(airflow ? { airflow, airflowDags: makeAirflowDagStates({ airflow, refreshMs: config.airflowRefreshMs }) } : {}),
      })
      : undefined;
    // Schema parsing, compatibility verdicts and manifest YAML run in worker threads, off the event loop
    // that answers every other request (docs/adr/0019); DAGPACT_COMPUTE_WORKERS=0 keeps them in it.
    compute = config.computeWorkers > 0
      ? makeComputePool({
        size: config.computeWorkers, maxQueue: config.computeQueue, maxWaitMs: config.computeWaitMs,
        taskTimeoutMs: config.computeTimeoutMs, memoryLimitMb: config.computeMemoryMb, cacheBytes: Math.floor(config.schemaCacheBytes / 2), log,
      })
      : undefined;
    const services = makeServices({
      ...(compute ? { compute } : {}),
      database, audit, pulsarAdmin, redaction, cacheBytes: config.schemaCacheBytes,
      live: { subscription: config.gatekeeperSubscription, cacheMs: config.pulsarLiveCacheSeconds * 1000 }, ...(payloadCipher ? { payloadCipher } : {}), ...(replay ? { forwarder: replay.forwarder } : {}), ...(airflow ? { airflow } : {}),
    });
    app = await buildApp({
      database, startup, tokens, audit, services, pulsarAdmin, metrics,
      ...(config.gatekeeperStatusUrl ? { gatekeeperStatus: makeGatekeeperStatusClient({ url: config.gatekeeperStatusUrl }) } : {}),
      ...(config.oidcIssuer && config.oidcAudience && config.oidcConsoleClientId ? {
        console: { oidc: { issuer: config.oidcIssuer, clientId: config.oidcConsoleClientId, scopes: config.oidcConsoleScopes, resource: config.oidcAudience } },
      } : {}),
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
    // Installed as soon as it listens: a SIGTERM while the database is still migrating drains too.
    const listening = app;
    const pulsar = replay;
    const workers = compute;
    shutdown = installShutdown({
      log,
      deadlineMs: config.shutdownTimeoutMs,
      steps: [
        { name: 'http', run: () => listening.close() },
        ...(pulsar ? [{ name: 'pulsar', run: () => pulsar.close() }] : []),
        // After http: requests still draining may be waiting on a worker.
        ...(workers ? [{ name: 'compute', run: () => workers.close() }] : []),
        { name: 'database', run: async () => { await migrated.catch(() => undefined); await database.close(); } },
      ],
    });
    await migrated;
    // One-time work that would otherwise stall the event loop inside the first manifest request.
    warmManifestValidator();
  } catch (error) {
    shutdown?.dispose();
    // A failed migrate, build or listen must not leave the database (or a half-built app) open.
    await app?.close().catch((err: unknown) => log.warn({ err }, 'closing the app after a failed start failed'));
    await replay?.close().catch((err: unknown) => log.warn({ err }, 'closing pulsar after a failed start failed'));
    await compute?.close().catch((err: unknown) => log.warn({ err }, 'stopping the compute workers after a failed start failed'));
    await database.close().catch((err: unknown) => log.warn({ err }, 'closing the database after a failed start failed'));
    throw error;
  }
  return { app, database, log };
}
