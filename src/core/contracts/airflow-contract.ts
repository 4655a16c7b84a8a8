// Which contract the DAG Airflow runs declares: the dagpact-airflow package tags a DAG
// `dagpact-contract:<contract_hash>` (the hash dagpact computes for its manifest, identity.ts), and
// Airflow's REST API shows the tags of the DAG version it runs. The pre-deploy check compares that hash
// with the manifest being checked. Warnings, like the airflow_version_number findings: CI often checks
// before the DAG's code reaches Airflow; at deploy time a mismatch means the code Airflow runs was
// built against another contract than the one going live.
import { isDagpactError } from '../errors.js';
import type { AirflowDagVersions, CheckFinding } from './types.js';

/** The tag prefix the Python package writes (python/dagpact-airflow, TAG_PREFIX). */
export const CONTRACT_TAG_PREFIX = 'dagpact-contract:';

/** The contract hashes a DAG's tags declare (normally one). */
export function declaredContractHashes(tags: Array<{ name: string }>): string[] {
  return tags.map((t) => t.name).filter((n) => n.startsWith(CONTRACT_TAG_PREFIX)).map((n) => n.slice(CONTRACT_TAG_PREFIX.length));
}

const short = (hash: string) => hash.slice(0, 12);

export async function airflowContract(airflow: Required<Pick<AirflowDagVersions, 'getDag'>> & Pick<AirflowDagVersions, 'baseUrl'>, dagId: string, hash: string, topic: string): Promise<CheckFinding[]> {
  const base = { kind: 'airflow-dag-contract' as const, topic, direction: 'consume' as const };
  let dag: { tags: Array<{ name: string }> } | undefined;
  try {
    dag = await airflow.getDag({ dagId });
  } catch (error) {
    const why = isDagpactError(error) ? error.message : (error as Error).message;
    return [{ ...base, severity: 'warning', rule: 'AIRFLOW_UNAVAILABLE', message: `Airflow at ${airflow.baseUrl} could not be asked which contract ${dagId} declares: ${why}` }];
  }
  if (!dag) {
    return [{ ...base, severity: 'warning', rule: 'AIRFLOW_DAG_UNKNOWN', message: `Airflow at ${airflow.baseUrl} has no DAG ${dagId}: its file is not deployed or not parsed yet, so the contract it declares is unknown` }];
  }
  const declared = declaredContractHashes(dag.tags ?? []);
  if (declared.length === 0) {
    return [{
      ...base, severity: 'info', rule: 'AIRFLOW_CONTRACT_UNDECLARED',
      message: `the DAG ${dagId} Airflow runs declares no contract (no ${CONTRACT_TAG_PREFIX}<hash> tag; see dagpact-airflow's declare())`,
    }];
  }
  if (declared.length > 1) {
    return [{
      ...base, severity: 'warning', rule: 'AIRFLOW_CONTRACT_AMBIGUOUS',
      message: `the DAG ${dagId} Airflow runs declares ${declared.length} contracts (${declared.map(short).join(', ')}); a DAG declares one`,
    }];
  }
  if (declared[0] !== hash) {
    return [{
      ...base, severity: 'warning', rule: 'AIRFLOW_CONTRACT_MISMATCH',
      message: `the DAG ${dagId} Airflow runs declares contract ${short(declared[0]!)}, not ${short(hash)} (this manifest's): ` +
        'the code Airflow runs was built against another contract; deploy the DAG file that declares this manifest, or check the manifest it declares',
    }];
  }
  return [{ ...base, severity: 'info', message: `the DAG ${dagId} Airflow runs declares this contract (${short(hash)})` }];
}
