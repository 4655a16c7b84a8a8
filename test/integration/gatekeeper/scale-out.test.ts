// Two gatekeepers on the same Shared subscription split one source topic: every message produced by
// the official Python client is forwarded exactly once in total (none twice, none lost), both instances
// decided some of them, and the subscription ends with nothing left unacknowledged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startGatekeeper } from '../../../src/start/gatekeeper.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { ADMIN_URL, createNamespace, deploy, drain, metricValue, produce, seedDagVersion, startTestGatekeeper, waitFor } from './support.js';

const ORDER = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const N = 600;

let db: TestDatabase;
let api: TestApp;
let ns: string;
const gks: Array<Awaited<ReturnType<typeof startGatekeeper>>> = [];
const topic = (name: string) => `persistent://${ns}/${name}`;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await buildTestApp({ db });
  ns = await createNamespace();
  const res = await api.app.inject({ method: 'POST', url: '/ccompat/subjects/orders-value/versions', headers: adminHeaders, payload: { schema: JSON.stringify(ORDER) } });
  expect(res.statusCode, res.body).toBe(200);
  const schemaId = res.json<{ id: number }>().id;
  const v1 = await seedDagVersion(db.database.db, { dagId: 'orders_etl', version: 'v1',
    consumes: [{ topic: topic('orders'), subject: 'orders-value', subjectVersion: 1, schemaId, triggerTopic: topic('trigger-orders_etl') }] });
  await deploy(db.database.db, { environment: 'prod', dagId: 'orders_etl', dagVersionId: v1 });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(gks.map((g) => g.stop()));
  await api?.close();
  await db?.drop();
});

async function decisions(gk: Awaited<ReturnType<typeof startGatekeeper>>): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gk.http.port}/metrics`)).text();
  return metricValue(text, 'dagpact_gatekeeper_messages_total');
}

async function sourceBacklog(): Promise<number> {
  const res = await fetch(`${ADMIN_URL}/admin/v2/persistent/${ns}/orders/stats`);
  const stats = await res.json() as { subscriptions: Record<string, { msgBacklog: number; unackedMessages: number }> };
  const sub = stats.subscriptions['dagpact-gatekeeper'];
  return sub ? sub.msgBacklog + sub.unackedMessages : Number.POSITIVE_INFINITY;
}

describe('gatekeeper scale-out', () => {
  it('two instances on one Shared subscription forward every message exactly once between them', async () => {
    // Both subscribe before anything is produced, so the broker has two consumers to spread over.
    for (let i = 0; i < 2; i++) gks.push(await startTestGatekeeper({ databaseUrl: db.url!, environment: 'prod', ns, subscribedTo: 1 }));
    await produce([{ topic: topic('orders'), mode: 'avro', schema: ORDER,
      messages: Array.from({ length: N }, (_, i) => ({ value: { id: i, amount: i / 2 }, properties: { seq: String(i) } })) }]);

    const perInstance = await waitFor('every message decided', async () => {
      const counts = await Promise.all(gks.map(decisions));
      return counts.reduce((a, b) => a + b, 0) >= N ? counts : undefined;
    }, 120_000);
    // Acks are grouped (100 ms): wait for the broker to have them all rather than stopping early.
    await waitFor('the source subscription fully acknowledged', async () => (await sourceBacklog()) === 0, 30_000);

    const forwarded = await drain([topic('trigger-orders_etl')]);
    const seqs = forwarded.map((m) => m.properties.seq);
    expect(seqs).toHaveLength(N);
    expect(new Set(seqs).size).toBe(N);
    expect(perInstance.reduce((a, b) => a + b, 0)).toBe(N);
    expect(perInstance.every((n) => n > 0), `decisions per instance: ${perInstance.join(', ')}`).toBe(true);
  }, 240_000);
});
