// How errors thrown while serving a request become the API's error codes. The HTTP layer maps codes
// only: the store, Pulsar and Airflow adapters translated their failures already (a query builder may
// wrap the translation), and a driver error no adapter translated is INTERNAL, whatever its text.
import { describe, expect, it } from 'vitest';
import { DagpactError } from '../../../src/core/errors.js';
import { toDagpactError } from '../../../src/http/error-handler.js';
import { translateDbError } from '../../../src/store/db-errors.js';

const pgError = (code: string, message = 'pg says no') => Object.assign(new Error(message), { code });
const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1'), { cause });

describe('toDagpactError', () => {
  it.each([
    ['a value out of range, translated by the store', wrapped(translateDbError(pgError('22003'))), 'BAD_REQUEST', 400],
    ['the server shutting down, translated by the store', wrapped(translateDbError(pgError('57P01'))), 'DATABASE_UNAVAILABLE', 503],
    ['a unique violation, translated by the store', wrapped(translateDbError(pgError('23505'))), 'CONFLICT', 409],
    ['a refused connection, translated by the store', translateDbError(pgError('ECONNREFUSED')), 'DATABASE_UNAVAILABLE', 503],
    ['Pulsar unreachable', new DagpactError('UPSTREAM_UNAVAILABLE', 'Pulsar admin API is unreachable'), 'UPSTREAM_UNAVAILABLE', 503],
    ['Pulsar refusing', new DagpactError('UPSTREAM_REJECTED', 'Namespace does not exist'), 'UPSTREAM_REJECTED', 502],
    ['a driver error no adapter translated', wrapped(pgError('57P01')), 'INTERNAL', 500],
    ['a bare socket error', pgError('ECONNREFUSED'), 'INTERNAL', 500],
    ['a bug', new TypeError('x is undefined'), 'INTERNAL', 500],
  ])('%s → %s', (_name, error, code, status) => {
    const mapped = toDagpactError(error);
    expect(mapped.code).toBe(code);
    expect(mapped.status).toBe(status);
  });
});
