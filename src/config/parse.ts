// A small declarative config parser: each setting names its environment variable, its CLI flag, a
// parser and a default. Entry points (the composition roots) call parseSettings once and pass the
// resulting plain object down; nothing else reads process.env.

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface Setting<T> {
  env: string;
  flag: string;
  /** Says what the value must be, used in errors: "an integer from 1 to 65535". */
  expects: string;
  parse(raw: string): T | undefined;
  default: T;
  /** Never echo a rejected value (tokens, passwords, URLs that may hold credentials). */
  secret?: boolean;
}

/** Settings whose values must never appear in an error, named or not. */
const SECRET_ENV = /TOKEN|PASSWORD|SECRET|KEY|CREDENTIAL|_URL$/i;

export type SettingsSpec = Record<string, Setting<unknown>>;
export type SettingsOf<S extends SettingsSpec> = { [K in keyof S]: S[K]['default'] };

/** Parses `--flag value` and `--flag=value` pairs; positional arguments are returned apart. */
export function splitArgs(argv: readonly string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) { positional.push(arg); continue; }
    const eq = arg.indexOf('=');
    if (eq > 0) { flags.set(arg.slice(2, eq), arg.slice(eq + 1)); continue; }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) { flags.set(arg.slice(2), next); i++; }
    else flags.set(arg.slice(2), 'true');
  }
  return { flags, positional };
}

export function parseSettings<S extends SettingsSpec>(
  spec: S,
  env: Record<string, string | undefined>,
  flags: Map<string, string> = new Map(),
): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(spec)) {
    const fromFlag = flags.get(setting.flag);
    const raw = fromFlag ?? env[setting.env];
    if (raw === undefined || raw === '') { out[key] = setting.default; continue; }
    const value = setting.parse(raw);
    if (value === undefined) {
      const source = fromFlag !== undefined ? `--${setting.flag}` : setting.env;
      const secret = setting.secret ?? SECRET_ENV.test(setting.env);
      // A rejected secret is still a secret: say how long it was, never what it was.
      const got = secret ? `got a value of ${raw.length} characters, not shown` : `got ${JSON.stringify(raw.slice(0, 200))}`;
      throw new ConfigError(`${source} must be ${setting.expects} (${got})`);
    }
    out[key] = value;
  }
  return out as SettingsOf<S>;
}

export const parsers = {
  string: (raw: string) => raw,
  port: (raw: string) => {
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    return n >= 0 && n <= 65535 ? n : undefined;
  },
  positiveInt: (raw: string) => {
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  },
  boolean: (raw: string) => {
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return undefined;
  },
  oneOf:
    <T extends string>(values: readonly T[]) =>
    (raw: string): T | undefined =>
      (values as readonly string[]).includes(raw) ? (raw as T) : undefined,
  url:
    (protocols: readonly string[]) =>
    (raw: string): string | undefined => {
      try {
        const u = new URL(raw);
        return protocols.includes(u.protocol) ? raw : undefined;
      } catch {
        return undefined;
      }
    },
};
