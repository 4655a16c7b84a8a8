// The one error type of dagpact. Every failure the core reports is a DagpactError with a code from
// ErrorCode; transports (HTTP, the gatekeeper, the CLI) map codes to what they need through the
// single table in ERROR_TABLE, never by inspecting messages.

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ROUTE_NOT_FOUND'
  | 'SUBJECT_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'SCHEMA_NOT_FOUND'
  | 'SUBJECT_LEVEL_CONFIG_NOT_FOUND'
  | 'SUBJECT_LEVEL_MODE_NOT_FOUND'
  | 'SUBJECT_SOFT_DELETED'
  | 'SUBJECT_NOT_SOFT_DELETED'
  | 'VERSION_SOFT_DELETED'
  | 'VERSION_NOT_SOFT_DELETED'
  | 'REFERENCE_EXISTS'
  | 'INVALID_SCHEMA'
  | 'INVALID_VERSION'
  | 'INVALID_COMPATIBILITY_LEVEL'
  | 'INVALID_MODE'
  | 'INCOMPATIBLE_SCHEMA'
  | 'SUBJECT_READ_ONLY'
  | 'CONFLICT'
  | 'DAG_NOT_FOUND'
  | 'DAG_VERSION_NOT_FOUND'
  | 'CONTRACT_CONFLICT'
  | 'INVALID_MANIFEST'
  | 'SCHEMA_TOO_COMPLEX'
  | 'TOO_MANY_REQUESTS'
  | 'CHECK_NOT_FOUND'
  | 'CHECK_REQUIRED'
  | 'DEPLOY_ORDER_IMPOSSIBLE'
  | 'CHANGE_INCOMPLETE'
  | 'ENVIRONMENT_NOT_FOUND'
  | 'QUARANTINE_RECORD_NOT_FOUND'
  | 'INVALID_STATE'
  | 'TOKEN_NOT_FOUND'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_REJECTED'
  | 'DATABASE_UNAVAILABLE'
  | 'NOT_READY'
  | 'COMPUTE_UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorSpec {
  /** HTTP status on every API. */
  status: number;
  /** Confluent's numeric error_code on the /ccompat API. */
  confluent: number;
  /** Whether a consumer should retry (redeliver) instead of treating the failure as final. */
  retriable: boolean;
}

