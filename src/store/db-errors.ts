// The one place PostgreSQL's failures become the core's errors. The drivers (pg's pool and its
// clients, PGlite) are wrapped in db.ts so every query and connection failure passes through
// translateDbError; the HTTP error table and the gatekeeper's back-off then read codes only.
import { DagpactError, errors } from '../core/errors.js';

/**
 * SQLSTATEs that mean a request carried a value PostgreSQL cannot store: a client error, whatever
 * route let it through (NUL in text or jsonb, a number out of a column's range, a malformed literal).
 */
const DATA_SQLSTATES: Readonly<Record<string, string>> = {
  '22021': 'the request contains a character PostgreSQL cannot store (a NUL byte?)',
  '22P05': 'the request contains a character PostgreSQL cannot store in JSON (\\u0000?)',
  '22003': 'a number in the request is out of range',
  '22P02': 'a value in the request has the wrong form',
  '22001': 'a value in the request is too long',
};

/** Socket errors: the server is not there (now). */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
]);
/** SQLSTATEs of an unavailable server: class 08 (connection exception), shutdown, starting up, too many connections. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P01|57P02|57P03|53300)$/;
/** node-postgres reports a dropped or timed-out connection, and a pool used after end(), by message only. */
const UNAVAILABLE_MESSAGE = /connection terminated|timeout exceeded when trying to connect|connection timeout|connection error|cannot use a pool after calling end/i;

/**
 * A driver's failure as a DagpactError: BAD_REQUEST for a value PostgreSQL cannot store, CONFLICT for a
 * unique violation, DATABASE_UNAVAILABLE (retriable) for a server that cannot be reached. Anything
 * else (a bug in a query) is returned unchanged and ends up INTERNAL.
 */
export function translateDbError(error: unknown): unknown {
  if (error instanceof DagpactError || typeof error !== 'object' || error === null) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    const data = DATA_SQLSTATES[code];
    if (data) return new DagpactError('BAD_REQUEST', `${data}: fix the input and retry`, { cause: error });
    if (code === '23505') {
      return new DagpactError('CONFLICT', 'the request conflicts with a row written at the same time; retry it', { cause: error });
    }
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return errors.databaseUnavailable(error);
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return errors.databaseUnavailable(error);
  return error;
}

type AnyFunction = (...args: never[]) => unknown;

/**
 * `fn` with its failures translated, in both of pg's calling styles: a trailing callback gets the
 * translated error, a returned promise rejects with it. Anything else returned (a Submittable) is kept.
 */
export function translatingErrors<F extends AnyFunction>(fn: F): F {
  return function (this: unknown, ...args: unknown[]) {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, ...rest: unknown[]) => (last as (...a: unknown[]) => unknown)(err ? translateDbError(err) : err, ...rest);
      return (fn as unknown as (...a: unknown[]) => unknown).apply(this, args);
    }
    const result = (fn as unknown as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) return result.catch((error: unknown) => { throw translateDbError(error); });
    return result;
  } as unknown as F;
}
