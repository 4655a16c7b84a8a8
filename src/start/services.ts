// The core services built over one database: what the HTTP routes, the CLI and the gatekeeper call.
// makeServices is the one place the store implementations are wired to the core.
import type { Database } from '../store/db.js';
import type { AuditLog } from '../core/audit.js';
import type { SchemaCompute } from '../core/compute/port.js';
import { makeFormats } from '../core/formats/index.js';
import { makeRegistry } from '../core/registry/registry.js';
import type { Services } from '../core/services.js';
import type { PulsarAdmin } from '../pulsar-admin/admin-client.js';
import { makeRegistryStore } from '../store/registry-store.js';
import { makeCachedRegistryStore } from '../store/registry-cache.js';
import { makeQuarantine } from '../core/quarantine/quarantine.js';
import { makeQuarantineStore } from '../store/quarantine-store.js';
import type { PayloadCipher } from '../store/payload-cipher.js';
import type { RedactionPolicy } from '../core/quarantine/redact.js';
import { makeBrokerSchemaStore } from '../store/broker-schema-store.js';
import { makeQuarantineReplayer, type Forwarder } from '../gatekeeper/adapters/replayer.js';
import { makeContracts } from '../core/contracts/contracts.js';
import type { AirflowDagVersions } from '../core/contracts/types.js';
import { makeContractStore } from '../store/contract-store.js';
import { makeOverview } from '../core/overview/overview.js';
import { makeOverviewStore } from '../store/overview-store.js';
import { makeLivePulsar } from '../core/overview/live-pulsar.js';

export interface ServiceDeps {
  database: Database;
  audit: AuditLog;
  pulsarAdmin?: PulsarAdmin;
  /** Airflow's REST API (AIRFLOW_URL): checks compare a manifest's airflow_version_number with it. */
  airflow?: AirflowDagVersions;
  /** Pulsar producers for quarantine replay; absent when PULSAR_SERVICE_URL is not configured. */
  forwarder?: Forwarder;
  /** Seals held payloads at rest (DAGPACT_PAYLOAD_KEY) and opens them for reads and replay. */
  payloadCipher?: PayloadCipher;
  /** Tags and property names redacted for callers without payload:read:<env>. */
  redaction?: RedactionPolicy;
  /** DAGPACT_SCHEMA_CACHE_BYTES: the byte budget of each schema cache (registry reads, schema text and parsed forms). */
  cacheBytes?: number;
  /** The gatekeeper's subscription (DAGPACT_GATEKEEPER_SUBSCRIPTION) and how long drift and backlog reads are kept. */
  live?: { subscription?: string; cacheMs?: number };
  /** The compute pool (src/compute-pool, docs/adr/0019); without it schema work runs in this thread. */
  compute?: SchemaCompute;
}

export type { Services } from '../core/services.js';

export function makeServices(deps: ServiceDeps): Services {
  const registry = makeRegistry({
    store: makeCachedRegistryStore(makeRegistryStore(deps.database.db), { changes: deps.database, ...(deps.cacheBytes ? { maxBytes: deps.cacheBytes } : {}) }),
    formats: makeFormats(), audit: deps.audit, ...(deps.cacheBytes ? { cacheBytes: deps.cacheBytes } : {}),
    ...(deps.compute ? { compute: deps.compute } : {}),
  });
  const contractStore = makeContractStore(deps.database.db);
  const quarantine = makeQuarantine({
    store: makeQuarantineStore(deps.database.db, deps.payloadCipher ? { cipher: deps.payloadCipher } : {}),
    audit: deps.audit, registry, formats: makeFormats(), dagVersions: contractStore,
    ...(deps.redaction ? { redaction: deps.redaction } : {}),
    brokerWriters: makeBrokerSchemaStore(deps.database.db),
    replayer: deps.forwarder && makeQuarantineReplayer({ database: deps.database, registry, formats: makeFormats(), forwarder: deps.forwarder, ...(deps.redaction ? { redaction: deps.redaction } : {}) }),
  });
  const contracts = makeContracts({
    store: contractStore, registry, formats: makeFormats(), audit: deps.audit, pulsar: deps.pulsarAdmin,
    ...(deps.airflow ? { airflow: deps.airflow } : {}), ...(deps.compute ? { compute: deps.compute } : {}),
  });
  const overview = makeOverview({ store: makeOverviewStore(deps.database.db), registry, formats: makeFormats() });
  const live = makeLivePulsar({
    ...(deps.pulsarAdmin ? { pulsar: deps.pulsarAdmin } : {}),
    environments: () => overview.environments(), active: (environment) => contracts.active(environment),
    parsedById: (args) => registry.lazyParsedById(args), parse: (args) => registry.parse(args),
    compare: (pairs) => registry.compareSchemas(pairs),
    subscription: deps.live?.subscription ?? 'dagpact-gatekeeper', cacheMs: deps.live?.cacheMs ?? 30_000,
  });
  return { registry, quarantine, contracts, overview, live };
}
