import { describe, expect, it } from 'vitest';
import { ConfigError, splitArgs } from '../../../src/config/parse.js';
import { parseServerConfig } from '../../../src/config/server-config.js';

describe('server config', () => {
  it('has the documented defaults', () => {
    const c = parseServerConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8081, databaseUrl: undefined, dataDir: '.data/dagpact', logLevel: 'info', authReads: false, gatekeeperStatusUrl: undefined });
  });

  it.each([
    { env: { DAGPACT_PORT: 'eighty' }, message: /^DAGPACT_PORT must be an integer from 0 to 65535 \(got "eighty"\)$/ },
    { env: { DAGPACT_PORT: '70000' }, message: /DAGPACT_PORT must be an integer/ },
    { env: { DATABASE_URL: 'mysql://x' }, message: /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/ },
    { env: { PULSAR_SERVICE_URL: 'http://x:6650' }, message: /^PULSAR_SERVICE_URL must be a pulsar:\/\/ or pulsar\+ssl:\/\/ URL/ },
    { env: { PULSAR_ADMIN_URL: 'not a url' }, message: /^PULSAR_ADMIN_URL must be an http/ },
    { env: { DAGPACT_LOG_LEVEL: 'loud' }, message: /^DAGPACT_LOG_LEVEL must be one of fatal, error/ },
    { env: { DAGPACT_ADMIN_TOKEN: 'short' }, message: /^DAGPACT_ADMIN_TOKEN must be a token of at least 16 characters/ },
    { env: { DAGPACT_AUTH_READS: 'maybe' }, message: /^DAGPACT_AUTH_READS must be true or false/ },
    { env: { DAGPACT_GATEKEEPER_STATUS_URL: 'gatekeeper:9090' }, message: /^DAGPACT_GATEKEEPER_STATUS_URL must be an http:\/\/ or https:\/\/ URL/ },
    { env: { DAGPACT_PULSAR_LIVE_CACHE_SECONDS: '0' }, message: /^DAGPACT_PULSAR_LIVE_CACHE_SECONDS must be a positive integer/ },
    { env: { DAGPACT_OIDC_CONSOLE_CLIENT_ID: 'console' }, message: /^DAGPACT_OIDC_CONSOLE_CLIENT_ID needs DAGPACT_OIDC_ISSUER/ },
    { env: { DAGPACT_OIDC_CONSOLE_SCOPES: 'openid  "api"' }, message: /^DAGPACT_OIDC_CONSOLE_SCOPES must be space-separated scopes/ },
  ])('rejects $env with one clear line', ({ env, message }) => {
    expect(() => parseServerConfig(env)).toThrow(ConfigError);
    expect(() => parseServerConfig(env)).toThrow(message);
  });

  it('reads the console and live-Pulsar settings', () => {
    expect(parseServerConfig({})).toMatchObject({ gatekeeperSubscription: 'dagpact-gatekeeper', pulsarLiveCacheSeconds: 30, oidcConsoleScopes: 'openid', oidcConsoleClientId: undefined });
    expect(parseServerConfig({
      DAGPACT_OIDC_ISSUER: 'https://id.example.com', DAGPACT_OIDC_AUDIENCE: 'https://dagpact.example.com', DAGPACT_OIDC_CONSOLE_CLIENT_ID: 'dagpact-console',
      DAGPACT_OIDC_CONSOLE_SCOPES: 'openid profile api', DAGPACT_GATEKEEPER_SUBSCRIPTION: 'gk-prod',
    })).toMatchObject({ oidcConsoleClientId: 'dagpact-console', oidcConsoleScopes: 'openid profile api', gatekeeperSubscription: 'gk-prod' });
  });

  it('lets a CLI flag override the environment and names the flag in errors', () => {
    const { flags } = splitArgs(['--port', '9000', '--log-level=debug']);
    expect(parseServerConfig({ DAGPACT_PORT: '1' }, flags)).toMatchObject({ port: 9000, logLevel: 'debug' });
    expect(() => parseServerConfig({}, splitArgs(['--port=x']).flags)).toThrow(/^--port must be/);
  });
});
