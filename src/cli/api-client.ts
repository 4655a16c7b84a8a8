// The CLI's HTTP client for dagpact's API: one JSON call, and a clear one-line error when the server
// cannot be reached (the CLI then exits 2, as for a usage error).
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

export interface ApiAnswer {
  status: number;
  json: Record<string, unknown>;
}

export async function callApi(base: string, token: string | undefined, method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<ApiAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base.replace(/\/+$/, '') + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UnreachableError(`cannot reach the dagpact server at ${base} (${cause?.code ?? cause?.message ?? (error as Error).message}); is it running? Set --server or DAGPACT_URL`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try { json = text ? JSON.parse(text) as Record<string, unknown> : {}; } catch { json = { message: text.slice(0, 500) }; }
  return { status: res.status, json };
}

// Hints in the server's messages that name HTTP routes, as the CLI user would act on them.
const CLI_WORDS: Array<[RegExp, string]> = [
  [/send (a valid token as )?"Authorization: Bearer <token>"/g, 'set DAGPACT_TOKEN or pass --token'],
  [/\(POST \/v1\/dags\)/g, '(dagpact register MANIFEST)'],
  [/\(POST \/v1\/checks\)/g, '(dagpact check MANIFEST --env ENV)'],
  [/\(POST \/v1\/environments\)/g, '(dagpact env create NAME)'],
  [/deploy with force and a reason/g, 'deploy with --force --reason TEXT'],
  [/ needed for (GET|POST|PUT|DELETE) \S+/g, ''],
  [/with "pulsar": false/g, 'with --pulsar false'],
  [/push_schemas/g, '--push-schemas'],
];

export function cliWords(message: string): string {
  return CLI_WORDS.reduce((m, [re, to]) => m.replace(re, to), message);
}

/** One line for a failed API call, in the CLI's words: code, message and the first problems by path. */
export function describeFailure(answer: ApiAnswer): string {
  const j = answer.json;
  const problems = ((j.details as { problems?: Array<{ path: string; message: string }> } | undefined)?.problems ?? [])
    .slice(0, 5).map((p) => `${p.path} ${p.message}`);
  const message = cliWords(String(j.message ?? JSON.stringify(j)));
  const code = j.error_code ? `${String(j.error_code)}: ` : `HTTP ${answer.status}: `;
  return code + message + (problems.length && !message.includes(problems[0]!) ? ` [${problems.join('; ')}]` : '');
}

/** The exit code of a refused call: 1 when the server refused on the merits (409), else 2. */
export function exitCodeOf(answer: ApiAnswer): number {
  return answer.status === 409 ? 1 : 2;
}
