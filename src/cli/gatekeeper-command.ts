// `dagpact gatekeeper`: checks every message on the environment's source topics against the DAG
// version it would trigger; forwards, quarantines or rejects it.
import { gatekeeperSettings, parseGatekeeperConfig } from '../config/gatekeeper-config.js';
import { settingOptions, type CliCommand } from './args.js';

export const gatekeeperCommand: CliCommand = {
  summary: 'run the gatekeeper for an environment (DAGPACT_ENVIRONMENT, PULSAR_SERVICE_URL, DATABASE_URL)',
  usage: ['gatekeeper --environment ENV --pulsar-service-url URL [--database-url URL] ...'],
  options: settingOptions(gatekeeperSettings),
  maxPositionals: 0,
  notes: ['Every option can also be set by its environment variable (README.md, Configuration).',
    'With the embedded database (no DATABASE_URL) only one process may open it: use PostgreSQL to run a server and a gatekeeper.'],
  async run({ flags }, env) {
    const config = parseGatekeeperConfig(env, flags);
    // Loaded here: the other commands (and this one's --help) never load a server's modules.
    const { startGatekeeper } = await import('../start/gatekeeper.js');
    await startGatekeeper(config);
    return -1;
  },
};
