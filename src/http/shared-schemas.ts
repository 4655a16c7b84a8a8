// JSON schemas shared by many routes; they become components.schemas in the OpenAPI document.

export const sharedSchemas = [
  {
    $id: 'ErrorResponse',
    type: 'object',
    description: 'Every error of the native API. details.problems lists each problem with a JSON path.',
    required: ['error_code', 'message'],
    properties: {
      error_code: { type: 'string', description: 'A stable code, e.g. SUBJECT_NOT_FOUND' },
      message: { type: 'string' },
      details: {},
    },
  },
  {
    $id: 'ConfluentError',
    type: 'object',
    description: "Confluent Schema Registry's error body: a numeric code (40401 ...) and a message.",
    required: ['error_code', 'message'],
    properties: { error_code: { type: 'integer' }, message: { type: 'string' } },
  },
];

/** A subject name as a path parameter. NUL cannot be stored by PostgreSQL, so it is refused here with a path. */
export const subjectParam = { type: 'string', minLength: 1, maxLength: 1000, pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$', description: 'Subject name (URL-encode "/" as %2F)' } as const;
/** Ids of `serial` columns (PostgreSQL integer). */
export const serialId = { type: 'integer', minimum: 1, maximum: 2147483647 } as const;
/** Ids of `bigserial` columns, as far as JSON numbers stay exact. */
export const bigserialId = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

/** The usual error responses of a native route. */
export function nativeErrors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ErrorResponse#' }]));
}

/** The usual error responses of a Confluent-compatible route. */
export function confluentErrors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ConfluentError#' }]));
}
