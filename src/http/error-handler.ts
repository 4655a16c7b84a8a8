// The one place errors become HTTP responses. Routes throw; they never translate errors themselves.
// Native API body: { error_code: "SUBJECT_NOT_FOUND", message, details? }.
// Confluent-compatible API (/ccompat): { error_code: 40401, message } as Confluent's clients expect.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DagpactError, ERROR_TABLE, errors, type ErrorCode } from '../core/errors.js';

export function isCcompat(request: FastifyRequest): boolean {
  return request.url === '/ccompat' || request.url.startsWith('/ccompat/');
}

/** Fastify's own validation problems as JSON paths ($.body.schema, $.params.version). */
function validationProblems(error: FastifyError): Array<{ path: string; message: string }> {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).map((v) => {
    const base = `$.${context}${v.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
    const params = v.params as Record<string, unknown>;
    if (v.keyword === 'required') return { path: `${base}.${String(params.missingProperty)}`, message: 'is required' };
    if (v.keyword === 'additionalProperties') return { path: `${base}.${String(params.additionalProperty)}`, message: 'is not allowed here' };
    return { path: base, message: v.message ?? 'is invalid' };
  });
}

// SQLSTATEs that mean the request carried a value PostgreSQL cannot store: a client error, whatever
// route let it through (NUL in text or jsonb, a number out of a column's range, a malformed literal).
const DATA_SQLSTATES: Record<string, string> = {
  '22021': 'the request contains a character PostgreSQL cannot store (a NUL byte?)',
  '22P05': 'the request contains a character PostgreSQL cannot store in JSON (\\u0000?)',
  '22003': 'a number in the request is out of range',
  '22P02': 'a value in the request has the wrong form',
  '22001': 'a value in the request is too long',
};
// Connection-level failures: the database is down or restarting, so the client should retry.
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** The PostgreSQL (or socket) error behind a drizzle error, if any. */
function databaseCause(error: unknown): { code?: string; message?: string } | undefined {
  for (let e = error as { code?: unknown; cause?: unknown; message?: string } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && (e.code in DATA_SQLSTATES || OUTAGE_CODES.has(e.code))) return { code: e.code, message: e.message };
    // pg's own wording: a lost connection, a connect that timed out, a pool with no free client in time.
    if (typeof e.message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e.message)) {
      return { code: '08006', message: e.message };
    }
  }
  return undefined;
}

/** Turns anything thrown while serving a request into a DagpactError. */
export function toDagpactError(error: unknown): DagpactError {
  if (error instanceof DagpactError) return error;
  const e = error as FastifyError & { status?: number };
  if (e && Array.isArray(e.validation)) {
    const problems = validationProblems(e);
    const summary = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    return new DagpactError('VALIDATION_FAILED', `the request is invalid: ${summary}`, { details: { problems } });
  }
  const byFastifyCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
    FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
    FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  };
  if (e?.code && byFastifyCode[e.code]) {
    const code = byFastifyCode[e.code]!;
    const message = code === 'UNSUPPORTED_MEDIA_TYPE'
      ? `${e.message}; send application/json or application/vnd.schemaregistry.v1+json`
      : e.message;
    return new DagpactError(code, message);
  }
  if (e instanceof SyntaxError || e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new DagpactError('BAD_REQUEST', `the request body is not valid JSON: ${e.message}`);
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new DagpactError('BAD_REQUEST', 'the request is nested too deeply to process');
  }
  const db = databaseCause(error);
  if (db?.code && DATA_SQLSTATES[db.code]) return new DagpactError('BAD_REQUEST', `${DATA_SQLSTATES[db.code]}: fix the input and retry`);
  if (db?.code) return errors.databaseUnavailable(error);
  const status = e?.statusCode ?? e?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new DagpactError(status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST', e.message);
  }
  return new DagpactError('INTERNAL', 'an internal error occurred; the request id in the logs has the details', { cause: error });
}

export function renderError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const err = toDagpactError(error);
  const spec = ERROR_TABLE[err.code];
  if (err.code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error');
  else if (spec.status >= 500) request.log.warn({ err: error, code: err.code }, err.message);
  if (err.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer realm="dagpact"');
  // Busy answers (a full compute queue, work that waited too long) say when to come back.
  const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retryAfter === 'number' && retryAfter > 0) reply.header('retry-after', String(Math.ceil(retryAfter)));
  reply.status(spec.status);
  if (isCcompat(request)) {
    return reply.type('application/vnd.schemaregistry.v1+json').send({ error_code: spec.confluent, message: err.message });
  }
  const body: Record<string, unknown> = { error_code: err.code, message: err.message };
  if (err.details !== undefined) body.details = err.details;
  return reply.send(body);
}

export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    renderError(request, reply, new DagpactError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API`)));
}
