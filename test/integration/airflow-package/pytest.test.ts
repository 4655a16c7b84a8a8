// The package's own pytest suite (python/dagpact-airflow/tests), run against the wheel installed in the
// clean Airflow venv: a failing pytest fails `npm test`.
import { describe, expect, it } from 'vitest';
import { dagpactVenv, exec } from './support.js';

describe('dagpact-airflow pytest suite', () => {
  it('passes against the installed wheel', async () => {
    const python = await dagpactVenv();
    // -p no:cacheprovider: nothing written into the source tree. src/ is not on sys.path, so the tests
    // import dagpact_airflow from the installed wheel.
    const res = await exec(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'python/dagpact-airflow/tests'],
      { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', AIRFLOW__CORE__UNIT_TEST_MODE: 'False' } });
    const summary = res.stdout.trim().split('\n').at(-1) ?? '';
    expect(res.code, `${res.stdout.slice(-4000)}\n${res.stderr.slice(-2000)}`).toBe(0);
    expect(summary).toMatch(/^\d+ passed/);
    // The module came from the venv's site-packages (the wheel), not from the checkout.
    const where = await exec(python, ['-c', 'import dagpact_airflow, sys; print(dagpact_airflow.__file__)'], { cwd: '/' });
    expect(where.stdout).toContain('site-packages/dagpact_airflow/');
  }, 900_000);
});
