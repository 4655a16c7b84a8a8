// `dagpact gatekeeper`: checks every message on the environment's source topics against the DAG
// version it would trigger; forwards, quarantines or rejects it.
import { parseGatekeeperConfig } from '../config/gatekeeper-config.js';
import { startGatekeeper } from '../start/gatekeeper.js';
import type { CliCommand } from './commands.js';

export const gatekeeperCommand: CliCommand = {
  summary: 'run the gatekeeper for an environment (DAGPACT_ENVIRONMENT, PULSAR_SERVICE_URL, DATABASE_URL)',
  async run({ flags }, env) {
    const config = parseGatekeeperConfig(env, flags);
    await startGatekeeper(config);
    return -1;
  },
};
