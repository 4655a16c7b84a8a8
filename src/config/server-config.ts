// Settings of the API server (`dagpact serve`).
import { availableParallelism } from 'node:os';
import { airflowSettings, checkAirflowSettings } from './airflow-settings.js';
import { checkSecuritySettings, securitySettings } from './security-settings.js';
import { parsers, parseSettings, type Setting, type SettingsOf } from './parse.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const s = <T>(setting: Setting<T>) => setting;

export const commonSettings = {
  databaseUrl: s<string | undefined>({
    env: 'DATABASE_URL', flag: 'database-url', expects: 'a postgres:// or postgresql:// URL',
    parse: parsers.url(['postgres:', 'postgresql:']), default: undefined,
  }),
  dataDir: s<string>({
    env: 'DAGPACT_DATA_DIR', flag: 'data-dir', expects: 'a directory path',
    parse: parsers.string, default: '.data/dagpact',
  }),
  pulsarServiceUrl: s<string | undefined>({
    env: 'PULSAR_SERVICE_URL', flag: 'pulsar-service-url', expects: 'a pulsar:// or pulsar+ssl:// URL',
    parse: parsers.url(['pulsar:', 'pulsar+ssl:']), default: undefined,
  }),
  pulsarAdminUrl: s<string | undefined>({
    env: 'PULSAR_ADMIN_URL', flag: 'pulsar-admin-url', expects: 'an http:// or https:// URL',
    parse: parsers.url(['http:', 'https:']), default: undefined,
  }),
  pulsarToken: s<string | undefined>({
    env: 'PULSAR_TOKEN', flag: 'pulsar-token', expects: 'a token', parse: parsers.string, default: undefined, secret: true,
  }),
  pulsarTokenFile: s<string | undefined>({
    env: 'PULSAR_TOKEN_FILE', flag: 'pulsar-token-file', expects: 'a file path (read again on every connect)', parse: parsers.string, default: undefined,
  }),
  logLevel: s<LogLevel>({
    env: 'DAGPACT_LOG_LEVEL', flag: 'log-level', expects: `one of ${LOG_LEVELS.join(', ')}`,
    parse: parsers.oneOf(LOG_LEVELS), default: 'info',
  }),
  shutdownTimeoutMs: s<number>({
    env: 'DAGPACT_SHUTDOWN_TIMEOUT_MS', flag: 'shutdown-timeout-ms', expects: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt, default: 10_000,
  }),
};

/** Where an accepted message goes: shared by the gatekeeper and the server's quarantine replay. */
export const triggerTopicPatternSetting = s<string>({
  env: 'DAGPACT_TRIGGER_TOPIC_PATTERN', flag: 'trigger-topic-pattern', expects: 'a topic name containing {dag_id}',
  parse: (raw) => (raw.includes('{dag_id}') ? raw : undefined), default: 'persistent://public/default/dagpact-trigger-{dag_id}',
});

/** Where an HTTP listener binds: `<envPrefix>_HOST` and `<envPrefix>_PORT`, flags --host and --port. */
export function listenSettings(envPrefix: string, defaultPort: number) {
  return {
    host: s<string>({
      env: `${envPrefix}_HOST`, flag: 'host', expects: 'a host name or IP address',
      parse: parsers.string, default: '127.0.0.1',
    }),
    port: s<number>({
      env: `${envPrefix}_PORT`, flag: 'port', expects: 'an integer from 0 to 65535',
      parse: parsers.port, default: defaultPort,
    }),
  };
}

