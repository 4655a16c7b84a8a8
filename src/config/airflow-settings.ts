// Settings of the Airflow sink: where accepted messages go (a trigger topic or an Airflow DAG run) and
// how to reach Airflow 3's REST API. Shared by the gatekeeper and, for quarantine replay, the API server.
import { ConfigError, parsers, type Setting } from './parse.js';

const s = <T>(setting: Setting<T>) => setting;
const list = (raw: string) => {
  const items = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  return items.length ? items : undefined;
};

export const airflowSettings = {
  forwardTo: s<'topic' | 'airflow'>({
    env: 'DAGPACT_FORWARD_TO', flag: 'forward-to', expects: 'topic or airflow',
    parse: parsers.oneOf(['topic', 'airflow'] as const), default: 'topic',
  }),
  airflowDags: s<string[] | undefined>({
    env: 'DAGPACT_AIRFLOW_DAGS', flag: 'airflow-dags', expects: 'a comma-separated list of DAG ids',
    parse: list, default: undefined,
  }),
  airflowUrl: s<string | undefined>({
    env: 'AIRFLOW_URL', flag: 'airflow-url', expects: "an http:// or https:// URL (Airflow's base URL, without /api/v2)",
    parse: (raw) => (/\/api\/v\d+\/?$/.test(raw) ? undefined : parsers.url(['http:', 'https:'])(raw)), default: undefined,
  }),
  airflowUsername: s<string | undefined>({
    env: 'AIRFLOW_USERNAME', flag: 'airflow-username', expects: 'a user name', parse: parsers.string, default: undefined,
  }),
  airflowPassword: s<string | undefined>({
    env: 'AIRFLOW_PASSWORD', flag: 'airflow-password', expects: 'a password', parse: parsers.string, default: undefined,
  }),
  airflowToken: s<string | undefined>({
    env: 'AIRFLOW_TOKEN', flag: 'airflow-token', expects: 'a bearer token (JWT)', parse: parsers.string, default: undefined, secret: true,
  }),
  airflowTokenFile: s<string | undefined>({
    env: 'AIRFLOW_TOKEN_FILE', flag: 'airflow-token-file', expects: 'a file path holding a bearer token (read again on every request)',
    parse: parsers.string, default: undefined,
  }),
  airflowTimeoutMs: s<number>({
    env: 'AIRFLOW_TIMEOUT_MS', flag: 'airflow-timeout-ms', expects: 'a positive integer (milliseconds per request to Airflow)',
    parse: parsers.positiveInt, default: 10_000,
  }),
  airflowRefreshMs: s<number>({
    env: 'DAGPACT_AIRFLOW_REFRESH_MS', flag: 'airflow-refresh-ms',
    expects: 'a positive integer (milliseconds): how long what Airflow runs for a DAG is cached before it is read again',
    parse: parsers.positiveInt, default: 30_000,
  }),
};

export interface AirflowSettings {
  forwardTo: 'topic' | 'airflow';
  airflowDags: string[] | undefined;
  airflowUrl: string | undefined;
  airflowUsername: string | undefined;
  airflowPassword: string | undefined;
  airflowToken: string | undefined;
  airflowTokenFile: string | undefined;
  airflowTimeoutMs: number;
}

/** The rules between the settings, each broken one a one-line ConfigError. */
export function checkAirflowSettings(config: AirflowSettings): void {
  if (config.forwardTo === 'airflow' && !config.airflowUrl) {
    throw new ConfigError('AIRFLOW_URL (--airflow-url) is required with DAGPACT_FORWARD_TO=airflow: the Airflow API server that triggers the DAG runs');
  }
  if (config.forwardTo !== 'airflow' && config.airflowDags) {
    throw new ConfigError('DAGPACT_AIRFLOW_DAGS (--airflow-dags) names the DAGs forwarded to Airflow: set DAGPACT_FORWARD_TO=airflow as well, or unset it');
  }
  if ((config.airflowUsername === undefined) !== (config.airflowPassword === undefined)) {
    throw new ConfigError('AIRFLOW_USERNAME and AIRFLOW_PASSWORD (--airflow-username, --airflow-password) go together: set both, or neither');
  }
  if ([config.airflowToken, config.airflowTokenFile, config.airflowUsername].filter((v) => v !== undefined).length > 1) {
    throw new ConfigError('AIRFLOW_TOKEN, AIRFLOW_TOKEN_FILE and AIRFLOW_USERNAME/AIRFLOW_PASSWORD are ways to authenticate to Airflow: set one of them');
  }
}
