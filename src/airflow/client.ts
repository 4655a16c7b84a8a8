// A small client of Airflow 3's REST API (/api/v2) over the global fetch: trigger a DAG run with a
// caller-chosen dag_run_id, read a DAG run, list a DAG's versions, and the JWT it needs (obtained from
// `POST /auth/token` with a username and password, refreshed before it expires and once on a 401), or
// a fixed token. Failures become DagpactErrors the gatekeeper can act on: an Airflow that is not
// there or not coping (connection failure, timeout, 5xx, 429) is UPSTREAM_UNAVAILABLE (retriable:
// redeliver later); a refusal that will not change on retry (400, 403, 404, 422, bad credentials) is
// UPSTREAM_REJECTED. A 409 on trigger means the run id exists already: the run was created by an
// earlier delivery of the same message, which is success.
import type { AirflowSettings } from '../config/airflow-settings.js';
import { DagpactError } from '../core/errors.js';
import { readTokenFile } from '../support/token-file.js';

export interface AirflowClientOptions {
  /** Airflow's base URL, e.g. http://127.0.0.1:8080 (the API is under /api/v2). */
  baseUrl: string;
  /** SimpleAuthManager / FAB user: a token is obtained from POST /auth/token. */
  username?: string;
  password?: string;
  /** A bearer token instead of username and password; a function (AIRFLOW_TOKEN_FILE) is called for every request. */
  token?: string | (() => Promise<string>);
  /** Per-request timeout; a timed-out request is transient. Default 10 s. */
  timeoutMs?: number;
  /** Refresh the token this long before it expires. Default 60 s. */
  refreshMarginMs?: number;
  clock?: () => number;
}

export interface DagVersion {
  id: string;
  version_number: number;
  dag_id: string;
  bundle_name: string | null;
  bundle_version: string | null;
  created_at: string;
}

export interface DagRun {
  dag_run_id: string;
  dag_id: string;
  state: string;
  conf: Record<string, unknown> | null;
  logical_date: string | null;
  run_type: string;
  queued_at: string | null;
  dag_versions?: DagVersion[];
}

/** A DAG as GET /api/v2/dags/{dag_id} shows it (the fields dagpact reads). */
export interface AirflowDag {
  dag_id: string;
  tags: Array<{ name: string }>;
  is_paused?: boolean;
  bundle_version?: string | null;
}

export interface TriggerResult {
  dagRunId: string;
  /** false: the run existed already (an earlier delivery created it; Airflow answered 409). */
  created: boolean;
  run?: DagRun;
}

/** Airflow's run_id pattern for runs created through the API. */
export const DAG_RUN_ID_PATTERN = /^[A-Za-z0-9_.~:+-]+$/;
/** dag_run.run_id is a VARCHAR(250) in Airflow's database. */
export const DAG_RUN_ID_MAX = 250;

const TRANSIENT_STATUS = new Set([408, 425, 429]);

function isTransientStatus(status: number): boolean {
  return status >= 500 || TRANSIENT_STATUS.has(status);
}

/** Seconds-since-epoch `exp` of a JWT, or undefined when it is not a JWT with one. */
export function jwtExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown };
    if (parsed.detail !== undefined) return typeof parsed.detail === 'string' ? parsed.detail : JSON.stringify(parsed.detail);
  } catch {
    // not JSON
  }
  return body.slice(0, 300);
}

