// What Airflow runs for each DAG the gatekeeper forwards there: the latest DAG version's number (the
// one a new run uses) and the contract hash the DAG file declares (tag `dagpact-contract:<hash>`).
// Cached per DAG and refreshed after `refreshMs`, or at once after Airflow refused a trigger (a 4xx
// may mean the DAG changed). Airflow being unreachable throws a retriable error: never a verdict.
import type { AirflowDagState } from '../core/gatekeeper/decide.js';
import type { AirflowDagStates } from './resolver.js';

import { declaredContractHashes } from '../core/contracts/airflow-contract.js';

export interface AirflowDagReader {
  getDag(args: { dagId: string }): Promise<{ tags: Array<{ name: string }> } | undefined>;
  listDagVersions(args: { dagId: string }): Promise<Array<{ version_number: number }>>;
}


export function makeAirflowDagStates(deps: { airflow: AirflowDagReader; refreshMs: number; clock?: () => number }): AirflowDagStates & { invalidate(dagId: string): void } {
  const clock = deps.clock ?? Date.now;
  const cache = new Map<string, { at: number; state: Promise<AirflowDagState | null> }>();

  async function load(dagId: string): Promise<AirflowDagState | null> {
    const dag = await deps.airflow.getDag({ dagId });
    if (!dag) return null;
    const versions = await deps.airflow.listDagVersions({ dagId });
    const latest = versions.reduce<number | undefined>((max, v) => (max === undefined || v.version_number > max ? v.version_number : max), undefined);
    // The first declared contract; the pre-deploy check reports a DAG that declares several.
    const contractHash = declaredContractHashes(dag.tags ?? []).map((h) => h.trim()).find((h) => h.length > 0);
    return { ...(latest !== undefined ? { versionNumber: latest } : {}), ...(contractHash ? { contractHash } : {}) };
  }

  return {
    get(dagId) {
      const hit = cache.get(dagId);
      if (hit && clock() - hit.at < deps.refreshMs) return hit.state;
      const state = load(dagId);
      const entry = { at: clock(), state };
      cache.set(dagId, entry);
      state.catch(() => { if (cache.get(dagId) === entry) cache.delete(dagId); });
      return state;
    },
    invalidate(dagId) {
      cache.delete(dagId);
    },
  };
}
