// can(): which roles grant which permission (docs/adr/0005).
import { describe, expect, it } from 'vitest';
import { can, isRole } from '../../../src/core/auth.js';

describe('can', () => {
  it.each([
    [['read'], 'read', true], [['read'], 'check', false], [['check'], 'read', true], [['check'], 'check', true],
    [['check'], 'deploy:prod', false], [['check'], 'write', false], [['write'], 'check', true], [['write'], 'deploy:prod', true],
    [['write'], 'payload:read:prod', false], [['write'], 'admin', false], [['deploy:prod'], 'deploy:prod', true],
    [['deploy:prod'], 'deploy:staging', false], [['deploy:prod'], 'read', true], [['deploy:*'], 'deploy:staging', true],
    [['payload:read:prod'], 'payload:read:prod', true], [['payload:read:prod'], 'payload:read:dev', false],
    [['payload:read:prod'], 'deploy:prod', false], [['admin'], 'payload:read:prod', true], [['admin'], 'admin', true],
    [[], 'read', false],
  ] as const)('%j grants %s: %s', (roles, permission, expected) => {
    expect(can({ scopes: [...roles] }, permission)).toBe(expected);
  });

  it.each(['read', 'check', 'write', 'admin', 'deploy:prod', 'deploy:*', 'payload:read:eu-west.1'])('%s is a role', (r) => expect(isRole(r)).toBe(true));
  it.each(['', 'root', 'deploy:', 'deploy:a b', 'payload:prod', 'payload:read:', 'ADMIN'])('%j is not a role', (r) => expect(isRole(r)).toBe(false));
});
