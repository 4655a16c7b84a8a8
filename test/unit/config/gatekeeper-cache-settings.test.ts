// The gatekeeper's memory is bounded by configuration (issue 15): its caches' entries and the registry's
// schema cache bytes, with defaults, and a clear error for a value that is not a positive integer.
import { describe, expect, it } from 'vitest';
import { parseGatekeeperConfig } from '../../../src/config/gatekeeper-config.js';
import { ConfigError } from '../../../src/config/parse.js';

const required = { DATABASE_URL: 'postgres://db/x', PULSAR_SERVICE_URL: 'pulsar://broker:6650', DAGPACT_ENVIRONMENT: 'prod' };

describe('gatekeeper cache settings', () => {
  it.each<[string, Record<string, string>, { cacheEntries: number; schemaCacheBytes: number }]>([
    ['defaults', {}, { cacheEntries: 10_000, schemaCacheBytes: 64 * 1024 * 1024 }],
    ['both set', { DAGPACT_GATEKEEPER_CACHE_ENTRIES: '500', DAGPACT_SCHEMA_CACHE_BYTES: '1048576' }, { cacheEntries: 500, schemaCacheBytes: 1_048_576 }],
  ])('%s', (_name, env, expected) => {
    expect(parseGatekeeperConfig({ ...required, ...env })).toMatchObject(expected);
  });

  it.each([['DAGPACT_GATEKEEPER_CACHE_ENTRIES', '0'], ['DAGPACT_GATEKEEPER_CACHE_ENTRIES', 'many'], ['DAGPACT_SCHEMA_CACHE_BYTES', '-1']])(
    'refuses %s=%s, naming the setting', (name, value) => {
      expect(() => parseGatekeeperConfig({ ...required, [name]: value })).toThrow(ConfigError);
      expect(() => parseGatekeeperConfig({ ...required, [name]: value })).toThrow(name);
    });
});
