// The table of CLI commands, one line each (add a command: its own file and one line here). Each
// command declares its options and returns an exit code; long-running commands (serve, gatekeeper)
// return -1 and keep the process alive.
import type { CliCommand } from './args.js';
import { checkCommand, deployCommand, registerCommand } from './contract-commands.js';
import { activeCommand, deploymentsCommand, envCommand } from './environment-commands.js';
import { auditCommand } from './audit-command.js';
import { gatekeeperCommand } from './gatekeeper-command.js';
import { diffCommand, initCommand } from './init-diff-commands.js';
import { lintCommand } from './lint-command.js';
import { migrateCommand } from './migrate-command.js';
import { quarantineCommand } from './quarantine-command.js';
import { schemaCommand } from './schema-command.js';
import { serveCommand } from './serve-command.js';

export type { CliCommand };

export const commands: Record<string, CliCommand> = {
  serve: serveCommand,
  migrate: migrateCommand,
  gatekeeper: gatekeeperCommand,
  register: registerCommand,
  check: checkCommand,
  deploy: deployCommand,
  env: envCommand,
  active: activeCommand,
  deployments: deploymentsCommand,
  schema: schemaCommand,
  audit: auditCommand,
  lint: lintCommand,
  init: initCommand,
  diff: diffCommand,
  quarantine: quarantineCommand,
};
