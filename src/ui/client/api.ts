// Every call the console makes goes through here, to the documented /v1 API, with the user's token
// (kept in sessionStorage: this tab only, gone when it closes).
const KEY = 'dagpact.token';
const META = 'dagpact.token.meta';

export interface TokenMeta { kind: 'api' | 'oidc'; expiresAt?: number; /** For the provider's end-session endpoint (id_token_hint). */ idToken?: string }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) { super(message); }
}

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  meta: (): TokenMeta | null => JSON.parse(sessionStorage.getItem(META) ?? 'null') as TokenMeta | null,
  /** True when the token is a provider's access token past its expiry. */
  expired: (): boolean => { const m = session.meta(); return m?.expiresAt !== undefined && m.expiresAt <= Date.now(); },
  signIn: (token: string, meta: TokenMeta = { kind: 'api' }) => { sessionStorage.setItem(KEY, token); sessionStorage.setItem(META, JSON.stringify(meta)); },
  signOut: () => { sessionStorage.removeItem(KEY); sessionStorage.removeItem(META); },
};

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const json = text ? JSON.parse(text) as unknown : undefined;
  if (!res.ok) {
    const e = (json ?? {}) as { error_code?: string; message?: string; details?: unknown };
    throw new ApiError(res.status, e.error_code ?? String(res.status), e.message ?? `${method} ${path} answered ${res.status}`, e.details);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
};

export interface WhoAmI {
  name: string; scopes: string[]; authenticated: boolean; auth_enabled: boolean; auth_reads?: boolean; can_write: boolean; can_admin: boolean;
}

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
