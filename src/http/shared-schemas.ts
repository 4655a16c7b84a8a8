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

/** The usual error responses of a native route. */
export function nativeErrors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ErrorResponse#' }]));
}

/** The usual error responses of a Confluent-compatible route. */
export function confluentErrors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ConfluentError#' }]));
}
