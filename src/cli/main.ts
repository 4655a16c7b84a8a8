#!/usr/bin/env node
// The `dagpact` command: parses the command line and calls the same functions the services use.
import { ConfigError, splitArgs } from '../config/parse.js';
import { commands } from './commands.js';

export const EXIT = { ok: 0, incompatible: 1, usage: 2 } as const;

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(22)} ${c.summary}`);
  return `usage: dagpact <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nEvery option can also be set by its environment variable; see README.md.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`dagpact: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(splitArgs(rest), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`dagpact ${name}: configuration error: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== -1) process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`dagpact: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
