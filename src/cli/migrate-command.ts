// `dagpact migrate`: applies the committed migrations and exits.
import { parseSettings } from '../config/parse.js';
import { commonSettings } from '../config/server-config.js';
import { makeLogger, openConfiguredDatabase } from '../start/common.js';
import { settingOptions, type CliCommand } from './args.js';

export const migrateCommand: CliCommand = {
  summary: 'apply database migrations (DATABASE_URL, or PGlite in DAGPACT_DATA_DIR)',
  usage: ['migrate [--database-url URL | --data-dir DIR]'],
  options: settingOptions(commonSettings),
  maxPositionals: 0,
  async run({ flags }, env) {
    const config = parseSettings(commonSettings, env, flags);
    const log = makeLogger(config.logLevel, 'dagpact-migrate');
    const database = await openConfiguredDatabase(config, log);
    try {
      const before = await database.pendingMigrations();
      await database.migrate();
      log.info({ applied: before }, before === 0 ? 'database already up to date' : `applied ${before} migration(s)`);
    } finally {
      await database.close();
    }
    return 0;
  },
};
