// Settings of identity and payload protection (docs/adr/0005, 0014): OIDC, token rotation, the key that
// seals held payloads, and what is redacted. Rejected values are never echoed (they may be secrets).
import { parseRoleMap } from '../oidc/oidc-verifier.js';
import { ConfigError, parsers, type Setting } from './parse.js';

const s = <T>(setting: Setting<T>) => setting;
const list = (raw: string) => {
  const items = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  return items.length ? items : undefined;
};
const key32 = (raw: string): Buffer | undefined => {
  const buf = Buffer.from(raw.trim(), 'base64');
  return buf.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(raw.trim()) ? buf : undefined;
};

export const securitySettings = {
  oidcIssuer: s<string | undefined>({
    env: 'DAGPACT_OIDC_ISSUER', flag: 'oidc-issuer', expects: 'an https:// (or http:// for tests) issuer URL',
    parse: parsers.url(['https:', 'http:']), default: undefined,
  }),
  oidcAudience: s<string | undefined>({
    env: 'DAGPACT_OIDC_AUDIENCE', flag: 'oidc-audience', expects: 'the audience (resource) the tokens must carry', parse: parsers.string, default: undefined,
  }),
  oidcRolesClaim: s<string>({
    env: 'DAGPACT_OIDC_ROLES_CLAIM', flag: 'oidc-roles-claim', expects: 'a claim name, dotted for nested claims (groups, roles, realm_access.roles)',
    parse: (raw) => (/^[\w:-]+(\.[\w:-]+)*$/.test(raw) ? raw : undefined), default: 'groups',
  }),
  oidcRoleMap: s<Record<string, string[]> | undefined>({
    env: 'DAGPACT_OIDC_ROLE_MAP', flag: 'oidc-role-map',
    expects: 'claim=role[,role];... with roles read, check, write, admin, deploy:<env>, payload:read:<env>',
    parse: parseRoleMap, default: undefined,
  }),
  oidcConsoleClientId: s<string | undefined>({
    env: 'DAGPACT_OIDC_CONSOLE_CLIENT_ID', flag: 'oidc-console-client-id',
    expects: "the console's client id at the provider (a public client: authorization code + PKCE, no secret)", parse: parsers.string, default: undefined,
  }),
  oidcConsoleScopes: s<string>({
    env: 'DAGPACT_OIDC_CONSOLE_SCOPES', flag: 'oidc-console-scopes', expects: 'space-separated scopes the console asks for (openid first)',
    parse: (raw) => (/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(raw.trim()) ? raw.trim() : undefined), default: 'openid',
  }),
  oidcClockSkewSeconds: s<number>({
    env: 'DAGPACT_OIDC_CLOCK_SKEW_SECONDS', flag: 'oidc-clock-skew-seconds', expects: 'a positive integer (seconds)', parse: parsers.positiveInt, default: 60,
  }),
  oidcJwksCacheSeconds: s<number>({
    env: 'DAGPACT_OIDC_JWKS_CACHE_SECONDS', flag: 'oidc-jwks-cache-seconds', expects: 'a positive integer (seconds)', parse: parsers.positiveInt, default: 600,
  }),
  oidcJwksCooldownSeconds: s<number>({
    env: 'DAGPACT_OIDC_JWKS_COOLDOWN_SECONDS', flag: 'oidc-jwks-cooldown-seconds', expects: 'a positive integer (seconds)', parse: parsers.positiveInt, default: 30,
  }),
  tokenRotationGraceSeconds: s<number>({
    env: 'DAGPACT_TOKEN_ROTATION_GRACE_SECONDS', flag: 'token-rotation-grace-seconds', expects: 'a positive integer (seconds)',
    parse: parsers.positiveInt, default: 86_400,
  }),
  payloadKey: s<Buffer | undefined>({
    env: 'DAGPACT_PAYLOAD_KEY', flag: 'payload-key', expects: '32 bytes in base64 (e.g. `openssl rand -base64 32`)', parse: key32, default: undefined, secret: true,
  }),
  payloadPreviousKeys: s<Buffer[] | undefined>({
    env: 'DAGPACT_PAYLOAD_PREVIOUS_KEYS', flag: 'payload-previous-keys', expects: 'comma-separated base64 keys of 32 bytes',
    parse: (raw) => {
      const keys = list(raw)?.map(key32);
      return keys && keys.every((k): k is Buffer => k !== undefined) ? keys : undefined;
    },
    default: undefined, secret: true,
  }),
  sensitiveProperties: s<string[] | undefined>({
    env: 'DAGPACT_SENSITIVE_PROPERTIES', flag: 'sensitive-properties', expects: 'a comma-separated list of property-name fragments',
    parse: list, default: undefined,
  }),
  sensitiveTags: s<string[] | undefined>({
    env: 'DAGPACT_SENSITIVE_TAGS', flag: 'sensitive-tags', expects: 'a comma-separated list of tags (confluent:tags values)', parse: list, default: undefined,
  }),
};

export interface SecuritySettings {
  pulsarToken: string | undefined;
  pulsarTokenFile: string | undefined;
  oidcIssuer: string | undefined;
  oidcAudience: string | undefined;
  oidcRoleMap: Record<string, string[]> | undefined;
  oidcConsoleClientId?: string | undefined;
  payloadKey: Buffer | undefined;
  payloadPreviousKeys: Buffer[] | undefined;
}

export function checkSecuritySettings(config: SecuritySettings): void {
  if (config.oidcIssuer && !config.oidcAudience) {
    throw new ConfigError('DAGPACT_OIDC_AUDIENCE (--oidc-audience) is required with DAGPACT_OIDC_ISSUER: tokens issued for other services must not be accepted');
  }
  if (!config.oidcIssuer && config.oidcConsoleClientId) {
    throw new ConfigError('DAGPACT_OIDC_CONSOLE_CLIENT_ID needs DAGPACT_OIDC_ISSUER (--oidc-issuer)');
  }
  if (!config.oidcIssuer && (config.oidcAudience || config.oidcRoleMap)) {
    throw new ConfigError('DAGPACT_OIDC_AUDIENCE and DAGPACT_OIDC_ROLE_MAP need DAGPACT_OIDC_ISSUER (--oidc-issuer)');
  }
  if (config.pulsarToken !== undefined && config.pulsarTokenFile !== undefined) {
    throw new ConfigError('PULSAR_TOKEN and PULSAR_TOKEN_FILE are two ways to give the broker\'s token: set one of them');
  }
  if (config.payloadPreviousKeys && !config.payloadKey) {
    throw new ConfigError('DAGPACT_PAYLOAD_PREVIOUS_KEYS only opens payloads sealed before a rotation: set DAGPACT_PAYLOAD_KEY too');
  }
}
