// What every command that talks to the server shares: the --server/--token/--format vocabulary,
// printing, and turning an unreachable server into one line and exit 2.
import { ConfigError, parsers, parseSettings } from '../config/parse.js';
import { callApi, describeFailure, exitCodeOf, UnreachableError, type ApiAnswer } from './api-client.js';
import type { Options } from './args.js';
import { REPORT_FORMATS, type ReportFormat } from './report-formats.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const clientOptions: Options = {
  server: { type: 'string', value: 'URL', help: 'the dagpact server (DAGPACT_URL; default http://127.0.0.1:8081)' },
  token: { type: 'string', value: 'TOKEN', help: 'API token (DAGPACT_TOKEN)' },
};

export const formatOption = (formats: readonly string[] = ['text', 'json']): Options => ({
  format: { type: 'string', value: formats.join('|'), help: 'output format (DAGPACT_FORMAT; default text)' },
});

export const CLIENT_NOTES = ['environment: DAGPACT_URL, DAGPACT_TOKEN, DAGPACT_FORMAT', 'exit codes: 0 ok, 1 incompatible or refused, 2 usage error or server unreachable'];

const settings = {
  url: { env: 'DAGPACT_URL', flag: 'server', expects: 'an http:// or https:// URL', parse: parsers.url(['http:', 'https:']), default: 'http://127.0.0.1:8081' },
  token: { env: 'DAGPACT_TOKEN', flag: 'token', expects: 'a token', parse: parsers.string, default: undefined as string | undefined },
  format: { env: 'DAGPACT_FORMAT', flag: 'format', expects: REPORT_FORMATS.join(', '), parse: parsers.oneOf(REPORT_FORMATS), default: 'text' as ReportFormat },
};

export interface Client {
  format: ReportFormat;
  call(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
}

export function makeClient(env: Record<string, string | undefined>, flags: Map<string, string>, formats: readonly string[] = ['text', 'json']): Client {
  const config = parseSettings(settings, env, flags);
  if (!formats.includes(config.format)) {
    const source = flags.has('format') ? '--format' : 'DAGPACT_FORMAT';
    throw new ConfigError(`${source} must be one of ${formats.join(', ')} here (got ${JSON.stringify(config.format)})`);
  }
  return { format: config.format, call: (method, path, body) => callApi(config.url, config.token, method, path, body) };
}

export const print = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
export const fail = (command: string, message: string) => process.stderr.write(`dagpact ${command}: ${message}\n`);

/** Runs a command body, turning an unreachable server into exit 2 with one line. */
export async function guarded(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UnreachableError) { fail(command, error.message); return EXIT.usage; }
    throw error;
  }
}

/** Prints a refused call in the CLI's words and returns its exit code. */
export function refused(command: string, answer: ApiAnswer, prefix = ''): number {
  fail(command, prefix + describeFailure(answer));
  return exitCodeOf(answer);
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
