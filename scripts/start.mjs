// `npm start`: runs the built CLI (dist/) without recompiling. dist/ is built once by `npm install`
// (the `prepare` script); it is rebuilt here only when it is missing or older than a source file, so
// a checkout that was edited still starts what its sources say.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'src', 'cli', 'main.js');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), 0);
}

let built = 0;
try { built = statSync(main).mtimeMs; } catch { /* not built yet */ }
const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')), newest(join(root, 'tsconfig.build.json')));
if (built < sources) {
  process.stderr.write(built ? 'dagpact: src/ changed since the last build; rebuilding dist/ (npm run build)\n' : 'dagpact: building dist/ once (npm run build)\n');
  const tsc = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
process.argv = [process.argv[0], main, ...process.argv.slice(2)];
await import(pathToFileURL(main).href);
