// Deleting subjects and versions, Confluent's way: a soft delete hides, a permanent delete (only of
// what is already soft-deleted) removes; nothing another schema references can be deleted.
import type { Principal } from '../auth.js';
import { DagpactError } from '../errors.js';
import type { RegistryContext } from './context.js';
import type { RegistryTx } from './store.js';
import type { SubjectVersion, VersionSelector } from './types.js';

/** REFERENCE_EXISTS when a version outside `subject` refers to one of `versions`. */
async function assertUnreferenced(tx: RegistryTx, subject: string, versions: SubjectVersion[], includeDeletedReferrers: boolean) {
  for (const v of versions) {
    const referrers = (await tx.findReferrers({ subject, version: v.version, includeDeleted: includeDeletedReferrers }))
      .filter((r) => r.subject !== subject);
    if (referrers.length > 0) {
      const names = referrers.slice(0, 5).map((r) => `"${r.subject}" version ${r.version}`).join(', ');
      throw new DagpactError('REFERENCE_EXISTS',
        `subject "${subject}" version ${v.version} is referenced by ${names}; delete those first`);
    }
  }
}

export function makeDeletes(ctx: RegistryContext) {
  const { store } = ctx.deps;
  const event = (actor: Principal, action: string, subject: string, details: unknown) =>
    ({ actor: actor.id, actorName: actor.name, action, targetType: 'subject', targetId: subject, details });

  return {
    async deleteSubject({ subject, permanent }: { subject: string; permanent: boolean }, actor: Principal): Promise<number[]> {
      await ctx.assertWritable(subject);
      const deleted = await store.withSubjectLock({ subject }, async (tx) => {
        const all = await ctx.subjectVersions(subject, true, tx);
        const live = all.filter((v) => !v.deleted);
        if (!permanent) {
          if (live.length === 0) {
            throw new DagpactError('SUBJECT_SOFT_DELETED', `subject "${subject}" is already soft-deleted; delete it with permanent=true to remove it`);
          }
          await assertUnreferenced(tx, subject, live, false);
          await tx.markDeleted({ subject, versions: live.map((v) => v.version) });
          await tx.recordAudit(event(actor, 'subject.delete', subject, { versions: live.map((v) => v.version) }));
          return live.map((v) => v.version);
        }
        if (live.length > 0) {
          throw new DagpactError('SUBJECT_NOT_SOFT_DELETED', `subject "${subject}" must be soft-deleted (without permanent=true) before it is deleted permanently`);
        }
        await assertUnreferenced(tx, subject, all, true);
        await tx.removeVersions({ subject, versions: all.map((v) => v.version) });
        await tx.recordAudit(event(actor, 'subject.delete_permanent', subject, { versions: all.map((v) => v.version) }));
        return all.map((v) => v.version);
      });
      // A permanently deleted subject forgets its own settings too, as Confluent does.
      if (permanent) await store.setConfig({ scope: subject, compatibility: null, mode: null });
      return deleted;
    },

    async deleteVersion({ subject, version, permanent }: { subject: string; version: VersionSelector; permanent: boolean }, actor: Principal): Promise<number> {
      await ctx.assertWritable(subject);
      const number = await store.withSubjectLock({ subject }, async (tx) => {
        const all = await ctx.subjectVersions(subject, true, tx);
        // A number finds soft-deleted versions too (to answer 40406/40407); "latest" of a soft delete is the latest live one.
        const target = ctx.selectVersion(subject, all, version, permanent || version !== 'latest');
        if (!permanent) {
          if (target.deleted) throw new DagpactError('VERSION_SOFT_DELETED', `subject "${subject}" version ${target.version} is already soft-deleted; use permanent=true to remove it`);
          await assertUnreferenced(tx, subject, [target], false);
          await tx.markDeleted({ subject, versions: [target.version] });
        } else {
          if (!target.deleted) {
            throw new DagpactError('VERSION_NOT_SOFT_DELETED', `subject "${subject}" version ${target.version} must be soft-deleted before it is deleted permanently`);
          }
          await assertUnreferenced(tx, subject, [target], true);
          await tx.removeVersions({ subject, versions: [target.version] });
        }
        await tx.recordAudit(event(actor, permanent ? 'subject.version.delete_permanent' : 'subject.version.delete', subject, { version: target.version }));
        return target.version;
      });
      return number;
    },
  };
}
