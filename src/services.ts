// The core services built over one database: what the HTTP routes, the CLI and the gatekeeper call.
// makeServices is the one place the store implementations are wired to the core.
import type { Database } from './store/db.js';
import type { AuditLog } from './core/audit.js';
import { makeFormats } from './core/formats/index.js';
import { makeRegistry } from './core/registry/registry.js';
import type { Registry } from './core/registry/types.js';
import type { PulsarAdmin } from './pulsar-admin/admin-client.js';
import { makeRegistryStore } from './store/registry-store.js';
import { makeCachedRegistryStore } from './store/registry-cache.js';
import { makeQuarantine, type QuarantineService } from './core/quarantine/quarantine.js';
import { makeQuarantineStore } from './store/quarantine-store.js';
import { makeQuarantineReplayer, type Forwarder } from './gatekeeper/adapters/replayer.js';
import { makeContracts, type ContractsService } from './core/contracts/contracts.js';
import type { AirflowDagVersions } from './core/contracts/types.js';
import { makeContractStore } from './store/contract-store.js';

export interface ServiceDeps {
  database: Database;
  audit: AuditLog;
  pulsarAdmin?: PulsarAdmin;
  /** Airflow's REST API (AIRFLOW_URL): checks compare a manifest's airflow_version_number with it. */
  airflow?: AirflowDagVersions;
  /** Pulsar producers for quarantine replay; absent when PULSAR_SERVICE_URL is not configured. */
  forwarder?: Forwarder;
  /** DAGPACT_SCHEMA_CACHE_BYTES: the byte budget of each schema cache (registry reads, schema text and parsed forms). */
  cacheBytes?: number;
}

export interface Services {
  registry: Registry;
  quarantine: QuarantineService;
  contracts: ContractsService;
}

export function makeServices(deps: ServiceDeps): Services {
  const registry = makeRegistry({
    store: makeCachedRegistryStore(makeRegistryStore(deps.database.db), { changes: deps.database, ...(deps.cacheBytes ? { maxBytes: deps.cacheBytes } : {}) }),
    formats: makeFormats(), audit: deps.audit, ...(deps.cacheBytes ? { cacheBytes: deps.cacheBytes } : {}),
  });
  const quarantine = makeQuarantine({
    store: makeQuarantineStore(deps.database.db), audit: deps.audit, registry, formats: makeFormats(),
    replayer: deps.forwarder && makeQuarantineReplayer({ database: deps.database, registry, formats: makeFormats(), forwarder: deps.forwarder }),
  });
  const contracts = makeContracts({
    store: makeContractStore(deps.database.db), registry, formats: makeFormats(), audit: deps.audit, pulsar: deps.pulsarAdmin,
    ...(deps.airflow ? { airflow: deps.airflow } : {}),
  });
  return { registry, quarantine, contracts };
}
