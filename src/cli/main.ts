#!/usr/bin/env node
// The `dagpact` command: parses the command line strictly and calls the same functions the services
// use. Exit codes: 0 ok, 1 incompatible or refused, 2 usage error, server unreachable or failure.
// No stack traces unless --verbose.
// First, before anything can trigger a full collection: keeps process.nextTick on V8's fast path.
import '../support/tick-shape.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/parse.js';
import { closest } from '../core/suggest.js';
import { packageRoot } from '../support/package-root.js';
import { helpText, parseCommandLine, UsageError } from './args.js';
import { commands } from './commands.js';

export const EXIT = { ok: 0, incompatible: 1, usage: 2 } as const;

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return 'usage: dagpact <command> [options]    (dagpact <command> --help for its options)\n\n' +
    `commands:\n${lines.join('\n')}\n\n` +
    'options: --help, --version, --verbose (stack traces)\n' +
    'exit codes: 0 ok, 1 incompatible or refused, 2 usage error or server unreachable';
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

const err = (s: string) => process.stderr.write(`${s}\n`);
let verbose = false;

async function main(argv: string[]): Promise<number> {
  verbose = argv.includes('--verbose');
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') { process.stdout.write(`dagpact ${version()}\n`); return EXIT.ok; }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] && commands[rest[0]]) { process.stdout.write(`${helpText(rest[0], commands[rest[0]]!)}\n`); return EXIT.ok; }
    (name ? process.stdout : process.stderr).write(`${usage()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    const suggestion = closest(name, Object.keys(commands));
    err(`dagpact: unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (dagpact --help lists them)`);
    return EXIT.usage;
  }
  try {
    const parsed = parseCommandLine(name, command, rest, err);
    if (parsed.help) { process.stdout.write(`${helpText(name, command)}\n`); return EXIT.ok; }
    return await command.run(parsed, process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`dagpact ${name}: ${error.message}\nusage:\n${command.usage.map((u) => `  dagpact ${u}`).join('\n')}\n(dagpact ${name} --help for every option)`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) { err(`dagpact ${name}: configuration error: ${error.message}`); return EXIT.usage; }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== -1) process.exitCode = code; },
  (error: unknown) => {
    const message = error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)
      ? String((error as { message: unknown }).message) : String(error);
    err(`dagpact: ${verbose && error instanceof Error ? error.stack ?? message : message}${verbose ? '' : ' (--verbose for details)'}`);
    process.exitCode = EXIT.usage;
  },
);
