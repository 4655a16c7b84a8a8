// The compute port in this thread: the default for tests, the CLI and the gatekeeper (whose per-message
// path uses providers directly anyway), and the fallback when no worker pool is configured.
import type { FormatCatalog } from '../formats/index.js';
import type { LevelVerdict } from '../compat/levels.js';
import type { CompatibilityIssue } from '../formats/types.js';
import type { SchemaCompute, SchemaSummary } from './port.js';
import { makeComputeTasks } from './tasks.js';

export function makeInlineCompute(formats: Pick<FormatCatalog, 'get'>, options: { cacheBytes?: number } = {}): SchemaCompute {
  const tasks = makeComputeTasks(formats, options);
  // async: a failure is a rejected promise, as from a worker.
  return {
    summarize: async (source, pinned) => tasks.run({ kind: 'summarize', source, ...(pinned ? { pinned } : {}) }) as SchemaSummary,
    backwardIssues: async (pairs) => tasks.run({ kind: 'backwardIssues', pairs }) as CompatibilityIssue[][],
    compatibility: async (args) => tasks.run({ kind: 'compatibility', ...args }) as LevelVerdict,
    readManifest: async (text) => tasks.run({ kind: 'readManifest', text }),
  };
}
