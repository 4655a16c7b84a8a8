// The registry core over the real store on an in-process PGlite database (the default embedded
// database): the same semantics as on PostgreSQL, including the lock and IMPORT's explicit ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/core/auth.js';
import { DagpactError } from '../../../src/core/errors.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import { makeRegistry } from '../../../src/core/registry/registry.js';
import type { Registry } from '../../../src/core/registry/types.js';
import { makeRegistryStore } from '../../../src/store/registry-store.js';
import { makeAuditLog } from '../../../src/store/token-store.js';
import { createPgliteTestDatabase, type TestDatabase } from '../../support/db.js';

const actor: Principal = { id: 'test', name: 'test', scopes: ['admin'] };
const record = (name: string, fields: unknown[]) => JSON.stringify({ type: 'record', name, fields });
const v1 = record('Order', [{ name: 'id', type: 'long' }]);
const v2 = record('Order', [{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }]);
const broken = record('Order', [{ name: 'id', type: 'string' }]);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DagpactError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('registry on PGlite', () => {
  let db: TestDatabase;
  let registry: Registry;
  beforeAll(async () => {
    db = await createPgliteTestDatabase();
    registry = makeRegistry({ store: makeRegistryStore(db.database.db), formats: makeFormats(), audit: makeAuditLog(db.database.db) });
  });
  afterAll(() => db.drop());

  it('registers, dedupes by content across subjects, and versions in order', async () => {
    const a = await registry.register({ subject: 'a', schema: v1 }, actor);
    expect(a).toEqual({ subject: 'a', id: a.id, version: 1, created: true });
    expect(await registry.register({ subject: 'a', schema: ` ${v1} ` }, actor)).toEqual({ ...a, created: false });
    const b = await registry.register({ subject: 'b', schema: v1 }, actor);
    expect(b.id).toBe(a.id);
    const a2 = await registry.register({ subject: 'a', schema: v2 }, actor);
    expect(a2.version).toBe(2);
    expect(await registry.listVersions({ subject: 'a' })).toEqual([1, 2]);
    expect((await registry.getVersion({ subject: 'a', version: 'latest' })).id).toBe(a2.id);
    expect(await registry.subjectsForSchema({ id: a.id })).toEqual(['a', 'b']);
    const parsed = await registry.parsedById({ id: a.id });
    expect(parsed.format).toBe('AVRO');
    expect(await registry.findSchemaByFingerprint({ format: 'AVRO', fingerprint: parsed.fingerprint })).toMatchObject({ id: a.id });
  });

  it('refuses an incompatible schema with findings and keeps nothing', async () => {
    const err = await registry.register({ subject: 'a', schema: broken }, actor).catch((e: DagpactError) => e);
    expect(err).toBeInstanceOf(DagpactError);
    expect((err as DagpactError).code).toBe('INCOMPATIBLE_SCHEMA');
    expect(((err as DagpactError).details as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
    expect(await registry.listVersions({ subject: 'a' })).toEqual([1, 2]);
  });

  it('serializes concurrent registrations (one connection, one transaction at a time)', async () => {
    await registry.setSubjectCompatibility({ subject: 'c', level: 'NONE' }, actor);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => registry.register({ subject: 'c', schema: record(`C${i}`, []) }, actor)));
    expect(results.map((r) => r.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('applies soft and permanent delete rules', async () => {
    expect(await codeOf(registry.deleteVersion({ subject: 'b', version: 1, permanent: true }, actor))).toBe('VERSION_NOT_SOFT_DELETED');
    expect(await registry.deleteSubject({ subject: 'b', permanent: false }, actor)).toEqual([1]);
    expect(await codeOf(registry.deleteSubject({ subject: 'b', permanent: false }, actor))).toBe('SUBJECT_SOFT_DELETED');
    expect(await codeOf(registry.listVersions({ subject: 'b' }))).toBe('SUBJECT_NOT_FOUND');
    expect(await registry.listVersions({ subject: 'b', includeDeleted: true })).toEqual([1]);
    expect(await registry.deleteSubject({ subject: 'b', permanent: true }, actor)).toEqual([1]);
    expect(await registry.listSubjects({ includeDeleted: true })).not.toContain('b');
  });

  it('IMPORT keeps explicit ids; later registrations step over them', async () => {
    await registry.setSubjectMode({ subject: 'imp', mode: 'IMPORT' }, actor);
    const imported = await registry.register({ subject: 'imp', schema: record('Imp', []), id: 900, version: 3 }, actor);
    expect(imported).toMatchObject({ id: 900, version: 3 });
    const fresh = await registry.register({ subject: 'fresh', schema: record('Fresh', []) }, actor);
    expect(fresh.id).not.toBe(900);
  });

  it('survives an imported id of 2147483647 and a run of imported ids after the sequence (issue 11)', async () => {
    await registry.setSubjectMode({ subject: 'top', mode: 'IMPORT' }, actor);
    await registry.register({ subject: 'top', schema: record('Top', []), id: 2147483647, version: 1 }, actor);
    const probe = await registry.register({ subject: 'probe', schema: record('Probe', []) }, actor);
    // Import the next few ids the sequence would hand out, then keep registering.
    for (let k = 1; k <= 3; k++) {
      await registry.register({ subject: 'top', schema: record(`Top${k}`, []), id: probe.id + k, version: k + 1 }, actor);
    }
    const ids = new Set<number>([2147483647, probe.id, probe.id + 1, probe.id + 2, probe.id + 3]);
    for (let k = 0; k < 5; k++) {
      const later = await registry.register({ subject: `later-${k}`, schema: record(`Later${k}`, []) }, actor);
      expect(ids.has(later.id)).toBe(false);
      expect(later.id).toBeLessThan(2147483647);
      ids.add(later.id);
    }
    expect((await registry.getSchemaById({ id: 2147483647 })).schema).toBe(record('Top', []));
  });

  it('leaves IMPORT mode and explicit ids to admins (issue 11)', async () => {
    const writer: Principal = { id: 'token:7', name: 'ci', scopes: ['write'] };
    expect(await codeOf(registry.setSubjectMode({ subject: 'w', mode: 'IMPORT' }, writer))).toBe('FORBIDDEN');
    await registry.setSubjectMode({ subject: 'w', mode: 'IMPORT' }, actor);
    expect(await codeOf(registry.register({ subject: 'w', schema: record('W', []), id: 2147483646, version: 1 }, writer))).toBe('FORBIDDEN');
    expect(await codeOf(registry.setSubjectMode({ subject: 'w', mode: 'READONLY' }, writer))).toBe('OK');
  });

  it('keeps levels and modes per subject with the global fallback', async () => {
    expect(await registry.effectiveCompatibility({ subject: 'a' })).toBe('BACKWARD');
    await registry.setGlobalCompatibility('FULL', actor);
    expect(await registry.effectiveCompatibility({ subject: 'a' })).toBe('FULL');
    expect(await registry.effectiveCompatibility({ subject: 'c' })).toBe('NONE');
    expect(await registry.deleteGlobalCompatibility(actor)).toBe('FULL');
    expect(await codeOf(registry.subjectCompatibilityOrGlobal({ subject: 'a', defaultToGlobal: false }))).toBe('SUBJECT_LEVEL_CONFIG_NOT_FOUND');
    expect(await codeOf(registry.setSubjectCompatibility({ subject: 'a', level: 'SOMETIMES' as never }, actor))).toBe('INVALID_COMPATIBILITY_LEVEL');
  });
});
