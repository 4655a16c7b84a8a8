// Settings of the gatekeeper (`dagpact gatekeeper`).
import type { MismatchPolicy } from '../core/gatekeeper/routes.js';
import { airflowSettings, checkAirflowSettings } from './airflow-settings.js';
import { ConfigError, parsers, parseSettings, type Setting, type SettingsOf } from './parse.js';
import { commonSettings, listenSettings, triggerTopicPatternSetting } from './server-config.js';
import { securitySettings } from './security-settings.js';

const s = <T>(setting: Setting<T>) => setting;
const list = (raw: string) => {
  const items = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  return items.length ? items : undefined;
};
const policy = parsers.oneOf(['quarantine', 'reject'] as const);

export const gatekeeperSettings = {
  ...commonSettings,
  environment: s<string>({
    env: 'DAGPACT_ENVIRONMENT', flag: 'environment', expects: 'an environment name (dev, staging, prod, ...)',
    parse: parsers.string, default: '',
  }),
  topics: s<string[] | undefined>({
    env: 'DAGPACT_GATEKEEPER_TOPICS', flag: 'topics', expects: 'a comma-separated list of topics',
    parse: list, default: undefined,
  }),
  subscription: s<string>({
    env: 'DAGPACT_GATEKEEPER_SUBSCRIPTION', flag: 'subscription', expects: 'a subscription name',
    parse: parsers.string, default: 'dagpact-gatekeeper',
  }),
  triggerTopicPattern: triggerTopicPatternSetting,
  ...airflowSettings,
  quarantineTopic: s<string>({
    env: 'DAGPACT_QUARANTINE_TOPIC', flag: 'quarantine-topic', expects: 'a topic name',
    parse: parsers.string, default: 'persistent://public/default/dagpact-quarantine',
  }),
  deadLetterTopic: s<string>({
    env: 'DAGPACT_DEAD_LETTER_TOPIC', flag: 'dead-letter-topic', expects: 'a topic name',
    parse: parsers.string, default: 'persistent://public/default/dagpact-dead-letter',
  }),
  noRoutePolicy: s<MismatchPolicy>({
    env: 'DAGPACT_NO_ROUTE_POLICY', flag: 'no-route-policy', expects: 'quarantine or reject',
    parse: policy, default: 'quarantine',
  }),
  poisonRedeliveries: s<number>({
    env: 'DAGPACT_POISON_REDELIVERIES', flag: 'poison-redeliveries', expects: 'a positive integer',
    parse: parsers.positiveInt, default: 10,
  }),
  routingRefreshMs: s<number>({
    env: 'DAGPACT_ROUTING_REFRESH_MS', flag: 'routing-refresh-ms', expects: 'a positive integer (milliseconds)',
    parse: parsers.positiveInt, default: 3_000,
  }),
  concurrency: s<number>({
    env: 'DAGPACT_GATEKEEPER_CONCURRENCY', flag: 'concurrency', expects: 'a positive integer (messages in flight per topic)',
    parse: parsers.positiveInt, default: 64,
  }),
  // What the gatekeeper keeps in memory is bounded by these, whatever it is sent (issue 15: memory flat).
  cacheEntries: s<number>({
    env: 'DAGPACT_GATEKEEPER_CACHE_ENTRIES', flag: 'cache-entries',
    expects: 'a positive integer: entries each of its caches keeps (parsed writers, broker schema versions, verdicts, sensitivity)',
    parse: parsers.positiveInt, default: 10_000,
  }),
  schemaCacheBytes: s<number>({
    env: 'DAGPACT_SCHEMA_CACHE_BYTES', flag: 'schema-cache-bytes', expects: 'a positive integer (bytes): the registry caches of schema text and parsed schemas',
    parse: parsers.positiveInt, default: 64 * 1024 * 1024,
  }),
  retryMaxMs: s<number>({
    env: 'DAGPACT_GATEKEEPER_RETRY_MAX_MS', flag: 'retry-max-ms',
    expects: 'a positive integer (milliseconds): the longest pause of a consumer, or between start-up attempts, while a dependency is down',
    parse: parsers.positiveInt, default: 5_000,
  }),
  ...listenSettings('DAGPACT_GATEKEEPER', 8082),
  // Held payloads are sealed with the API server's key; what it publishes is redacted like the API's views.
  payloadKey: securitySettings.payloadKey,
  payloadPreviousKeys: securitySettings.payloadPreviousKeys,
  sensitiveProperties: securitySettings.sensitiveProperties,
  sensitiveTags: securitySettings.sensitiveTags,
};

export type GatekeeperConfig = SettingsOf<typeof gatekeeperSettings>;

export function parseGatekeeperConfig(env: Record<string, string | undefined>, flags?: Map<string, string>): GatekeeperConfig {
  const config = parseSettings(gatekeeperSettings, env, flags);
  if (!config.environment) throw new ConfigError('DAGPACT_ENVIRONMENT (--environment) is required: the environment whose deployments route messages');
  if (!config.pulsarServiceUrl) throw new ConfigError('PULSAR_SERVICE_URL (--pulsar-service-url) is required: the broker to consume from');
  checkAirflowSettings(config);
  return config;
}
