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
    throw new UnreachableError(`cannot reach the dagpact server at ${base} (${cause?.code ?? cause?.message ?? (error as Error).message}); check --server / DAGPACT_URL`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try { json = text ? JSON.parse(text) as Record<string, unknown> : {}; } catch { json = { message: text.slice(0, 500) }; }
  return { status: res.status, json };
}

/** One line for a failed API call: status, code, message and the first problems by path. */
export function describeFailure(answer: ApiAnswer): string {
  const j = answer.json;
  const problems = ((j.details as { problems?: Array<{ path: string; message: string }> } | undefined)?.problems ?? [])
    .slice(0, 5).map((p) => `${p.path} ${p.message}`);
  return `HTTP ${answer.status} ${String(j.error_code ?? '')}: ${String(j.message ?? JSON.stringify(j))}` +
    (problems.length && !String(j.message ?? '').includes(problems[0]!) ? ` [${problems.join('; ')}]` : '');
}
