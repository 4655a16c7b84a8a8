// `dagpact serve`: the API server.
import { serverSettings, parseServerConfig } from '../config/server-config.js';
import { settingOptions, type CliCommand } from './args.js';

export const serveCommand: CliCommand = {
  summary: 'run the API server (PGlite in DAGPACT_DATA_DIR unless DATABASE_URL is set)',
  usage: ['serve [--port N] [--host H] [--database-url URL] ...'],
  options: settingOptions(serverSettings),
  maxPositionals: 0,
  notes: ['Every option can also be set by its environment variable (README.md, Configuration).'],
  async run({ flags }, env) {
    const config = parseServerConfig(env, flags);
    // Loaded here: the other commands (and this one's --help) never load a server's modules.
    const { startServer } = await import('../start/server.js');
    await startServer(config);
    return -1;
  },
};
