// Compatibility levels and modes, globally and per subject. Invalid values are refused here (42203,
// 42204 on the Confluent API) rather than by HTTP validation, so every transport gets the same codes.
import { hasScope, type Principal } from '../auth.js';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from '../compat/levels.js';
import { DagpactError } from '../errors.js';
import {
  DEFAULT_COMPATIBILITY, DEFAULT_MODE, GLOBAL_SCOPE, isCompatibilityLevel, isMode, MODES, type RegistryContext,
} from './context.js';
import type { RegistryMode } from './types.js';

function checkLevel(level: string): CompatibilityLevel {
  const upper = String(level).toUpperCase();
  if (!isCompatibilityLevel(upper)) {
    throw new DagpactError('INVALID_COMPATIBILITY_LEVEL', `"${level}" is not a compatibility level; use one of ${COMPATIBILITY_LEVELS.join(', ')}`);
  }
  return upper;
}

function checkMode(mode: string): RegistryMode {
  const upper = String(mode).toUpperCase();
  if (!isMode(upper)) throw new DagpactError('INVALID_MODE', `"${mode}" is not a mode; use one of ${MODES.join(', ')}`);
  return upper;
}

export function makeSettings(ctx: RegistryContext) {
  const { store } = ctx.deps;

  const ownLevel = async (scope: string) => {
    const value = (await store.getConfig({ scope })).compatibility;
    return value && isCompatibilityLevel(value) ? value : undefined;
  };
  const ownMode = async (scope: string) => {
    const value = (await store.getConfig({ scope })).mode;
    return value && isMode(value) ? value : undefined;
  };
  // The audit event is written in the setting's own transaction.
  const event = (actor: Principal, action: string, scope: string, details: unknown) =>
    ({ actor: actor.id, actorName: actor.name, action, targetType: scope === GLOBAL_SCOPE ? 'registry' : 'subject', targetId: scope || 'global', details });

  return {
    getGlobalCompatibility: async () => (await ownLevel(GLOBAL_SCOPE)) ?? DEFAULT_COMPATIBILITY,

    async setGlobalCompatibility(level: CompatibilityLevel, actor: Principal) {
      const value = checkLevel(level);
      await store.setConfig({ scope: GLOBAL_SCOPE, compatibility: value, audit: event(actor, 'config.set', GLOBAL_SCOPE, { compatibility: value }) });
    },

    async deleteGlobalCompatibility(actor: Principal) {
      const previous = (await ownLevel(GLOBAL_SCOPE)) ?? DEFAULT_COMPATIBILITY;
      await store.setConfig({ scope: GLOBAL_SCOPE, compatibility: null, audit: event(actor, 'config.delete', GLOBAL_SCOPE, { previous }) });
      return previous;
    },

    getSubjectCompatibility: ({ subject }: { subject: string }) => ownLevel(subject),

    async subjectCompatibilityOrGlobal({ subject, defaultToGlobal }: { subject: string; defaultToGlobal: boolean }) {
      const own = await ownLevel(subject);
      if (own) return own;
      if (defaultToGlobal) return (await ownLevel(GLOBAL_SCOPE)) ?? DEFAULT_COMPATIBILITY;
      throw new DagpactError('SUBJECT_LEVEL_CONFIG_NOT_FOUND', `subject "${subject}" has no compatibility level of its own; the global level applies (ask with defaultToGlobal=true)`);
    },

    async setSubjectCompatibility({ subject, level }: { subject: string; level: CompatibilityLevel }, actor: Principal) {
      const value = checkLevel(level);
      await store.setConfig({ scope: subject, compatibility: value, audit: event(actor, 'config.set', subject, { compatibility: value }) });
    },

    async deleteSubjectCompatibility({ subject }: { subject: string }, actor: Principal) {
      const previous = await ownLevel(subject);
      if (!previous) throw new DagpactError('SUBJECT_LEVEL_CONFIG_NOT_FOUND', `subject "${subject}" has no compatibility level of its own to delete`);
      await store.setConfig({ scope: subject, compatibility: null, audit: event(actor, 'config.delete', subject, { previous }) });
      return previous;
    },

    effectiveCompatibility: ({ subject }: { subject: string }) => ctx.effectiveCompatibility(subject),

    getGlobalMode: async () => (await ownMode(GLOBAL_SCOPE)) ?? DEFAULT_MODE,

    async setGlobalMode(mode: RegistryMode, actor: Principal) {
      const value = checkMode(mode);
      await store.setConfig({ scope: GLOBAL_SCOPE, mode: value, audit: event(actor, 'mode.set', GLOBAL_SCOPE, { mode: value }) });
    },

    getSubjectMode: ({ subject }: { subject: string }) => ownMode(subject),

    async subjectModeOrGlobal({ subject, defaultToGlobal }: { subject: string; defaultToGlobal: boolean }) {
      const own = await ownMode(subject);
      if (own) return own;
      if (defaultToGlobal) return (await ownMode(GLOBAL_SCOPE)) ?? DEFAULT_MODE;
      throw new DagpactError('SUBJECT_LEVEL_MODE_NOT_FOUND', `subject "${subject}" has no mode of its own; the global mode applies (ask with defaultToGlobal=true)`);
    },

    async setSubjectMode({ subject, mode }: { subject: string; mode: RegistryMode }, actor: Principal) {
      const value = checkMode(mode);
      // IMPORT lets a caller choose schema ids, which are global: an admin operation (docs/adr/0013).
      if (value === 'IMPORT' && !hasScope(actor, 'admin')) {
        throw new DagpactError('FORBIDDEN', `setting subject "${subject}" to IMPORT mode needs the admin scope: imported ids are global to the registry`);
      }
      await store.setConfig({ scope: subject, mode: value, audit: event(actor, 'mode.set', subject, { mode: value }) });
    },

    async deleteSubjectMode({ subject }: { subject: string }, actor: Principal) {
      const previous = await ownMode(subject);
      if (!previous) throw new DagpactError('SUBJECT_LEVEL_MODE_NOT_FOUND', `subject "${subject}" has no mode of its own to delete`);
      await store.setConfig({ scope: subject, mode: null, audit: event(actor, 'mode.delete', subject, { previous }) });
      return previous;
    },
  };
}
