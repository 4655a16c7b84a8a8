// What both processes' composition roots share: the logger and opening the configured database.
import { pino, type Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import { openDatabase, type Database } from '../store/db.js';

export function makeLogger(level: ServerConfig['logLevel'], name: string): Logger {
  return pino({ level, name, base: { pid: process.pid } });
}

export async function openConfiguredDatabase(
  config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'>, log: Logger, open: { waitReady?: boolean } = {},
): Promise<Database> {
  if (config.databaseUrl) {
    log.info({ database: redactUrl(config.databaseUrl) }, 'using PostgreSQL');
    return openDatabase({ url: config.databaseUrl });
  }
  log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: using the embedded PGlite database');
  return openDatabase({ dataDir: config.dataDir }, open);
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

