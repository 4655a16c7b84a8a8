// The catalogue of schema formats dagpact accepts: one provider per format, looked up by name.
import { DagpactError } from '../errors.js';
import { makeAvroProvider } from './avro/provider.js';
import { makeJsonSchemaProvider } from './json-schema/provider.js';
import type { FormatLookup, FormatProvider, SchemaFormat } from './types.js';

/** The providers by name, and the names. */
export interface FormatCatalog extends FormatLookup {
  list(): SchemaFormat[];
}

export function makeFormats(): FormatCatalog {
  const providers = new Map<SchemaFormat, FormatProvider>([
    ['AVRO', makeAvroProvider()],
    ['JSON', makeJsonSchemaProvider()],
  ]);
  return {
    get(format) {
      const provider = providers.get(format);
      if (!provider) {
        throw new DagpactError('INVALID_SCHEMA', `schema type "${format}" is not supported; use one of ${[...providers.keys()].join(', ')}`,
          { details: { problems: [{ path: '$.schemaType', message: `must be one of ${[...providers.keys()].join(', ')}` }] } });
      }
      return provider;
    },
    list: () => [...providers.keys()],
  };
}
