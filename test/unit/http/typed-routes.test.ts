// A ratchet: routes take their request types from their schemas (src/http/type-provider.ts), so no
// `request.body as …` (nor params, query, headers) comes back. The limit only ever goes down.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ALLOWED_CASTS = 0;
const SRC = resolve('src');
/** `request.query as X`, `(request.body ?? {}) as X`, `(request.params as X).id` ... */
const CAST = /request\.(?:body|params|query|headers)(?:\s*\?\?\s*[^)]*\))?\)?\s+as\s+(?!const\b)/g;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('typed routes', () => {
  it('the cast pattern finds what it must', () => {
    const samples = ['const q = request.query as { deleted: boolean };', 'const b = (request.body ?? {}) as { reason?: string };', 'f((request.params as { id: number }).id)'];
    expect(samples.map((s) => s.match(CAST)?.length ?? 0)).toEqual([1, 1, 1]);
    expect('const { id } = request.params;'.match(CAST)).toBeNull();
  });

  it(`casts request parts at most ${ALLOWED_CASTS} times in src/`, () => {
    const found = files(SRC).flatMap((file) => readFileSync(file, 'utf8').split('\n')
      .flatMap((line, i) => (line.match(CAST) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])));
    expect(found.length, found.join('\n')).toBeLessThanOrEqual(ALLOWED_CASTS);
  });
});
