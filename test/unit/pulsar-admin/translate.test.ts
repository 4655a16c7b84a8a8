// The Pulsar admin adapter's one translation of a failed answer (translateAdminFailure) and of an
// incompatible schema's stack-trace answer (shortReason): the core branches on the codes only.
import { describe, expect, it } from 'vitest';
import { shortReason, translateAdminFailure } from '../../../src/pulsar-admin/admin-client.js';

describe('translateAdminFailure', () => {
  it.each([
    ['the broker failing (500)', 500, { reason: 'Internal error' }, {}, 'UPSTREAM_UNAVAILABLE', true],
    ['the broker not ready (503)', 503, 'Service Unavailable', {}, 'UPSTREAM_UNAVAILABLE', true],
    ['a namespace that does not exist (404)', 404, { reason: 'Namespace does not exist' }, {}, 'UPSTREAM_REJECTED', false],
    ['a tenant that does not exist (412)', 412, { reason: 'Tenant does not exist' }, {}, 'UPSTREAM_REJECTED', false],
    ['a refused token (401)', 401, { reason: 'Authentication required' }, {}, 'UPSTREAM_REJECTED', false],
    ['a 409 that is not about a schema', 409, { reason: 'Namespace already exists' }, {}, 'UPSTREAM_REJECTED', false],
    ['a schema refused with 409', 409, { reason: 'Schema is incompatible' }, { schemaRefusal: true }, 'INCOMPATIBLE_SCHEMA', false],
    ['a schema refused inside a 500', 500, { reason: 'org.apache.avro.SchemaValidationException: IncompatibleSchemaException' }, { schemaRefusal: true }, 'INCOMPATIBLE_SCHEMA', false],
    ['a schema post on a broken broker', 500, { reason: 'Internal error' }, { schemaRefusal: true }, 'UPSTREAM_UNAVAILABLE', true],
    ['a schema post to a missing namespace', 404, { reason: 'Namespace does not exist' }, { schemaRefusal: true }, 'UPSTREAM_REJECTED', false],
  ])('%s → %s', (_name, status, json, options, code, retriable) => {
    const error = translateAdminFailure('registering a schema on t', { status, json }, options);
    expect(error).toMatchObject({ code, retriable, details: { status } });
  });

  it('keeps the reason short, on one line, without control characters; never the raw body', () => {
    const long = translateAdminFailure('x', { status: 404, json: { reason: `no\n\u0000such ${'a'.repeat(400)}` } });
    expect((long.details as { reason: string }).reason).toMatch(/^no such a+\.\.\.$/);
    expect((long.details as { reason: string }).reason.length).toBeLessThanOrEqual(203);
    expect(translateAdminFailure('x', { status: 500, json: '<html>stack</html>' }).details).toEqual({ status: 500, reason: 'no reason given' });
  });
});

describe('shortReason', () => {
  it.each([
    ['keeps the message of a Pulsar stack trace',
      'HTTP 409 Conflict Message: Incompatible schema: field x missing Stacktrace: org.apache.pulsar...', 'Incompatible schema: field x missing'],
    ['keeps a message without a stack trace', 'Message:   trailing   spaces', 'trailing spaces'],
    ['keeps a plain reason', 'Schema is incompatible', 'Schema is incompatible'],
  ])('%s', (_name, reason, expected) => {
    expect(shortReason(reason)).toBe(expected);
  });

  it('cuts at 300 characters', () => {
    expect(shortReason('x'.repeat(400))).toHaveLength(300);
  });
});