export function makeAirflowClient(options: AirflowClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const margin = options.refreshMarginMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const login = options.username !== undefined && options.password !== undefined
    ? { username: options.username, password: options.password } : undefined;
  const tokenSource = typeof options.token === 'function' ? options.token : undefined;
  let cached: { token: string; refreshAt: number } | undefined = typeof options.token === 'string' ? { token: options.token, refreshAt: Infinity } : undefined;
  let pending: Promise<string> | undefined;

  async function send(method: string, path: string, what: string, init: { body?: unknown; token?: string } = {}) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    try {
      const res = await fetch(`${base}${path}`, {
        method, headers, signal: AbortSignal.timeout(timeoutMs),
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      return { status: res.status, body: await res.text() };
    } catch (error) {
      // fetch failed (connection refused or reset, DNS, TLS) or timed out: Airflow is not there now.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = (error as Error)?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause?.code ?? cause?.message ?? (error as Error)?.message;
      throw new DagpactError('UPSTREAM_UNAVAILABLE', `Airflow at ${base} is unreachable (${what}): ${why}`, { cause: error });
    }
  }

  function fail(status: number, body: string, what: string): DagpactError {
    const message = `Airflow answered ${status} to ${what}: ${detailOf(body)}`;
    return new DagpactError(isTransientStatus(status) ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED', message, { details: { status, body: body.slice(0, 2000) } });
  }

  async function fetchToken(): Promise<string> {
    const res = await send('POST', '/auth/token', 'obtaining a token', { body: login });
    if (res.status !== 200 && res.status !== 201) {
      const error = fail(res.status, res.body, `POST /auth/token as ${login!.username}`);
      if (res.status === 401 || res.status === 403) {
        throw new DagpactError('UPSTREAM_REJECTED', `Airflow refused the credentials of ${login!.username} (${res.status}): check AIRFLOW_USERNAME and AIRFLOW_PASSWORD`, { details: error.details });
      }
      throw error;
    }
    const token = (JSON.parse(res.body) as { access_token?: unknown }).access_token;
    if (typeof token !== 'string') throw new DagpactError('UPSTREAM_REJECTED', `Airflow's POST /auth/token answered without an access_token: ${res.body.slice(0, 200)}`);
    const exp = jwtExpiry(token);
    const refreshAt = exp === undefined ? clock() + 10 * 60_000 : exp * 1000 - margin;
    cached = { token, refreshAt };
    return token;
  }

  /** The current token: obtained (once, shared by concurrent callers) when missing, near expiry, or forced. */
  async function token(args: { force?: boolean } = {}): Promise<string | undefined> {
    if (tokenSource) {
      try {
        return await tokenSource();
      } catch (error) {
        throw new DagpactError('UPSTREAM_UNAVAILABLE', `the Airflow token could not be read: ${(error as Error).message}`, { cause: error });
      }
    }
    if (!login) return cached?.token;
    if (!args.force && cached && clock() < cached.refreshAt) return cached.token;
    pending ??= fetchToken().finally(() => { pending = undefined; });
    return pending;
  }

  /** An authenticated request; on a 401 the token is refreshed once and the request repeated. */
  async function call(method: string, path: string, what: string, body?: unknown) {
    let res = await send(method, path, what, { body, token: await token() });
    if (res.status === 401 && login) res = await send(method, path, what, { body, token: await token({ force: true }) });
    return res;
  }

  const dagPath = (dagId: string) => `/api/v2/dags/${encodeURIComponent(dagId)}`;

  return {
    baseUrl: base,
    token,

    /**
     * Creates a manual DAG run with this run id and conf (logical_date null: Airflow 3's run without a
     * data interval). Idempotent on the run id: a 409 (the id exists) resolves with created: false.
     */
    async triggerDagRun(args: { dagId: string; dagRunId: string; conf: Record<string, unknown>; note?: string }): Promise<TriggerResult> {
      const what = `triggering ${args.dagId} as ${args.dagRunId}`;
      const res = await call('POST', `${dagPath(args.dagId)}/dagRuns`, what, {
        dag_run_id: args.dagRunId, logical_date: null, conf: args.conf, ...(args.note ? { note: args.note } : {}),
      });
      if (res.status === 200 || res.status === 201) return { dagRunId: args.dagRunId, created: true, run: JSON.parse(res.body) as DagRun };
      if (res.status === 409) return { dagRunId: args.dagRunId, created: false };
      throw fail(res.status, res.body, what);
    },

    /** A DAG run, or undefined when the DAG or the run does not exist. */
    async getDagRun(args: { dagId: string; dagRunId: string }): Promise<DagRun | undefined> {
      const what = `reading run ${args.dagRunId} of ${args.dagId}`;
      const res = await call('GET', `${dagPath(args.dagId)}/dagRuns/${encodeURIComponent(args.dagRunId)}`, what);
      if (res.status === 200) return JSON.parse(res.body) as DagRun;
      if (res.status === 404) return undefined;
      throw fail(res.status, res.body, what);
    },

    /** Runs of a DAG (newest first), up to `limit`; `runIdPattern` is Airflow's SQL LIKE filter on the run id. */
    async listDagRuns(args: { dagId: string; limit?: number; runIdPattern?: string }): Promise<{ runs: DagRun[]; total: number }> {
      const what = `listing the runs of ${args.dagId}`;
      const query = new URLSearchParams({ limit: String(args.limit ?? 100), order_by: '-run_after', ...(args.runIdPattern ? { run_id_pattern: args.runIdPattern } : {}) });
      const res = await call('GET', `${dagPath(args.dagId)}/dagRuns?${query}`, what);
      if (res.status !== 200) throw fail(res.status, res.body, what);
      const body = JSON.parse(res.body) as { dag_runs: DagRun[]; total_entries: number };
      return { runs: body.dag_runs, total: body.total_entries };
    },

    /** The DAG Airflow runs now (its latest serialized version: tags, paused), or undefined when Airflow has no such DAG. */
    async getDag(args: { dagId: string }): Promise<AirflowDag | undefined> {
      const what = `reading the DAG ${args.dagId}`;
      const res = await call('GET', dagPath(args.dagId), what);
      if (res.status === 200) return JSON.parse(res.body) as AirflowDag;
      if (res.status === 404) return undefined;
      throw fail(res.status, res.body, what);
    },

    /** Airflow's versions of a DAG (one per serialized change), oldest first. */
    async listDagVersions(args: { dagId: string }): Promise<DagVersion[]> {
      const what = `listing the versions of ${args.dagId}`;
      const res = await call('GET', `${dagPath(args.dagId)}/dagVersions?order_by=version_number&limit=1000`, what);
      if (res.status !== 200) throw fail(res.status, res.body, what);
      return (JSON.parse(res.body) as { dag_versions: DagVersion[] }).dag_versions;
    },

    /**
     * Checks the URL and the credentials with one cheap authenticated read (start-up). Throws
     * UPSTREAM_REJECTED when Airflow refuses them, UPSTREAM_UNAVAILABLE when it cannot be reached.
     */
    async check(): Promise<void> {
      const what = 'GET /api/v2/dags?limit=1';
      const res = await call('GET', '/api/v2/dags?limit=1', what);
      if (res.status === 200) return;
      if (res.status === 401 || res.status === 403) {
        throw new DagpactError('UPSTREAM_REJECTED', `Airflow at ${base} refused ${login ? `the user ${login.username}` : options.token ? 'the token' : 'a request without credentials'} (${res.status}): ${detailOf(res.body)}`);
      }
      throw fail(res.status, res.body, what);
    },
  };
}

export type AirflowClient = ReturnType<typeof makeAirflowClient>;

/** The client the settings describe, or undefined without AIRFLOW_URL. */
export function airflowClientFromSettings(settings: AirflowSettings): AirflowClient | undefined {
  // With AIRFLOW_URL set there is a client whatever DAGPACT_FORWARD_TO says: a manifest's forward_to may
  // send one DAG to Airflow, and the API server's checks read DAG versions from it.
  if (!settings.airflowUrl) return undefined;
  return makeAirflowClient({
    baseUrl: settings.airflowUrl, timeoutMs: settings.airflowTimeoutMs,
    ...(settings.airflowUsername !== undefined && settings.airflowPassword !== undefined ? { username: settings.airflowUsername, password: settings.airflowPassword } : {}),
    ...(settings.airflowToken !== undefined ? { token: settings.airflowToken } : {}),
    ...(settings.airflowTokenFile !== undefined ? { token: readTokenFile(settings.airflowTokenFile) } : {}),
  });
}
