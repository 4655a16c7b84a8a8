// The core services every transport calls (HTTP routes, the CLI through the API, the gatekeeper):
// built over one database by the composition roots (src/start/services.ts).
import type { ContractsService } from './contracts/contracts.js';
import type { QuarantineService } from './quarantine/quarantine.js';
import type { Registry } from './registry/types.js';
import type { OverviewService } from './overview/overview.js';
import type { LivePulsarService } from './overview/live-pulsar.js';

export interface Services {
  registry: Registry;
  quarantine: QuarantineService;
  contracts: ContractsService;
  /** Read-only views across the system (the console's matrix, stats, check history). */
  overview: OverviewService;
  /** Drift of topic schemas on the broker and the gatekeeper's backlog (Pulsar admin API), cached briefly. */
  live: LivePulsarService;
}
