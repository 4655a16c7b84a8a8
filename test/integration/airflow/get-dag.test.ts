// The Airflow client's getDag against the real Airflow 3 API server: the DAG with its tags (where a
// dagpact-airflow DAG declares its contract), and undefined for a DAG Airflow does not have.
import { describe, expect, it } from 'vitest';
import { airflowClient, DAGS } from './support.js';

describe('AirflowClient.getDag', () => {
  it('reads a DAG with its tags', async () => {
    const dag = await (await airflowClient()).getDag({ dagId: DAGS.orders });
    expect(dag).toMatchObject({ dag_id: DAGS.orders });
    expect(Array.isArray(dag!.tags)).toBe(true);
  });

  it('answers undefined for a DAG Airflow does not have', async () => {
    expect(await (await airflowClient()).getDag({ dagId: 'dagpact_no_such_dag' })).toBeUndefined();
  });
});
