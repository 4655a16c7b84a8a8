// Broker schema versions met by the gatekeeper (table broker_schemas), recorded together with the
// content-addressed registry schema they name, in one transaction.
import { and, eq } from 'drizzle-orm';
import type { BrokerWriterLog } from '../core/registry/broker-writers.js';
import type { Db } from './db.js';
import { brokerSchemas, schemas } from './schema.js';

export function makeBrokerSchemaStore(db: Db): BrokerWriterLog {
  return {
    async record({ topic, version, pulsarType, definition, schema }) {
      return db.transaction(async (tx) => {
        let schemaId: number | undefined;
        if (schema) {
          const [inserted] = await tx.insert(schemas).values({
            format: schema.format, contentKey: schema.contentKey, fingerprint: schema.fingerprint, canonical: schema.canonical,
            schemaText: schema.schemaText, references: schema.references,
          }).onConflictDoNothing({ target: schemas.contentKey }).returning({ id: schemas.id });
          schemaId = inserted?.id ?? (await tx.select({ id: schemas.id }).from(schemas).where(eq(schemas.contentKey, schema.contentKey)).limit(1))[0]?.id;
        }
        await tx.insert(brokerSchemas).values({ topic, version, pulsarType, definition, schemaId: schemaId ?? null })
          .onConflictDoNothing({ target: [brokerSchemas.topic, brokerSchemas.version] });
        return schemaId !== undefined ? { schemaId } : {};
      });
    },
    async find({ topic, version }) {
      const [row] = await db.select().from(brokerSchemas)
        .where(and(eq(brokerSchemas.topic, topic), eq(brokerSchemas.version, version))).limit(1);
      if (!row) return undefined;
      return { topic: row.topic, version: row.version, pulsarType: row.pulsarType, definition: row.definition, ...(row.schemaId !== null ? { schemaId: row.schemaId } : {}) };
    },
  };
}
