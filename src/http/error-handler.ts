// The one place errors become HTTP responses. Routes throw; they never translate errors themselves.
// Native API body: { error_code: "SUBJECT_NOT_FOUND", message, details? }.
// Confluent-compatible API (/ccompat): { error_code: 40401, message } as Confluent's clients expect.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DagpactError, dagpactErrorIn, ERROR_TABLE, type ErrorCode } from '../core/errors.js';

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

/** Turns anything thrown while serving a request into a DagpactError. */
export function toDagpactError(error: unknown): DagpactError {
  // The adapters (store, Pulsar, Airflow) translated their failures already; a query builder may have
  // wrapped the translation in its own error.
  const translated = dagpactErrorIn(error);
  if (translated) return translated;
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
