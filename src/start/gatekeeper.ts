// The gatekeeper's composition root: config in, a running consumer loop, its HTTP listener and the
// shared graceful shutdown out. Nothing below this file reads process.env. The database may be down
// at start: the HTTP listener (/healthz answering 503 "starting") and the signal handlers come first,
// then the migrations check and the first routing table are retried with backoff until they answer.
import type { Logger } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { airflowClientFromSettings, type AirflowClient } from '../airflow/client.js';
import type { GatekeeperConfig } from '../config/gatekeeper-config.js';
import { ConfigError } from '../config/parse.js';
import { DagpactError } from '../core/errors.js';
import { makeFormats } from '../core/formats/index.js';
import { makeQuarantineStore } from '../store/quarantine-store.js';
import { normalizeTopic } from '../core/pulsar-names.js';
import { makeLogger, openConfiguredDatabase } from './common.js';
import { makeServices } from './services.js';
import { installShutdown } from './shutdown.js';
import { makeAuditLog } from '../store/token-store.js';
import type { Forwarder } from '../gatekeeper/adapters/replayer.js';
import { makeDbRoutingSource } from '../gatekeeper/adapters/db-routing.js';
import { openPulsarTransport } from '../gatekeeper/adapters/pulsar.js';
import { makeGatekeeper } from '../gatekeeper/gatekeeper.js';
import { startGatekeeperHttp } from '../gatekeeper/http.js';
import { makeGatekeeperMetrics } from '../gatekeeper/metrics.js';
import { BoundedCache, makeResolver } from '../gatekeeper/resolver.js';
import { makeSinks, makeTriggerSchemas } from '../gatekeeper/sinks.js';
import { makeAirflowDagStates } from '../gatekeeper/airflow-dag-states.js';
import { makeBrokerSchemaStore } from '../store/broker-schema-store.js';
import { makePayloadCipher } from '../store/payload-cipher.js';
import { readTokenFile } from '../support/token-file.js';
import { schemaMarksSensitive } from '../core/quarantine/redact.js';
import { redactedPreview } from '../core/quarantine/decode.js';

/**
 * The Airflow client when accepted messages go to Airflow. Its URL and credentials are checked once
 * here: a refusal stops start-up with one line; an Airflow that does not answer yet only warns (the
 * forwards wait for it like for any unavailable dependency: nacked, redelivered, paused).
 */
async function openAirflow(config: GatekeeperConfig, log: Logger): Promise<AirflowClient | undefined> {
  const client = airflowClientFromSettings(config);
  if (!client) return undefined;
  try {
    await client.check();
    log.info({ airflow: client.baseUrl, forwardTo: config.forwardTo, dags: config.airflowDags ?? 'all' }, 'Airflow answers: DAGs that forward to it (DAGPACT_FORWARD_TO, or forward_to: airflow in a manifest) get DAG runs');
  } catch (error) {
    if (error instanceof DagpactError && error.retriable) {
      log.warn({ airflow: client.baseUrl, err: error.message }, 'Airflow does not answer yet; forwards to it wait until it does');
    } else {
      throw new ConfigError(`AIRFLOW_URL ${client.baseUrl}: ${(error as Error).message}`);
    }
  }
  return client;
}

