// The compute pool as built: dist/src/compute-pool/pool.js finds compute-worker.js beside it (no tsx),
// and its worker runs the built core. The same checks from src/ run under tsx in
// test/unit/compute-pool/pool.test.ts. Needs `npm run build` first, like every e2e test.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = resolve('dist/src/compute-pool/pool.js');

describe('the built compute pool', () => {
  it('loads compute-worker.js next to pool.js and answers, errors with code and details included', async () => {
    expect(existsSync(built), 'run npm run build first').toBe(true);
    const { defaultWorkerEntry, makeComputePool } = await import(pathToFileURL(built).href) as typeof import('../../src/compute-pool/pool.js');
    const entry = defaultWorkerEntry();
    expect(String(entry.url)).toMatch(/\/dist\/src\/compute-pool\/compute-worker\.js$/);
    expect(entry.eval).toBeUndefined();
    const pool = makeComputePool({ size: 1, maxQueue: 4, maxWaitMs: 30_000, taskTimeoutMs: 30_000 });
    try {
      const summary = await pool.summarize({ format: 'AVRO', text: '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}', references: [] }, []);
      expect(summary.canonical).toBe('{"name":"R","type":"record","fields":[{"name":"a","type":"int"}]}');
      expect(summary.contentKey).toMatch(/^[0-9a-f]{64}$/);
      const error = await pool.readManifest('a: 1\na: 2\n').catch((e: unknown) => e) as { code?: string; details?: unknown; constructor: { name: string } };
      expect(error.constructor.name).toBe('DagpactError');
      expect(error.code).toBe('INVALID_MANIFEST');
      expect(error.details).toEqual({ problems: [{ path: '$.a', message: 'is given twice; each key may appear once' }] });
    } finally {
      await pool.close();
    }
  }, 60_000);
});
