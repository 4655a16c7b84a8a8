// The check's reading of Airflow's DAG versions, as a table: which finding each answer gives.
import { describe, expect, it } from 'vitest';
import { airflowVersion } from '../../../src/core/contracts/check.js';
import { DagpactError } from '../../../src/core/errors.js';
import type { AirflowDagVersions } from '../../../src/core/contracts/types.js';

const answering = (versions: number[] | Error): AirflowDagVersions => ({
  baseUrl: 'http://airflow.test',
  listDagVersions: async () => {
    if (versions instanceof Error) throw versions;
    return versions.map((n) => ({ version_number: n, bundle_version: `sha${n}` }));
  },
});

describe('airflowVersion()', () => {
  it.each([
    ['the latest version', [1, 2, 3], 3, 'info', undefined, /runs version 3 of orders \(bundle version sha3\)/],
    ['an older version', [1, 2, 3], 2, 'warning', 'AIRFLOW_VERSION_NOT_LATEST', /runs version 3 .* not 2 \(bundle version sha2\)/],
    ['a version Airflow has not seen', [1, 2], 7, 'warning', 'AIRFLOW_VERSION_UNKNOWN', /versions 1\.\.2 of orders, not 7/],
    ['a DAG with no versions', [], 1, 'warning', 'AIRFLOW_DAG_UNKNOWN', /no version of orders/],
    ['a DAG Airflow does not know (404)', new DagpactError('UPSTREAM_REJECTED', 'Airflow answered 404', { details: { status: 404 } }), 1, 'warning', 'AIRFLOW_DAG_UNKNOWN', /has no DAG orders/],
    ['an Airflow that does not answer', new DagpactError('UPSTREAM_UNAVAILABLE', 'connection refused'), 1, 'warning', 'AIRFLOW_UNAVAILABLE', /could not be asked .*connection refused/],
  ] as const)('%s', async (_name, versions, wanted, severity, rule, message) => {
    const [finding, ...rest] = await airflowVersion(answering(versions as number[] | Error), 'orders', wanted, 'airflow:orders');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity, kind: 'airflow-dag-version', topic: 'airflow:orders', ...(rule ? { rule } : {}) });
    if (!rule) expect(finding!.rule).toBeUndefined();
    expect(finding!.message).toMatch(message);
  });
});
