// How errors thrown while serving a request become the API's error codes: PostgreSQL data errors are the
// caller's (400), connection-level failures are an outage to retry (503), anything else is INTERNAL.
import { describe, expect, it } from 'vitest';
import { toDagpactError } from '../../../src/http/error-handler.js';

const pgError = (code: string, message = 'pg says no') => Object.assign(new Error(message), { code });
const wrapped = (cause: Error) => Object.assign(new Error('Failed query: select 1'), { cause });

describe('toDagpactError', () => {
  it.each([
    ['a value out of range (22003)', wrapped(pgError('22003')), 'BAD_REQUEST', 400],
    ['a value of the wrong form (22P02)', wrapped(pgError('22P02')), 'BAD_REQUEST', 400],
    ['the server shutting down (57P01)', wrapped(pgError('57P01')), 'DATABASE_UNAVAILABLE', 503],
    ['a refused connection', pgError('ECONNREFUSED'), 'DATABASE_UNAVAILABLE', 503],
    ['a connection lost mid-query', wrapped(new Error('Connection terminated unexpectedly')), 'DATABASE_UNAVAILABLE', 503],
    ['a pool with no free client in time', new Error('timeout exceeded when trying to connect'), 'DATABASE_UNAVAILABLE', 503],
    ['a bug', new TypeError('x is undefined'), 'INTERNAL', 500],
  ])('%s → %s', (_name, error, code, status) => {
    const mapped = toDagpactError(error);
    expect(mapped.code).toBe(code);
    expect(mapped.status).toBe(status);
  });
});
