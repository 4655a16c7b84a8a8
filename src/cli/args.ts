// The CLI's command model and strict argument parsing (node:util parseArgs, strict mode): an unknown
// option or an extra argument is a usage error (exit 2) with "did you mean"; every command gets
// --help (which never starts anything) and --verbose. One flag vocabulary across commands: --server,
// --token, --format, --env; old spellings are declared as deprecated aliases that still work.
import { parseArgs } from 'node:util';
import { ConfigError, type SettingsSpec } from '../config/parse.js';
import { closest } from '../core/suggest.js';

/** A usage error: printed with the command's usage, exit 2. */
export class UsageError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help: `URL`, `ENV`. */
  value?: string;
  help: string;
  /** Set on an old spelling: the option it stands for (a warning is printed when it is used). */
  aliasOf?: string;
  multiple?: boolean;
}

export type Options = Record<string, OptionSpec>;

export interface ParsedArgs {
  /** Option values by canonical name (aliases folded in); booleans are "true". Multiple values joined by "\n". */
  flags: Map<string, string>;
  positional: string[];
}

export interface CliCommand {
  summary: string;
  /** Usage lines without the leading "dagpact ". */
  usage: string[];
  options: Options;
  /** How many positional arguments the command takes; more is a usage error. */
  maxPositionals: number;
  /** Lines printed after the options in --help. */
  notes?: string[];
  run(args: ParsedArgs, env: Record<string, string | undefined>): Promise<number>;
}

export const GLOBAL_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
  verbose: { type: 'boolean', help: 'print stack traces of unexpected errors' },
};

/** Options for every setting of a config spec (serve, gatekeeper, migrate): `--port 8081` ... */
export function settingOptions(spec: SettingsSpec): Options {
  return Object.fromEntries(Object.values(spec).map((s) => [s.flag, { type: 'string', value: 'VALUE', help: `${s.expects} (${s.env})` } satisfies OptionSpec]));
}

export function parseCommandLine(name: string, command: CliCommand, argv: string[], warn: (line: string) => void): ParsedArgs & { help: boolean; verbose: boolean } {
  const all: Options = { ...command.options, ...GLOBAL_OPTIONS };
  const config = Object.fromEntries(Object.entries(all).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: config, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(explain(error as Error & { code?: string }, Object.keys(all)));
  }
  const flags = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed.values)) {
    if (value === undefined || key === 'help' || key === 'verbose') continue;
    const spec = all[key]!;
    const target = spec.aliasOf ?? key;
    if (spec.aliasOf) warn(`dagpact ${name}: --${key} is deprecated; use --${spec.aliasOf}`);
    const text = Array.isArray(value) ? value.map(String).join('\n') : String(value);
    if (flags.has(target) && spec.aliasOf) continue; // the canonical spelling wins
    flags.set(target, text);
  }
  const help = parsed.values.help === true;
  if (!help && parsed.positionals.length > command.maxPositionals) {
    const extra = parsed.positionals.slice(command.maxPositionals);
    throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => JSON.stringify(a)).join(' ')}`);
  }
  return { flags, positional: parsed.positionals, help, verbose: parsed.values.verbose === true };
}

function explain(error: Error & { code?: string }, known: string[]): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const bare = option.replace(/^-+/, '').split('=')[0]!;
    const suggestion = closest(bare, known);
    return `unknown option ${option}${suggestion ? `; did you mean --${suggestion}?` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return /argument missing/.test(error.message) ? `option ${option} needs a value` : `option ${option} takes no value`;
  }
  return error.message.split('\n')[0]!;
}

export function helpText(name: string, command: CliCommand): string {
  const all: Options = { ...command.options, ...GLOBAL_OPTIONS };
  const rows = Object.entries(all).filter(([, o]) => !o.aliasOf).map(([k, o]) => {
    const aliases = Object.entries(all).filter(([, a]) => a.aliasOf === k).map(([a]) => `--${a}`);
    const left = `${o.short ? `-${o.short}, ` : ''}--${k}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return `  ${left.padEnd(30)} ${o.help}${aliases.length ? ` (deprecated alias: ${aliases.join(', ')})` : ''}`;
  });
  return [
    `dagpact ${name}: ${command.summary}`, '',
    'usage:', ...command.usage.map((u) => `  dagpact ${u}`), '',
    'options:', ...rows,
    ...(command.notes?.length ? ['', ...command.notes] : []),
  ].join('\n');
}
