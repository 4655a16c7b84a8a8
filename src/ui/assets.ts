// The console's built files (dist/ui, made by `npm run build` from src/ui/client): read once from disk
// and kept in memory. Only the files the build writes are served; nothing else on disk is reachable.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../support/package-root.js';

export interface Asset { body: Buffer; type: string }

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The files `scripts/build-ui.mjs` writes. */
export const ASSET_NAMES = ['index.html', 'app.js', 'app.css', 'app.js.map', 'favicon.svg'] as const;

/**
 * Content-Security-Policy of every console response: no inline script or style, no other origin, except
 * that the page may call the OpenID provider's origin (discovery and the token endpoint) when sign-in
 * with it is configured.
 */
export function consoleCsp(connectOrigins: string[] = []): string {
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", ["connect-src 'self'", ...connectOrigins].join(' '),
    "font-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
  ].join('; ');
}


export function uiDirectory(): string {
  return join(packageRoot(), 'dist', 'ui');
}

export function makeAssetCache(dir = uiDirectory()) {
  const cache = new Map<string, Asset | null>();
  return {
    get(name: string): Asset | undefined {
      if (!(ASSET_NAMES as readonly string[]).includes(name)) return undefined;
      if (!cache.has(name)) {
        const file = join(dir, name);
        const ext = name.slice(name.lastIndexOf('.'));
        cache.set(name, existsSync(file) ? { body: readFileSync(file), type: TYPES[ext] ?? 'application/octet-stream' } : null);
      }
      return cache.get(name) ?? undefined;
    },
    built: () => existsSync(join(dir, 'index.html')),
  };
}
