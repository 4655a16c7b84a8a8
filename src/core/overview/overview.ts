// The read model the console (and any script) uses to see the whole system at once: environments, the
// contract matrix (DAG × environment: active version and last check), check history, held messages per
// reason over time, and compatibility findings between two schema ids. Read-only; no transport, no SQL.
import { errors } from '../errors.js';
import type { CompatibilityIssue, FormatLookup, SchemaFormat } from '../formats/types.js';
import type { QuarantineFilter } from '../quarantine/types.js';
import type { Registry } from '../registry/types.js';

export interface CheckSummary {
  id: number;
  dagId: string;
  version: string;
  environment: string;
  passed: boolean;
  errors: number;
  warnings: number;
  requestedBy: string;
  createdAt: Date;
}

export interface MatrixCell {
  environment: string;
  dagId: string;
  /** The active version; null when none (never deployed, or undeployed). */
  version: string | null;
  deployedAt: Date | null;
  deployedBy: string | null;
  forced: boolean;
  /** The latest check of this DAG (any version) in this environment. */
  lastCheck: CheckSummary | null;
}

export type Bucket = 'hour' | 'day';

export interface QuarantineStats {
  /** Records matching the filter. */
  total: number;
  byReason: Array<{ reasonCode: string; n: number }>;
  /** Records per (environment, DAG): where a bulk action on the filter would act. */
  byDag: Array<{ environment: string; dagId: string; n: number }>;
  /** Records created per bucket and reason, oldest bucket first (only when a bucket was asked for). */
  series?: Array<{ at: Date; reasonCode: string; n: number }>;
}

export interface OverviewStore {
  environments(): Promise<string[]>;
  matrixCells(): Promise<{ dags: string[]; cells: MatrixCell[] }>;
  listChecks(args: { dagId?: string; version?: string; environment?: string; limit: number }): Promise<CheckSummary[]>;
  quarantineStats(args: { filter: QuarantineFilter; bucket?: Bucket }): Promise<QuarantineStats>;
}

export interface OverviewDeps {
  store: OverviewStore;
  registry: Registry;
  formats: FormatLookup;
}

export function makeOverview(deps: OverviewDeps) {
  return {
    environments: () => deps.store.environments(),

    async matrix() {
      const [environments, { dags, cells }] = await Promise.all([deps.store.environments(), deps.store.matrixCells()]);
      return { environments, dags, cells };
    },

    listChecks: (args: { dagId?: string; version?: string; environment?: string; limit: number }) => deps.store.listChecks(args),

    quarantineStats: (args: { filter: QuarantineFilter; bucket?: Bucket }) => deps.store.quarantineStats(args),

    /** Can a reader on schema `reader` read data written with schema `writer`? Every finding. */
    async compatibility(args: { reader: number; writer: number }): Promise<{ compatible: boolean; format: SchemaFormat; findings: CompatibilityIssue[] }> {
      const [reader, writer] = await Promise.all([deps.registry.lazyParsedById({ id: args.reader }), deps.registry.lazyParsedById({ id: args.writer })]);
      if (reader.format !== writer.format) {
        throw errors.badRequest(`schema ${args.reader} is ${reader.format} and schema ${args.writer} is ${writer.format}; only schemas of one format can be compared`);
      }
      // Through the compute port: off the event loop in the API server (docs/adr/0019).
      const [findings] = await deps.registry.compareSchemas([{ reader, writer }]) as [CompatibilityIssue[]];
      return { compatible: findings.length === 0, format: reader.format, findings };
    },
  };
}

export type OverviewService = ReturnType<typeof makeOverview>;
