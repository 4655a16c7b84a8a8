// What every keyword family gets from the comparison driver: a way to compare nested subschemas.
import type { CompatibilityIssue } from '../../types.js';
import type { SNode } from './documents.js';

export interface DiffContext {
  /** Issues that stop `reader` from accepting every value all of `writers` accept together. */
  compare(reader: SNode, writers: SNode[]): CompatibilityIssue[];
}
