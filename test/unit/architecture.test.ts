// The layout the folders promise, checked on the import graph of src/ (static imports, read as text):
// the core knows no transport or storage library and imports nothing outside itself (but src/support,
// a leaf of platform helpers); only the CLI
// imports the composition roots (src/start/); the API server's and the gatekeeper's wiring never
// import each other, directly or through anything else.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const graph = new Map<string, { local: string[]; packages: string[] }>();
for (const file of files(SRC)) {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!)
    .concat([...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]!));
  graph.set(relative(SRC, file), {
    local: specs.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s.replace(/\.js$/, '.ts')))),
    packages: specs.filter((s) => !s.startsWith('.')),
  });
}

function reachable(from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    stack.push(...(graph.get(f)?.local ?? []));
  }
  return seen;
}

describe('architecture', () => {
  it('reads the whole of src/', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('start/server.ts')?.local).toContain('start/common.ts');
  });

  it('src/support is a leaf: it imports nothing of dagpact', () => {
    expect([...graph].filter(([f, deps]) => f.startsWith('support/') && deps.local.length > 0).map(([f]) => f)).toEqual([]);
  });

  it('src/core imports nothing outside src/core (but the support leaf), and no transport, storage or thread library', () => {
    const offending = [...graph].filter(([f]) => f.startsWith('core/')).flatMap(([f, deps]) => [
      ...deps.local.filter((d) => !d.startsWith('core/') && !d.startsWith('support/')).map((d) => `${f} → ${d}`),
      // Threads are an adapter's business (src/compute-pool); the core only sees the compute port (ADR 0019).
      ...deps.packages.filter((p) => /^(fastify|@fastify\/|pg$|drizzle-orm|@electric-sql\/|node:worker_threads$|worker_threads$)/.test(p)).map((p) => `${f} → ${p}`),
    ]);
    expect(offending).toEqual([]);
  });

  it('only the CLI and src/start import src/start', () => {
    const offending = [...graph].filter(([f]) => !f.startsWith('start/') && !f.startsWith('cli/'))
      .flatMap(([f, deps]) => deps.local.filter((d) => d.startsWith('start/')).map((d) => `${f} → ${d}`));
    expect(offending).toEqual([]);
  });

  it("the API server's and the gatekeeper's composition roots never reach each other", () => {
    expect(reachable('start/server.ts').has('start/gatekeeper.ts')).toBe(false);
    expect(reachable('start/gatekeeper.ts').has('start/server.ts')).toBe(false);
  });
});
