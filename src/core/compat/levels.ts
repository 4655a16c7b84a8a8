// The seven compatibility levels as one table of (direction, scope), applied the same way to every
// schema format: a format only supplies backwardIssues(reader, writer); this module decides which
// pairs to ask about. Confluent's and Apicurio's semantics: BACKWARD = the new schema reads data
// written with the existing ones; FORWARD = the existing ones read data written with the new one.
import type { CompatibilityIssue, FormatProvider, ParsedSchema } from '../formats/types.js';
import { makeWorkBudget, type WorkBudget } from '../formats/work-budget.js';

export const COMPATIBILITY_LEVELS = [
  'NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export type Direction = 'backward' | 'forward';
/** `latest`: only the newest existing version; `all`: every existing version. */
export type Scope = 'latest' | 'all';

export interface LevelRule {
  directions: readonly Direction[];
  scope: Scope;
}

export const LEVEL_RULES: Record<CompatibilityLevel, LevelRule> = {
  NONE: { directions: [], scope: 'latest' },
  BACKWARD: { directions: ['backward'], scope: 'latest' },
  BACKWARD_TRANSITIVE: { directions: ['backward'], scope: 'all' },
  FORWARD: { directions: ['forward'], scope: 'latest' },
  FORWARD_TRANSITIVE: { directions: ['forward'], scope: 'all' },
  FULL: { directions: ['backward', 'forward'], scope: 'latest' },
  FULL_TRANSITIVE: { directions: ['backward', 'forward'], scope: 'all' },
};

export interface LevelIssue extends CompatibilityIssue {
  direction: Direction;
  /** Index into `existing` of the version the candidate was compared with. */
  againstIndex: number;
}

export interface LevelVerdict {
  compatible: boolean;
  issues: LevelIssue[];
}

/**
 * Judges `candidate` against `existing` (oldest first) under `level`. Every issue names the
 * direction and the existing version it comes from, so callers can report all findings at once.
 */
export function checkCompatibility(args: {
  provider: Pick<FormatProvider, 'backwardIssues'>;
  candidate: ParsedSchema;
  existing: readonly ParsedSchema[];
  level: CompatibilityLevel;
  /** Shared by every pair compared for this verdict; default: DEFAULT_COMPATIBILITY_WORK units. */
  budget?: WorkBudget;
}): LevelVerdict {
  const { provider, candidate, existing, level } = args;
  const budget = args.budget ?? makeWorkBudget();
  const rule = LEVEL_RULES[level];
  if (existing.length === 0 || rule.directions.length === 0) return { compatible: true, issues: [] };
  const first = rule.scope === 'all' ? 0 : existing.length - 1;
  const issues: LevelIssue[] = [];
  for (let againstIndex = existing.length - 1; againstIndex >= first; againstIndex--) {
    const other = existing[againstIndex]!;
    // Identical content is compatible both ways under every format; skip the comparison.
    if (other.fingerprint === candidate.fingerprint) continue;
    for (const direction of rule.directions) {
      const found = direction === 'backward'
        ? provider.backwardIssues(candidate, other, budget)
        : provider.backwardIssues(other, candidate, budget);
      for (const issue of found) issues.push({ ...issue, direction, againstIndex });
    }
  }
  return { compatible: issues.length === 0, issues };
}