export const serverSettings = {
  ...commonSettings,
  ...listenSettings('DAGPACT', 8081),
  adminToken: s<string | undefined>({
    env: 'DAGPACT_ADMIN_TOKEN', flag: 'admin-token', expects: 'a token of at least 16 characters',
    parse: (raw) => (raw.length >= 16 ? raw : undefined), default: undefined, secret: true,
  }),
  authReads: s<boolean>({
    env: 'DAGPACT_AUTH_READS', flag: 'auth-reads', expects: 'true or false',
    parse: parsers.boolean, default: false,
  }),
  triggerTopicPattern: triggerTopicPatternSetting,
  // Quarantine replay forwards like the gatekeeper does: the same DAGs go to Airflow.
  ...airflowSettings,
  gatekeeperStatusUrl: s<string | undefined>({
    env: 'DAGPACT_GATEKEEPER_STATUS_URL', flag: 'gatekeeper-status-url', expects: "an http:// or https:// URL (the gatekeeper's own listener)",
    parse: parsers.url(['http:', 'https:']), default: undefined,
  }),
  // The same name the gatekeeper reads: GET /v1/gatekeeper/backlog looks up this subscription's backlog.
  gatekeeperSubscription: s<string>({
    env: 'DAGPACT_GATEKEEPER_SUBSCRIPTION', flag: 'gatekeeper-subscription', expects: "the gatekeeper's subscription name",
    parse: parsers.string, default: 'dagpact-gatekeeper',
  }),
  pulsarLiveCacheSeconds: s<number>({
    env: 'DAGPACT_PULSAR_LIVE_CACHE_SECONDS', flag: 'pulsar-live-cache-seconds',
    expects: 'a positive integer (seconds): how long drift and backlog read from the broker are reused', parse: parsers.positiveInt, default: 30,
  }),
  ...securitySettings,
  bodyLimitBytes: s<number>({
    env: 'DAGPACT_BODY_LIMIT_BYTES', flag: 'body-limit-bytes', expects: 'a positive integer (bytes)',
    parse: parsers.positiveInt, default: 8 * 1024 * 1024,
  }),
  // Limits of docs/adr/0013: slow and idle clients, connection count, failed authentications, caches.
  requestTimeoutMs: s<number>({
    env: 'DAGPACT_REQUEST_TIMEOUT_MS', flag: 'request-timeout-ms', expects: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt, default: 30_000,
  }),
  headersTimeoutMs: s<number>({
    env: 'DAGPACT_HEADERS_TIMEOUT_MS', flag: 'headers-timeout-ms', expects: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt, default: 10_000,
  }),
  idleTimeoutMs: s<number>({
    env: 'DAGPACT_IDLE_TIMEOUT_MS', flag: 'idle-timeout-ms', expects: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt, default: 60_000,
  }),
  keepAliveTimeoutMs: s<number>({
    env: 'DAGPACT_KEEP_ALIVE_TIMEOUT_MS', flag: 'keep-alive-timeout-ms', expects: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt, default: 5_000,
  }),
  maxConnections: s<number>({
    env: 'DAGPACT_MAX_CONNECTIONS', flag: 'max-connections', expects: 'a positive integer',
    parse: parsers.positiveInt, default: 1_000,
  }),
  authFailuresPerMinute: s<number>({
    env: 'DAGPACT_AUTH_FAILURES_PER_MINUTE', flag: 'auth-failures-per-minute', expects: 'a positive integer',
    parse: parsers.positiveInt, default: 20,
  }),
  allowedHosts: s<string[]>({
    env: 'DAGPACT_ALLOWED_HOSTS', flag: 'allowed-hosts', expects: 'comma-separated host names',
    parse: (raw) => raw.split(',').map((h) => h.trim()).filter((h) => h.length > 0), default: [],
  }),
  schemaCacheBytes: s<number>({
    env: 'DAGPACT_SCHEMA_CACHE_BYTES', flag: 'schema-cache-bytes', expects: 'a positive integer (bytes)',
    parse: parsers.positiveInt, default: 64 * 1024 * 1024,
  }),
  // The compute pool (docs/adr/0019): worker threads for schema parsing, compatibility and manifest YAML.
  computeWorkers: s<number>({
    env: 'DAGPACT_COMPUTE_WORKERS', flag: 'compute-workers', expects: 'an integer from 0 (work in the event loop) to 64',
    parse: (raw) => (/^\d{1,2}$/.test(raw.trim()) && Number(raw.trim()) <= 64 ? Number(raw.trim()) : undefined),
    // One worker per core beyond the one serving requests, at least one, at most two by default.
    default: Math.min(2, Math.max(1, availableParallelism() - 1)),
  }),
  computeQueue: s<number>({
    env: 'DAGPACT_COMPUTE_QUEUE', flag: 'compute-queue', expects: 'a positive integer (tasks waiting for a worker)',
    parse: parsers.positiveInt, default: 64,
  }),
  computeWaitMs: s<number>({
    env: 'DAGPACT_COMPUTE_WAIT_MS', flag: 'compute-wait-ms', expects: 'a positive integer (milliseconds a task may wait for a worker)',
    parse: parsers.positiveInt, default: 5_000,
  }),
  computeTimeoutMs: s<number>({
    env: 'DAGPACT_COMPUTE_TIMEOUT_MS', flag: 'compute-timeout-ms', expects: 'a positive integer (milliseconds one task may run)',
    parse: parsers.positiveInt, default: 20_000,
  }),
  computeMemoryMb: s<number>({
    env: 'DAGPACT_COMPUTE_MEMORY_MB', flag: 'compute-memory-mb', expects: 'a positive integer (MB of heap per worker)',
    parse: parsers.positiveInt, default: 512,
  }),
};

export type ServerConfig = SettingsOf<typeof serverSettings>;

export function parseServerConfig(env: Record<string, string | undefined>, flags?: Map<string, string>): ServerConfig {
  const config = parseSettings(serverSettings, env, flags);
  checkAirflowSettings(config);
  checkSecuritySettings(config);
  return config;
}
