// How the dagpact-airflow package's tests reach Python and Airflow: scripts/airflow/harness.sh with
// AIRFLOW_COMPONENTS=all builds the package's wheel (`python -m build`), installs it with pip into a
// clean venv with Airflow (.venv-airflow-dagpact), and runs a whole Airflow 3 (API server, scheduler
// with the LocalExecutor, DAG processor, triggerer) as the instance `airflow12` on its own port and
// metadata database, beside the API-server-only instance the other Airflow tests use.
// scripts/test.sh starts it and exports TEST_AIRFLOW12_*; run by hand without them, the tests start
// (or reuse) it themselves and leave it running (`AIRFLOW_NAME=airflow12 AIRFLOW_PORT=28112 bash
// scripts/airflow/harness.sh stop` ends it).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../../..');
export const VENV = resolve(ROOT, '.venv-airflow-dagpact');
export const PY = resolve(VENV, 'bin/python');
export const DAGPACT_AIRFLOW = resolve(VENV, 'bin/dagpact-airflow');
// The instance's name (and so its state dir and metadata database dagpact_<name>): airflow12 unless
// TEST_AIRFLOW12_NAME names another (a second checkout runs its own beside it, on TEST_AIRFLOW12_PORT).
export const AIRFLOW12_NAME = process.env.TEST_AIRFLOW12_NAME ?? 'airflow12';
export const AIRFLOW12_DAGS = resolve(ROOT, `.tmp/${AIRFLOW12_NAME}-dags`);

export interface Airflow12 { url: string; username: string; password: string; dagsDir: string }

/** The harness's environment for the airflow12 instance. */
export function harnessEnv(): NodeJS.ProcessEnv {
  const pg = process.env.TEST_DATABASE_URL;
  if (!pg) throw new Error('TEST_DATABASE_URL is not set: the all-components Airflow runs its metadata on the test PostgreSQL server');
  return {
    ...process.env, AIRFLOW_NAME: AIRFLOW12_NAME, AIRFLOW_COMPONENTS: 'all', AIRFLOW_PORT: process.env.TEST_AIRFLOW12_PORT ?? '28112',
    AIRFLOW_DAGS_DIR: process.env.TEST_AIRFLOW12_DAGS_DIR ?? AIRFLOW12_DAGS,
    AIRFLOW_DATABASE_URL: `${pg.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://').replace(/\/[^/]*$/, '')}/dagpact_${AIRFLOW12_NAME}`,
  };
}

export async function harness(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', ['scripts/airflow/harness.sh', ...args], { cwd: ROOT, timeout: 1_200_000, maxBuffer: 16 * 1024 * 1024, env: harnessEnv() });
  return stdout;
}

let venv: Promise<string> | undefined;
/** The clean venv with Airflow and the package's wheel installed (built now when the package changed). */
export function dagpactVenv(): Promise<string> {
  venv ??= harness('venv').then(() => PY);
  return venv;
}

let airflow: Promise<Airflow12> | undefined;
export function airflow12(): Promise<Airflow12> {
  const { TEST_AIRFLOW12_URL: url, TEST_AIRFLOW12_USERNAME: username, TEST_AIRFLOW12_PASSWORD: password } = process.env;
  const dagsDir = harnessEnv().AIRFLOW_DAGS_DIR!;
  airflow ??= url && username && password ? Promise.resolve({ url, username, password, dagsDir }) : harness('start').then((stdout) => {
    const vars = Object.fromEntries([...stdout.matchAll(/^export (AIRFLOW_\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    if (!vars.AIRFLOW_URL || !vars.AIRFLOW_USERNAME || !vars.AIRFLOW_PASSWORD) throw new Error(`harness start printed no AIRFLOW_* exports:\n${stdout}`);
    return { url: vars.AIRFLOW_URL, username: vars.AIRFLOW_USERNAME, password: vars.AIRFLOW_PASSWORD, dagsDir };
  });
  return airflow;
}

/** Runs a program; resolves with its exit code and output (a non-zero exit is a result, not a throw). */
export async function exec(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {}) {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, timeout: options.timeout ?? 300_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