export const ERROR_TABLE: Record<ErrorCode, ErrorSpec> = {
  BAD_REQUEST: { status: 400, confluent: 400, retriable: false },
  VALIDATION_FAILED: { status: 400, confluent: 400, retriable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, confluent: 415, retriable: false },
  PAYLOAD_TOO_LARGE: { status: 413, confluent: 413, retriable: false },
  UNAUTHENTICATED: { status: 401, confluent: 40101, retriable: false },
  FORBIDDEN: { status: 403, confluent: 40301, retriable: false },
  NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  ROUTE_NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  SUBJECT_NOT_FOUND: { status: 404, confluent: 40401, retriable: false },
  VERSION_NOT_FOUND: { status: 404, confluent: 40402, retriable: false },
  SCHEMA_NOT_FOUND: { status: 404, confluent: 40403, retriable: false },
  SUBJECT_SOFT_DELETED: { status: 404, confluent: 40404, retriable: false },
  SUBJECT_NOT_SOFT_DELETED: { status: 404, confluent: 40405, retriable: false },
  VERSION_SOFT_DELETED: { status: 404, confluent: 40406, retriable: false },
  VERSION_NOT_SOFT_DELETED: { status: 404, confluent: 40407, retriable: false },
  SUBJECT_LEVEL_CONFIG_NOT_FOUND: { status: 404, confluent: 40408, retriable: false },
  SUBJECT_LEVEL_MODE_NOT_FOUND: { status: 404, confluent: 40409, retriable: false },
  REFERENCE_EXISTS: { status: 422, confluent: 42206, retriable: false },
  INVALID_SCHEMA: { status: 422, confluent: 42201, retriable: false },
  INVALID_VERSION: { status: 422, confluent: 42202, retriable: false },
  INVALID_COMPATIBILITY_LEVEL: { status: 422, confluent: 42203, retriable: false },
  INVALID_MODE: { status: 422, confluent: 42204, retriable: false },
  INCOMPATIBLE_SCHEMA: { status: 409, confluent: 409, retriable: false },
  SUBJECT_READ_ONLY: { status: 422, confluent: 42205, retriable: false },
  CONFLICT: { status: 409, confluent: 40901, retriable: false },
  DAG_NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  DAG_VERSION_NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  CONTRACT_CONFLICT: { status: 409, confluent: 409, retriable: false },
  INVALID_MANIFEST: { status: 422, confluent: 422, retriable: false },
  /** A compatibility computation ran out of its work budget (docs/adr/0013). */
  SCHEMA_TOO_COMPLEX: { status: 422, confluent: 42201, retriable: false },
  TOO_MANY_REQUESTS: { status: 429, confluent: 42901, retriable: true },
  CHECK_NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  CHECK_REQUIRED: { status: 409, confluent: 409, retriable: false },
  /** A multi-DAG deploy whose versions no order can bring live through valid states (ADR 0021). */
  DEPLOY_ORDER_IMPOSSIBLE: { status: 409, confluent: 409, retriable: false },
  /** Part of a change checked together, which cannot go live without the rest (ADR 0021). */
  CHANGE_INCOMPLETE: { status: 409, confluent: 409, retriable: false },
  ENVIRONMENT_NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  QUARANTINE_RECORD_NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  INVALID_STATE: { status: 409, confluent: 409, retriable: false },
  TOKEN_NOT_FOUND: { status: 404, confluent: 404, retriable: false },
  UPSTREAM_UNAVAILABLE: { status: 503, confluent: 50003, retriable: true },
  UPSTREAM_ERROR: { status: 502, confluent: 50002, retriable: true },
  /** The upstream answered and refused for good (e.g. a Pulsar producer fenced or a schema refused): retrying will not help. */
  UPSTREAM_REJECTED: { status: 502, confluent: 50002, retriable: false },
  DATABASE_UNAVAILABLE: { status: 503, confluent: 50001, retriable: true },
  NOT_READY: { status: 503, confluent: 50003, retriable: true },
  /** The schema compute pool (docs/adr/0019) could not take the work in time, or its worker stopped: retry later. */
  COMPUTE_UNAVAILABLE: { status: 503, confluent: 50003, retriable: true },
  INTERNAL: { status: 500, confluent: 50001, retriable: false },
};

export class DagpactError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DagpactError';
    this.code = code;
    this.details = options.details;
    this.retriable = ERROR_TABLE[code].retriable;
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
}

export function isDagpactError(value: unknown): value is DagpactError {
  return value instanceof DagpactError;
}

/**
 * The DagpactError an adapter put into a failure, looking through `cause` chains: a query builder
 * (drizzle) wraps the error its driver threw, and the adapters' errors sit inside it.
 */
export function dagpactErrorIn(error: unknown): DagpactError | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DagpactError) return e;
  }
  return undefined;
}

/** One problem found in a piece of input, located by a JSON path (`$.fields[2].type`). */
export interface InputProblem {
  path: string;
  message: string;
}

export const errors = {
  badRequest: (message: string, details?: unknown) => new DagpactError('BAD_REQUEST', message, { details }),
  validation: (message: string, problems: InputProblem[]) =>
    new DagpactError('VALIDATION_FAILED', message, { details: { problems } }),
  invalidSchema: (message: string, problems: InputProblem[] = []) =>
    new DagpactError('INVALID_SCHEMA', message, { details: { problems } }),
  databaseUnavailable: (cause?: unknown) =>
    new DagpactError('DATABASE_UNAVAILABLE', 'the database is unavailable; retry later', { cause }),
};
