// Builds the web console (src/ui/client) into dist/ui: one bundled, minified ES module (esbuild), the
// stylesheet, index.html and the icon. Run by `npm run build`; the API server serves dist/ui under /ui.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'ui', 'client');
const out = join(root, 'dist', 'ui');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(src, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: true, legalComments: 'none',
  tsconfig: join(src, 'tsconfig.json'), logLevel: 'warning',
});
for (const file of ['index.html', 'app.css', 'favicon.svg']) copyFileSync(join(src, file), join(out, file));
