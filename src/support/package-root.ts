// Finds the package's root folder (where package.json, migrations/ and openapi.yaml live), both from
// src/ under tsx and from dist/src/ after a build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the dagpact package root (package.json + migrations/)');
    dir = parent;
  }
}
