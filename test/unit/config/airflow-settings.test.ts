// The Airflow sink's settings on the gatekeeper (and the server, for replay): defaults that keep
// today's behaviour, and one clear line for each combination that cannot work.
import { describe, expect, it } from 'vitest';
import { parseGatekeeperConfig } from '../../../src/config/gatekeeper-config.js';
import { ConfigError } from '../../../src/config/parse.js';
import { parseServerConfig } from '../../../src/config/server-config.js';

const required = { DAGPACT_ENVIRONMENT: 'prod', PULSAR_SERVICE_URL: 'pulsar://127.0.0.1:6650' };
const airflow = { DAGPACT_FORWARD_TO: 'airflow', AIRFLOW_URL: 'http://127.0.0.1:28080' };

describe('Airflow settings', () => {
  it('forward to the trigger topic by default', () => {
    expect(parseGatekeeperConfig(required)).toMatchObject({ forwardTo: 'topic', airflowUrl: undefined, airflowDags: undefined, airflowTimeoutMs: 10_000 });
    expect(parseServerConfig({})).toMatchObject({ forwardTo: 'topic' });
  });

  it('read the URL, the credentials and the DAG list', () => {
    expect(parseGatekeeperConfig({ ...required, ...airflow, AIRFLOW_USERNAME: 'u', AIRFLOW_PASSWORD: 'p', DAGPACT_AIRFLOW_DAGS: 'a, b' })).toMatchObject({
      forwardTo: 'airflow', airflowUrl: 'http://127.0.0.1:28080', airflowUsername: 'u', airflowPassword: 'p', airflowDags: ['a', 'b'],
    });
  });

  it.each([
    [{ DAGPACT_FORWARD_TO: 'kafka' }, /^DAGPACT_FORWARD_TO must be topic or airflow \(got "kafka"\)$/],
    [{ DAGPACT_FORWARD_TO: 'airflow' }, /^AIRFLOW_URL \(--airflow-url\) is required with DAGPACT_FORWARD_TO=airflow/],
    [{ ...airflow, AIRFLOW_URL: 'http://h:8080/api/v2' }, /^AIRFLOW_URL must be an http:\/\/ or https:\/\/ URL \(Airflow's base URL, without \/api\/v2\)/],
    [{ ...airflow, AIRFLOW_URL: 'ftp://h' }, /^AIRFLOW_URL must be an http/],
    [{ DAGPACT_AIRFLOW_DAGS: 'a' }, /^DAGPACT_AIRFLOW_DAGS \(--airflow-dags\) names the DAGs forwarded to Airflow: set DAGPACT_FORWARD_TO=airflow/],
    [{ ...airflow, AIRFLOW_USERNAME: 'u' }, /^AIRFLOW_USERNAME and AIRFLOW_PASSWORD .* go together/],
    [{ ...airflow, AIRFLOW_TOKEN: 't', AIRFLOW_USERNAME: 'u', AIRFLOW_PASSWORD: 'p' }, /^AIRFLOW_TOKEN, AIRFLOW_TOKEN_FILE and AIRFLOW_USERNAME\/AIRFLOW_PASSWORD are ways/],
    [{ ...airflow, AIRFLOW_TIMEOUT_MS: '0' }, /^AIRFLOW_TIMEOUT_MS must be a positive integer/],
  ])('%j is refused with one line', (env, message) => {
    expect(() => parseGatekeeperConfig({ ...required, ...env })).toThrow(ConfigError);
    expect(() => parseGatekeeperConfig({ ...required, ...env })).toThrow(message);
    expect(() => parseServerConfig(env)).toThrow(message);
  });
});
