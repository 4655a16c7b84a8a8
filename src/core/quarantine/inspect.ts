// What someone on call needs beside a held message: the writer schema it was written with (from the
// registry, or the broker's definition when it is a Pulsar type the registry does not hold), the
// contract's reader schema, and the findings of the reader against the writer (path, rule, message).
import type { BrokerWriterLog } from '../registry/broker-writers.js';
import { partitionedTopic } from '../gatekeeper/routes.js';
import type { FormatLookup, SchemaFormat } from '../formats/types.js';
import type { Registry } from '../registry/types.js';
import type { QuarantineRecord } from './types.js';

export interface SchemaView {
  schemaId?: number;
  format?: SchemaFormat;
  /** The schema text (registry schemas) or the broker's definition. */
  schema?: string;
  /** Set when the writer was named by Pulsar: the broker's schema version and type. */
  pulsarSchemaVersion?: string;
  pulsarType?: string;
}

export interface Finding { path: string; rule: string; message: string }

export interface Inspection {
  writer?: SchemaView;
  expected?: SchemaView;
  /** The reader (contract) against the writer, computed now; or the problems recorded when the message was held. */
  findings: Finding[];
}

export async function inspectRecord(record: QuarantineRecord, deps: {
  registry: Registry;
  formats: FormatLookup;
  brokerWriters?: Pick<BrokerWriterLog, 'find'>;
}): Promise<Inspection> {
  const view = async (id: number | null): Promise<SchemaView | undefined> => {
    if (id === null) return undefined;
    try {
      const stored = await deps.registry.getSchemaById({ id });
      return { schemaId: id, format: stored.format, schema: stored.schema };
    } catch {
      return { schemaId: id };
    }
  };
  const [writerView, expected] = await Promise.all([view(record.detectedSchemaId), view(record.expectedSchemaId)]);
  let writer = writerView;
  if (record.pulsarSchemaVersion) {
    const topic = partitionedTopic(record.sourceTopic);
    const broker = await deps.brokerWriters?.find({ topic, version: record.pulsarSchemaVersion }).catch(() => undefined);
    writer = {
      ...(writer ?? {}), pulsarSchemaVersion: record.pulsarSchemaVersion,
      ...(broker ? { pulsarType: broker.pulsarType, ...(writer?.schema ? {} : { schema: broker.definition }) } : {}),
    };
  }
  let findings: Finding[] = [];
  if (writer?.schemaId !== undefined && expected?.schemaId !== undefined && writer.format && writer.format === expected.format) {
    try {
      const [r, w] = await Promise.all([deps.registry.lazyParsedById({ id: expected.schemaId }), deps.registry.lazyParsedById({ id: writer.schemaId })]);
      [findings = []] = await deps.registry.compareSchemas([{ reader: r, writer: w }]);
    } catch { /* the recorded issues below still say why */ }
  }
  if (findings.length === 0) {
    const held = record.history.find((h) => h.action === 'quarantined');
    const issues = (held?.details as { issues?: Array<{ path: string; message: string; rule?: string }> } | undefined)?.issues ?? [];
    findings = issues.map((i) => ({ path: i.path, rule: i.rule ?? record.reasonCode, message: i.message }));
  }
  return { ...(writer ? { writer } : {}), ...(expected ? { expected } : {}), findings };
}
