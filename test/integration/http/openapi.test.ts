// openapi.yaml at the root is exactly what the server serves.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderOpenApiYaml } from '../../support/openapi.js';

describe('openapi.yaml', () => {
  it('matches the document the server serves at /docs/yaml (run `npm run openapi:write` after changing a route)', async () => {
    const served = await renderOpenApiYaml();
    const committed = readFileSync('openapi.yaml', 'utf8');
    expect(parse(committed)).toEqual(parse(served));
  });

  it('documents every route with a response schema', async () => {
    const doc = parse(await renderOpenApiYaml()) as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.entries(op.responses ?? {}).some(([code, r]) => code.startsWith('2') && JSON.stringify(r).includes('schema'));
        if (!ok) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
