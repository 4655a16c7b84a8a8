// A deterministic budget for one compatibility computation: every unit of work (a pair of nodes
// compared, a field, an enum symbol, a branch case) is counted, and running out raises
// SCHEMA_TOO_COMPLEX instead of letting one request hold the event loop or grow the heap.
// A counter, not a deadline, so the same schemas get the same answer on every machine (docs/adr/0013).
import { DagpactError } from '../errors.js';

/** Units one compatibility verdict may spend by default: well under a second of work. */
export const DEFAULT_COMPATIBILITY_WORK = 2_000_000;

export interface WorkBudget {
  /** Counts `units` of work on `what` (a short description used in the error); throws when exhausted. */
  spend(units: number, what: string): void;
  readonly used: number;
  readonly limit: number;
}

export function schemaTooComplex(what: string, limit: number): DagpactError {
  return new DagpactError('SCHEMA_TOO_COMPLEX',
    `the compatibility check needs more than ${limit} steps (${what}); split the schema into smaller types, ` +
    'shorten large unions/anyOf/oneOf or enums, or set compatibility NONE for this subject',
    { details: { problems: [{ path: '$', message: `too complex to compare: ${what}` }], limit } });
}

export function makeWorkBudget(limit: number = DEFAULT_COMPATIBILITY_WORK): WorkBudget {
  let used = 0;
  return {
    spend(units, what) {
      used += units;
      if (used > limit) throw schemaTooComplex(what, limit);
    },
    get used() { return used; },
    limit,
  };
}
