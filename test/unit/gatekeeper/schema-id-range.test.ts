// Schema ids outside PostgreSQL's integer range (a Confluent prefix is an unsigned 32-bit id, the
// `dagpact-schema-id` property takes up to 10 digits) are unknown schemas, not database errors: the
// resolver, over the real registry on PGlite, decides UNKNOWN_SCHEMA instead of throwing (which
// would nack the message until it is held as PROCESSING_FAILED).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/core/auth.js';
import { DagpactError } from '../../../src/core/errors.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import { makeRegistry } from '../../../src/core/registry/registry.js';
import type { Registry } from '../../../src/core/registry/types.js';
import { makeResolver, BoundedCache } from '../../../src/gatekeeper/resolver.js';
import type { Route } from '../../../src/gatekeeper/types.js';
import { makeRegistryStore } from '../../../src/store/registry-store.js';
import { makeBrokerSchemaStore } from '../../../src/store/broker-schema-store.js';
import { makeAuditLog } from '../../../src/store/token-store.js';
import { createPgliteTestDatabase, type TestDatabase } from '../../support/db.js';

const actor: Principal = { id: 'test', name: 'test', scopes: ['admin'] };
const TOPIC = 'persistent://public/default/orders';
const ORDER = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] });

const confluent = (id: number, body: Uint8Array) => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return new Uint8Array(Buffer.concat([header, body]));
};

describe('schema ids beyond the integer range', () => {
  let db: TestDatabase;
  let registry: Registry;
  let route: Route;
  beforeAll(async () => {
    db = await createPgliteTestDatabase();
    registry = makeRegistry({ store: makeRegistryStore(db.database.db), formats: makeFormats(), audit: makeAuditLog(db.database.db) });
    const { id } = await registry.register({ subject: 'orders-value', schema: ORDER }, actor);
    route = {
      topic: TOPIC, dagId: 'orders_etl', dagVersion: 'v1', dagVersionId: 1, subject: 'orders-value', subjectVersion: 1,
      schemaId: id, onMismatch: 'quarantine', triggerTopic: null,
    };
  });
  afterAll(() => db.drop());

  it.each([0, -1, 2_147_483_648, 3_000_000_000, 4_294_967_295, 9_999_999_999, 1.5])('registry: id %s is SCHEMA_NOT_FOUND', async (id) => {
    const error = await registry.parsedById({ id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DagpactError);
    expect((error as DagpactError).code).toBe('SCHEMA_NOT_FOUND');
    const error2 = await registry.getSchemaById({ id }).catch((e: unknown) => e);
    expect((error2 as DagpactError).code).toBe('SCHEMA_NOT_FOUND');
  });

  it.each([
    ['Confluent prefix 3000000000', { payload: confluent(3_000_000_000, new Uint8Array([14])), properties: {} }],
    ['Confluent prefix 0xFFFFFFFF', { payload: confluent(0xffff_ffff, new Uint8Array([14])), properties: {} }],
    ['dagpact-schema-id 3000000000', { payload: new Uint8Array([14]), properties: { 'dagpact-schema-id': '3000000000' } }],
    ['dagpact-schema-id 2147483648', { payload: new Uint8Array([14]), properties: { 'dagpact-schema-id': '2147483648' } }],
  ])('resolver: %s → UNKNOWN_SCHEMA', async (_name, message) => {
    const resolver = makeResolver({ registry, formats: makeFormats(), writers: makeBrokerSchemaStore(db.database.db), verdicts: new BoundedCache(100), noRoutePolicy: 'quarantine' });
    const { decisions } = await resolver.resolveAndDecide({ message: { topic: TOPIC, ...message }, routes: [route] });
    expect(decisions.map((d) => ({ outcome: d.outcome, reasonCode: d.reasonCode }))).toEqual([{ outcome: 'QUARANTINE', reasonCode: 'UNKNOWN_SCHEMA' }]);
  });
});
