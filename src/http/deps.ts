// What the HTTP layer needs from the outside world, built by the composition root (start/server.ts) or a test.
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { AuditLog } from '../core/audit.js';
import type { TokenService } from '../core/auth.js';
import type { Database } from '../store/db.js';
import type { PulsarAdmin } from '../pulsar-admin/admin-client.js';
import type { Services } from '../core/services.js';
import type { GatekeeperStatusClient } from '../gatekeeper-client/status.js';

export interface AppDeps {
  database: Database;
  tokens: TokenService;
  audit: AuditLog;
  services: Services;
  /** Set when Pulsar's admin API is configured: /readyz then checks it too. */
  pulsarAdmin?: PulsarAdmin;
  metrics: MetricsRegistry;
  /** Set when DAGPACT_GATEKEEPER_STATUS_URL is configured: GET /v1/gatekeeper/status reads it. */
  gatekeeperStatus?: GatekeeperStatusClient;
  authReads: boolean;
  bodyLimitBytes?: number;
  logger?: Logger;
}
