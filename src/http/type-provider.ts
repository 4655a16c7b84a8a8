// Routes take the types of their params, query and body from the same JSON schemas that validate
// them and that the OpenAPI document is built from (json-schema-to-ts; docs/adr/0022). A request
// schema is written `as const` so its literal types reach the route. Responses are not typed by
// their schemas (the serializer side is `unknown`): the presenters build them and fast-json-stringify
// checks nothing more than before.
import type { FastifyInstance, FastifyTypeProvider } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

export interface SchemaTypes extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown;
  serializer: unknown;
}

/** The app, with request types inferred from each route's schema. */
export function typed(app: FastifyInstance) {
  return app.withTypeProvider<SchemaTypes>();
}

/** A body the schema allows to be null or absent, as an object whose every property may be missing. */
export function orEmpty<T extends object>(body: T | null | undefined): Partial<T> {
  return body ?? {};
}