export async function startGatekeeper(config: GatekeeperConfig, options: { installSignals?: boolean } = {}) {
  const log = makeLogger(config.logLevel, 'dagpact-gatekeeper');
  const airflow = await openAirflow(config, log);
  const database = await openConfiguredDatabase(config, log);
  const audit = makeAuditLog(database.db);
  const services = makeServices({ database, audit, cacheBytes: config.schemaCacheBytes });
  const formats = makeFormats();
  let pulsar: Awaited<ReturnType<typeof openPulsarTransport>>;
  try {
    pulsar = await openPulsarTransport({
      serviceUrl: config.pulsarServiceUrl!, log,
      // A token file is read again on every (re)connect: the broker's token can be rotated without a restart.
      token: config.pulsarTokenFile ? readTokenFile(config.pulsarTokenFile) : config.pulsarToken,
    });
  } catch (error) {
    // Nothing else is open yet; the database is, and would keep the process alive.
    await database.close().catch((err: unknown) => log.warn({ err }, 'closing the database after a failed start failed'));
    throw error;
  }
  const metrics = makeGatekeeperMetrics();
  const target = { forwardTo: config.forwardTo, ...(config.airflowDags ? { airflowDags: config.airflowDags } : {}) };
  const airflowDags = airflow ? makeAirflowDagStates({ airflow, refreshMs: config.airflowRefreshMs }) : undefined;
  const resolver = makeResolver({
    registry: services.registry, formats, brokerSchemas: pulsar.brokerSchemas, writers: makeBrokerSchemaStore(database.db),
    verdicts: new BoundedCache(config.cacheEntries), noRoutePolicy: config.noRoutePolicy, cacheEntries: config.cacheEntries,
    ...(airflowDags ? { airflow: { target, states: airflowDags } } : {}),
  });
  const redaction = {
    ...(config.sensitiveTags ? { tags: config.sensitiveTags } : {}),
    ...(config.sensitiveProperties ? { propertyNames: config.sensitiveProperties } : {}),
  };
  const cipher = config.payloadKey
    ? makePayloadCipher({ key: config.payloadKey, ...(config.payloadPreviousKeys ? { previousKeys: config.payloadPreviousKeys } : {}) })
    : undefined;
  const sensitiveSchemas = new BoundedCache<Promise<boolean>>(config.cacheEntries);
  const sinks = makeSinks({
    publisher: pulsar.publisher,
    store: makeQuarantineStore(database.db, cipher ? { cipher } : {}),
    schemaIsSensitive(schemaId) {
      let hit = sensitiveSchemas.get(String(schemaId));
      if (!hit) {
        hit = services.registry.getSchemaById({ id: schemaId }).then((s) => schemaMarksSensitive(JSON.parse(s.schema), redaction));
        sensitiveSchemas.set(String(schemaId), hit);
        hit.catch(() => sensitiveSchemas.delete(String(schemaId)));
      }
      return hit;
    },
    redactedPreview: (message) => redactedPreview(message, { registry: services.registry, formats, policy: redaction }),
    config: {
      redaction,
      environment: config.environment, triggerTopicPattern: config.triggerTopicPattern,
      quarantineTopic: config.quarantineTopic, deadLetterTopic: config.deadLetterTopic,
      forwardTo: config.forwardTo, ...(config.airflowDags ? { airflowDags: config.airflowDags } : {}),
    },
    ...(airflow ? { airflow } : {}),
    triggerSchema: makeTriggerSchemas({ schema: resolver.schema, formats }),
    ...(airflowDags ? { onAirflowRefused: (dagId: string) => airflowDags.invalidate(dagId) } : {}),
  });
  const routing = makeDbRoutingSource(database.db);
  let migrationsChecked = false;
  const gatekeeper = makeGatekeeper({
    environment: config.environment,
    routing: {
      // The migrations check runs before the first table, inside start()'s retries: an unreachable
      // database is waited for, an unmigrated one is an error (not retried).
      async routingTable(args) {
        if (!migrationsChecked) {
          if ((await database.pendingMigrations()) > 0) throw new Error('the database is not migrated; run "dagpact migrate" first');
          migrationsChecked = true;
        }
        return routing.routingTable(args);
      },
    },
    consumers: pulsar.consumers,
    process: { resolver, sinks, poisonRedeliveries: config.poisonRedeliveries, onDecision: metrics.decision },
    subscription: config.subscription,
    topics: config.topics,
    refreshMs: config.routingRefreshMs,
    concurrency: config.concurrency,
    normalizeTopic,
    metrics,
    retryPause: { maxMs: config.retryMaxMs },
    log,
  });
  let http: Awaited<ReturnType<typeof startGatekeeperHttp>> | undefined;
  const steps = [
    { name: 'consumers (drain in-flight messages)', run: () => gatekeeper.stop() },
    { name: 'pulsar', run: () => pulsar.close() },
    { name: 'http', run: async () => { await http?.close(); } },
    { name: 'database', run: () => database.close() },
  ];
  const closeAll = async () => {
    for (const step of steps) await step.run().catch((err: unknown) => log.warn({ err, step: step.name }, 'stop step failed'));
  };
  let shutdown: ReturnType<typeof installShutdown> | undefined;
  try {
    http = await startGatekeeperHttp({ host: config.host, port: config.port, metrics: metrics.registry as PromRegistry, status: gatekeeper.status });
    shutdown = options.installSignals === false ? undefined : installShutdown({ log, deadlineMs: config.shutdownTimeoutMs, steps });
    await gatekeeper.start();
  } catch (error) {
    shutdown?.dispose();
    await closeAll();
    throw error;
  }
  log.info({ environment: config.environment, port: http.port, topics: gatekeeper.status().topics }, 'gatekeeper running');
  const forwarder: Forwarder = {
    publisher: pulsar.publisher, triggerTopicPattern: config.triggerTopicPattern, brokerSchemas: pulsar.brokerSchemas,
    target,
    ...(airflow ? { airflow } : {}),
    ...(airflowDags ? { airflowDags } : {}),
  };
  return {
    gatekeeper, http, log, metrics, forwarder,
    /** Drain and close everything (tests; the CLI relies on the signal handlers). */
    async stop() {
      shutdown?.dispose();
      await closeAll();
    },
  };
}
