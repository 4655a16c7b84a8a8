// The store's one translation of PostgreSQL's failures (src/store/db-errors.ts): data errors are the
// caller's (BAD_REQUEST), a unique violation is a CONFLICT, connection-level failures are an outage to
// retry (DATABASE_UNAVAILABLE); anything else stays as it was and ends up INTERNAL.
import { describe, expect, it } from 'vitest';
import { DagpactError } from '../../../src/core/errors.js';
import { translateDbError, translatingErrors } from '../../../src/store/db-errors.js';

const pgError = (code: string, message = 'pg says no') => Object.assign(new Error(message), { code });

describe('translateDbError', () => {
  it.each([
    ['a NUL byte in text (22021)', pgError('22021'), 'BAD_REQUEST'],
    ['\\u0000 in jsonb (22P05)', pgError('22P05'), 'BAD_REQUEST'],
    ['a value out of range (22003)', pgError('22003'), 'BAD_REQUEST'],
    ['a value of the wrong form (22P02)', pgError('22P02'), 'BAD_REQUEST'],
    ['a value too long (22001)', pgError('22001'), 'BAD_REQUEST'],
    ['a unique violation (23505)', pgError('23505', 'duplicate key value'), 'CONFLICT'],
    ['the server shutting down (57P01)', pgError('57P01'), 'DATABASE_UNAVAILABLE'],
    ['the server starting up (57P03)', pgError('57P03', 'the database system is starting up'), 'DATABASE_UNAVAILABLE'],
    ['too many connections (53300)', pgError('53300'), 'DATABASE_UNAVAILABLE'],
    ['a connection exception of class 08 (08006)', pgError('08006', 'connection failure'), 'DATABASE_UNAVAILABLE'],
    ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'DATABASE_UNAVAILABLE'],
    ['a reset connection', pgError('ECONNRESET', 'read ECONNRESET'), 'DATABASE_UNAVAILABLE'],
    ['an unknown host', pgError('ENOTFOUND'), 'DATABASE_UNAVAILABLE'],
    ['a connection lost mid-query (message only)', new Error('Connection terminated unexpectedly'), 'DATABASE_UNAVAILABLE'],
    ['a pool with no free client in time', new Error('timeout exceeded when trying to connect'), 'DATABASE_UNAVAILABLE'],
    ['a pool used after end()', new Error('Cannot use a pool after calling end on the pool'), 'DATABASE_UNAVAILABLE'],
  ])('%s → %s', (_name, error, code) => {
    const translated = translateDbError(error);
    expect(translated).toBeInstanceOf(DagpactError);
    expect(translated).toMatchObject({ code, cause: error });
  });

  it.each([
    ['a syntax error in a query (a bug)', pgError('42601', 'syntax error at or near "selec"')],
    ['a missing relation (a bug)', pgError('42P01')],
    ['a TypeError', new TypeError('x is undefined')],
    ['not an error', 'boom'],
  ])('%s stays as it was', (_name, error) => {
    expect(translateDbError(error)).toBe(error);
  });

  it('keeps a DagpactError as it is', () => {
    const error = new DagpactError('NOT_FOUND', 'no such thing');
    expect(translateDbError(error)).toBe(error);
  });

  it('says what to do with a data error', () => {
    expect((translateDbError(pgError('22021')) as Error).message).toMatch(/NUL byte.*fix the input and retry/);
  });
});

describe('translatingErrors', () => {
  it('rejects a promise with the translation', async () => {
    const query = translatingErrors(async (_text: string) => { throw pgError('57P01'); });
    await expect(query('select 1')).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', retriable: true });
  });

  it('hands a trailing callback the translation', async () => {
    const connect = translatingErrors((callback: (err: unknown, client?: string) => void) => { callback(pgError('ECONNREFUSED')); });
    const err = await new Promise((resolve) => connect((e) => resolve(e)));
    expect(err).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });

  it('passes successes through, in both styles', async () => {
    const query = translatingErrors(async (text: string) => `rows of ${text}`);
    await expect(query('select 1')).resolves.toBe('rows of select 1');
    const connect = translatingErrors((callback: (err: unknown, client?: string) => void) => { callback(undefined, 'client'); });
    await expect(new Promise((resolve) => connect((e, c) => resolve([e, c])))).resolves.toEqual([undefined, 'client']);
  });
});
