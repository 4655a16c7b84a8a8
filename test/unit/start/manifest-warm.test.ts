// The API server compiles the contract manifest's validator once it is ready. Otherwise the first
// request that registers or checks a manifest compiled it on the event loop: 15-45 ms that every
// request in flight waited for (test/e2e/attack.test.ts printed it as the worst /healthz of the run).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseServerConfig } from '../../../src/config/server-config.js';

const warmed = vi.hoisted(() => ({ calls: 0 }));

vi.mock('../../../src/core/contracts/manifest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/core/contracts/manifest.js')>();
  return { ...original, warmManifestValidator: () => { warmed.calls++; original.warmManifestValidator(); } };
});

const { startServer } = await import('../../../src/start/server.js');

describe('API server start-up', () => {
  it('compiles the manifest validator once the database is ready, before start-up returns', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dagpact-warm-'));
    const config = parseServerConfig({ DAGPACT_DATA_DIR: dataDir, DAGPACT_LOG_LEVEL: 'silent', DAGPACT_HOST: '127.0.0.1', DAGPACT_PORT: '0' });
    // startServer installs SIGTERM/SIGINT handlers (start/shutdown.ts); this test removes the ones it added.
    const before = { SIGTERM: new Set(process.listeners('SIGTERM')), SIGINT: new Set(process.listeners('SIGINT')) };
    const started = await startServer(config);
    try {
      expect(warmed.calls).toBe(1);
      // And the manifest route still answers as before: a manifest naming a ".." tenant is refused by field.
      const res = await started.app.inject({
        method: 'POST', url: '/v1/dags',
        payload: { manifest: 'dag_id: d\nversion: v\nconsumes: [{topic: "persistent://../../clusters", subject: s, version: 1}]\n' },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error_code: 'INVALID_MANIFEST', details: { problems: [{ path: '$.consumes[0].topic' }] } });
    } finally {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        for (const listener of process.listeners(signal)) if (!before[signal].has(listener)) process.off(signal, listener);
      }
      await started.app.close();
      await started.database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
