// `dagpact serve`: the API server.
import { parseServerConfig } from '../config/server-config.js';
import { startServer } from '../start/server.js';
import type { CliCommand } from './commands.js';

export const serveCommand: CliCommand = {
  summary: 'run the API server (PGlite in DAGPACT_DATA_DIR unless DATABASE_URL is set)',
  async run({ flags }, env) {
    const config = parseServerConfig(env, flags);
    await startServer(config);
    return -1;
  },
};
