// Writer schemas met on the broker (Pulsar's per-topic schema registry). Producers that register their
// schema with Pulsar never register it with dagpact, yet quarantine records, forwards and the API must
// name the writer: each (topic, broker version) is recorded once, with the schema's content-addressed
// registry id when its format is one the registry holds (docs/adr/0011).
import type { ParsedSchema, SchemaFormat } from '../formats/types.js';
import { contentKey, parseSchemaJson } from './content.js';
import type { NewSchemaRow } from './store.js';

export interface BrokerWriter {
  /** Fully qualified topic, no partition suffix. */
  topic: string;
  /** Pulsar's schema version as text. */
  version: string;
  /** Pulsar's schema type (AVRO, JSON, STRING, PROTOBUF, ...). */
  pulsarType: string;
  definition: string;
  /** The registry id, for a schema the registry holds. */
  schemaId?: number;
}

export interface BrokerWriterLog {
  /**
   * Records a broker schema version (idempotent: a version is immutable) and, when `schema` is given,
   * the schema itself as a registry schema; resolves with its registry id.
   */
  record(args: Omit<BrokerWriter, 'schemaId'> & { schema?: NewSchemaRow }): Promise<{ schemaId?: number }>;
  find(args: { topic: string; version: string }): Promise<BrokerWriter | undefined>;
}

/** The registry row of a writer schema read from the broker (no references: Pulsar has none). */
export function writerSchemaRow(format: SchemaFormat, text: string, parsed: ParsedSchema): NewSchemaRow {
  return {
    format, contentKey: contentKey(format, parseSchemaJson(text), []), fingerprint: parsed.fingerprint,
    canonical: parsed.canonical, schemaText: text, references: [],
  };
}
