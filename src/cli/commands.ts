// The table of CLI commands. Each command lives in its own file and returns an exit code;
// long-running commands (serve, gatekeeper) return -1 and keep the process alive.
import type { splitArgs } from '../config/parse.js';
import { auditCommand } from './audit-command.js';
import { checkCommand, deployCommand, registerCommand, schemaCommand } from './contract-commands.js';
import { gatekeeperCommand } from './gatekeeper-command.js';
import { migrateCommand } from './migrate-command.js';
import { quarantineCommand } from './quarantine-command.js';
import { serveCommand } from './serve-command.js';

export interface CliCommand {
  summary: string;
  run(args: ReturnType<typeof splitArgs>, env: Record<string, string | undefined>): Promise<number>;
}

export const commands: Record<string, CliCommand> = {
  serve: serveCommand,
  migrate: migrateCommand,
  gatekeeper: gatekeeperCommand,
  quarantine: quarantineCommand,
  register: registerCommand,
  check: checkCommand,
  deploy: deployCommand,
  schema: schemaCommand,
  audit: auditCommand,
};
