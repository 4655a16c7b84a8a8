// Permissions that depend on a route's validated input (used as `config.permit`, see auth-hook.ts).
import type { FastifyRequest } from 'fastify';

type Needs = Array<{ permission: string; because?: string }>;

/** `permanent=true` removes data for good: admin only. */
export const permanentNeedsAdmin = (request: FastifyRequest): Needs => {
  const query = request.query;
  const permanent = typeof query === 'object' && query !== null && 'permanent' in query && query.permanent === true;
  return permanent ? [{ permission: 'admin', because: 'permanent=true deletes for good' }] : [];
};

/** Compatibility NONE switches the checks off: admin only. */
export const levelNeedsAdmin = (level: string | undefined): Needs =>
  (typeof level === 'string' && level.toUpperCase() === 'NONE' ? [{ permission: 'admin', because: 'compatibility NONE disables the checks' }] : []);

/** IMPORT mode accepts explicit ids and skips the checks: admin only. */
export const modeNeedsAdmin = (mode: string | undefined): Needs =>
  (typeof mode === 'string' && mode.toUpperCase() === 'IMPORT' ? [{ permission: 'admin', because: 'IMPORT mode skips the checks' }] : []);
