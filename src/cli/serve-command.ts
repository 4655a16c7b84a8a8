// `dagpact serve`: the API server.
import { serverSettings, parseServerConfig } from '../config/server-config.js';
import { startServer } from '../start/server.js';
import { settingOptions, type CliCommand } from './args.js';

export const serveCommand: CliCommand = {
  summary: 'run the API server (PGlite in DAGPACT_DATA_DIR unless DATABASE_URL is set)',
  usage: ['serve [--port N] [--host H] [--database-url URL] ...'],
  options: settingOptions(serverSettings),
  maxPositionals: 0,
  notes: ['Every option can also be set by its environment variable (README.md, Configuration).'],
  async run({ flags }, env) {
    const config = parseServerConfig(env, flags);
    await startServer(config);
    return -1;
  },
};
