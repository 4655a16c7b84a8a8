// What the HTTP layer needs from the outside world, built by the composition root (start/server.ts) or a test.
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { AuditLog } from '../core/audit.js';
import type { TokenService } from '../core/auth.js';
import type { Database } from '../store/db.js';
import type { PulsarAdmin } from '../pulsar-admin/admin-client.js';
import type { Services } from '../core/services.js';
import type { GatekeeperStatusClient } from '../gatekeeper-client/status.js';
import type { Startup } from './startup-gate.js';
import type { LazySchemaCompilers } from './lazy-schema-compilers.js';

export interface AppDeps {
  database: Database;
  /** Set when the server listens before its database is open and migrated: requests wait for it. */
  startup?: Startup;
  tokens: TokenService;
  audit: AuditLog;
  services: Services;
  /** Set when Pulsar's admin API is configured: /readyz then checks it too. */
  pulsarAdmin?: PulsarAdmin;
  metrics: MetricsRegistry;
  /** Set when DAGPACT_GATEKEEPER_STATUS_URL is configured: GET /v1/gatekeeper/status reads it. */
  gatekeeperStatus?: GatekeeperStatusClient;
  authReads: boolean;
  /** What the web console is told (GET /v1/console/config) and allowed to reach (its CSP connect-src). */
  console?: { oidc?: ConsoleOidc };
  bodyLimitBytes?: number;
  logger?: Logger;
  /** The route schemas' compilers (compiled on first use); a test passes its own to compile them all. */
  schemaCompilers?: LazySchemaCompilers;
  /** Socket and request limits; defaults in DEFAULT_HTTP_LIMITS (docs/adr/0013). */
  httpLimits?: Partial<HttpLimits>;
}

/** Sign-in with the OpenID provider in the console: a public client (authorization code + PKCE). */
export interface ConsoleOidc { issuer: string; clientId: string; scopes: string; resource: string }

export interface HttpLimits {
  /** Whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** Headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** A socket with no traffic is closed after this. */
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Open connections at most; further ones are refused by the server socket. */
  maxConnections: number;
  /** Failed authentications per client address per window before 429. */
  authFailuresPerWindow: number;
  authFailureWindowMs: number;
  /** Host names served besides localhost, 127.0.0.1 and [::1] while the API runs open. */
  allowedHosts: string[];
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  authFailuresPerWindow: 20,
  authFailureWindowMs: 60_000,
  allowedHosts: [],
};
