// The check's reading of the contract the DAG Airflow runs declares (its dagpact-contract:<hash> tag),
// as a table: which finding each answer of GET /api/v2/dags/{dag_id} gives.
import { describe, expect, it } from 'vitest';
import { airflowContract, declaredContractHashes } from '../../../src/core/contracts/airflow-contract.js';
import { DagpactError } from '../../../src/core/errors.js';

const HASH = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const answering = (answer: Array<string> | undefined | Error) => ({
  baseUrl: 'http://airflow.test',
  getDag: async () => {
    if (answer instanceof Error) throw answer;
    return answer === undefined ? undefined : { dag_id: 'orders', tags: answer.map((name) => ({ name })) };
  },
});

describe('airflowContract()', () => {
  it.each([
    ['the DAG declares this contract', ['etl', `dagpact-contract:${HASH}`], 'info', undefined, /declares this contract \(aaaaaaaaaaaa\)/],
    ['the DAG declares another contract', [`dagpact-contract:${OTHER}`], 'warning', 'AIRFLOW_CONTRACT_MISMATCH', /declares contract bbbbbbbbbbbb, not aaaaaaaaaaaa/],
    ['the DAG declares no contract', ['etl'], 'info', 'AIRFLOW_CONTRACT_UNDECLARED', /declares no contract/],
    ['the DAG declares two contracts', [`dagpact-contract:${HASH}`, `dagpact-contract:${OTHER}`], 'warning', 'AIRFLOW_CONTRACT_AMBIGUOUS', /declares 2 contracts/],
    ['Airflow has no such DAG', undefined, 'warning', 'AIRFLOW_DAG_UNKNOWN', /has no DAG orders/],
    ['Airflow does not answer', new DagpactError('UPSTREAM_UNAVAILABLE', 'connection refused'), 'warning', 'AIRFLOW_UNAVAILABLE', /could not be asked .*connection refused/],
  ] as const)('%s', async (_name, answer, severity, rule, message) => {
    const [finding, ...rest] = await airflowContract(answering(answer as string[] | undefined | Error), 'orders', HASH, 'airflow:orders');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity, kind: 'airflow-dag-contract', topic: 'airflow:orders', ...(rule ? { rule } : {}) });
    if (!rule) expect(finding!.rule).toBeUndefined();
    expect(finding!.message).toMatch(message);
  });

  it('reads only dagpact-contract: tags', () => {
    expect(declaredContractHashes([{ name: 'x' }, { name: `dagpact-contract:${HASH}` }, { name: 'dagpact-contractual' }])).toEqual([HASH]);
  });
});
