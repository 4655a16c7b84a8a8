// Benchmarks of hot paths load the build users run (dist/, from `npm run build`), not src/ through
// tsx: tsx compiles with esbuild's keepNames, which adds a defineProperty call for every closure made
// (about 2-3 µs per gatekeeper message). Types still come from src/.
export const fromDist = <T>(path: string): Promise<T> => import(new URL(`../dist/src/${path}`, import.meta.url).href) as Promise<T>;
