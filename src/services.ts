// The core services built over one database: what the HTTP routes, the CLI and the gatekeeper call.
// makeServices is the one place the store implementations are wired to the core.
import type { Database } from './store/db.js';
import type { AuditLog } from './core/audit.js';
import type { PulsarAdmin } from './pulsar-admin/admin-client.js';

export interface ServiceDeps {
  database: Database;
  audit: AuditLog;
  pulsarAdmin?: PulsarAdmin;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}

export function makeServices(_deps: ServiceDeps): Services {
  return {};
}
