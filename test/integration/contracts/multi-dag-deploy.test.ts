// A change of several DAGs deployed in order (ADR 0021), against the real PostgreSQL: a producer and
// a consumer of one topic change together. The deploy runs them in the order that keeps every
// intermediate state valid whatever order they are given in (the consumer that tolerates the new
// schema first; the producer whose new field a new consumer needs first), refuses a cycle naming it,
// and refuses part of a change checked together when that part cannot go live alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';

const ENV = 'staging';
const T = 'persistent://public/default/md-orders';
const T2 = 'persistent://public/default/md-invoices';

type Field = { name: string; type: unknown; default?: unknown };
const rec = (name: string, fields: Field[]) => ({ type: 'record', name, namespace: 'shop', fields });
const ID = { name: 'id', type: 'string' };
const AMOUNT = { name: 'amount', type: 'double' };

const producer = (version: string, fields: Field[]) => ({
  dag_id: 'md_ingest', version, produces: [{ topic: T, subject: 'md-orders-value', schemaType: 'AVRO', schema: rec('Order', fields) }],
});
const consumer = (version: string, fields: Field[]) => ({
  dag_id: 'md_bill', version, consumes: [{ topic: T, subject: `md-bill-reader-${version}`, schemaType: 'AVRO', schema: rec('Order', fields) }],
});

let t: TestApp;
async function post(url: string, payload: unknown) {
  const res = await t.app.inject({ method: 'POST', url, headers: adminHeaders, payload: payload as object });
  return { status: res.statusCode, body: res.json() as any };
}
async function register(manifest: object) {
  const { status, body } = await post('/v1/dags', { manifest });
  expect([200, 201], JSON.stringify(body)).toContain(status);
}
async function check(manifest: { dag_id: string; version: string }, together: Array<{ dag_id: string; version: string }> = []) {
  const { status, body } = await post('/v1/checks', { manifest, environment: ENV, pulsar: false, ...(together.length ? { together } : {}) });
  expect(status, JSON.stringify(body)).toBe(201);
  return body as { id: number; passed: boolean; together: Array<{ dag_id: string; version: string }>; findings: Array<{ severity: string; message: string }> };
}
const ref = (m: { dag_id: string; version: string }) => ({ dag_id: m.dag_id, version: m.version });
const deployOne = (m: { dag_id: string; version: string }, extra: Record<string, unknown> = {}) => post('/v1/deployments', { ...ref(m), environment: ENV, ...extra });
const deployChange = (ms: Array<{ dag_id: string; version: string }>, extra: Record<string, unknown> = {}) =>
  post('/v1/deployments/batch', { versions: ms.map(ref), environment: ENV, ...extra });
async function active(): Promise<Record<string, string>> {
  const res = await t.app.inject({ url: `/v1/environments/${ENV}/active`, headers: adminHeaders });
  return Object.fromEntries((res.json().active as Array<{ dag_version: { dag_id: string; version: string } }>).map((a) => [a.dag_version.dag_id, a.dag_version.version]));
}

beforeAll(async () => {
  t = await buildTestApp();
  // Live: the producer writes {id, amount}; the consumer reads both fields.
  for (const m of [producer('1', [ID, AMOUNT]), consumer('1', [ID, AMOUNT])]) {
    await register(m);
    expect((await check(m)).passed).toBe(true);
    expect((await deployOne(m)).status).toBe(201);
  }
});
afterAll(async () => { await t?.close(); });

describe('a multi-DAG change', () => {
  // The producer stops writing `amount`; the consumer's next version defaults it.
  const p2 = producer('2', [ID]);
  const c2 = consumer('2', [ID, { name: 'amount', type: 'double', default: 0 }]);

  it('records what was checked together; part of it that cannot go live alone is refused, naming the rest', async () => {
    await register(p2);
    await register(c2);
    // Alone, p2 fails: md_bill@1 cannot read a record without `amount`. With c2 it passes.
    expect((await check(p2)).passed).toBe(false);
    const pc = await check(p2, [ref(c2)]);
    expect(pc.passed, JSON.stringify(pc.findings)).toBe(true);
    expect(pc.together).toEqual([ref(c2)]);
    expect((await check(c2, [ref(p2)])).passed).toBe(true);

    const alone = await deployOne(p2);
    expect(alone.status, JSON.stringify(alone.body)).toBe(409);
    expect(alone.body.error_code).toBe('CHANGE_INCOMPLETE');
    expect(alone.body.message).toContain(`md_ingest@2 was checked together with md_bill@2 (check ${pc.id})`);
    expect(alone.body.message).toMatch(/md_bill@1 cannot read what md_ingest@2 writes on .*md-orders/);
    expect(alone.body.details.missing).toEqual([expect.objectContaining({ dag_id: 'md_bill', version: '2' })]);
    expect(await active()).toEqual({ md_ingest: '1', md_bill: '1' });
  });

  it('deploys the consumer that tolerates the new schema before the producer that writes it, whatever order it was given', async () => {
    const res = await deployChange([p2, c2]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.order).toEqual(['md_bill@2', 'md_ingest@2']);
    expect(res.body.constraints).toEqual([expect.objectContaining({ before: 'md_bill@2', after: 'md_ingest@2' })]);
    expect(res.body.constraints[0].because).toMatch(/md_bill@1 cannot read what md_ingest@2 writes/);
    expect(res.body.results.map((r: any) => `${r.deployment.dag_id}@${r.deployment.version}`)).toEqual(['md_bill@2', 'md_ingest@2']);
    expect(res.body.results.every((r: any) => r.deployment.forced === false)).toBe(true);
    expect(await active()).toEqual({ md_ingest: '2', md_bill: '2' });
  });

  it('deploys the producer first when the new consumer needs what only the new producer writes', async () => {
    const p3 = producer('3', [ID, { name: 'note', type: 'string', default: '' }]);
    const c3 = consumer('3', [ID, { name: 'note', type: 'string' }]);
    await register(p3);
    await register(c3);
    expect((await check(c3, [ref(p3)])).passed).toBe(true);
    expect((await check(p3, [ref(c3)])).passed).toBe(true);
    // The consumer alone would face md_ingest@2, which writes no `note`.
    const alone = await deployOne(c3);
    expect(alone.status).toBe(409);
    expect(alone.body.error_code).toBe('CHANGE_INCOMPLETE');
    expect(alone.body.message).toContain('md_bill@3 was checked together with md_ingest@3');
    const res = await deployChange([c3, p3]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.order).toEqual(['md_ingest@3', 'md_bill@3']);
    expect(await active()).toEqual({ md_ingest: '3', md_bill: '3' });
  });

  it('refuses a change no order can bring live, naming the cycle, and deploys nothing; an admin may force it in the given order', async () => {
    // x writes T and reads T2; y writes T2 and reads T. Each new reader needs a field only the other's new version writes.
    const x = (v: string, writes: Field[], reads: Field[]) => ({
      dag_id: 'md_x', version: v,
      produces: [{ topic: T2, subject: 'md-invoices-value', schemaType: 'AVRO', schema: rec('Invoice', writes) }],
      consumes: [{ topic: T, subject: `md-x-reader-${v}`, schemaType: 'AVRO', schema: rec('Order', reads) }],
    });
    const y = (v: string, writes: Field[], reads: Field[]) => ({
      dag_id: 'md_y', version: v,
      produces: [{ topic: T, subject: 'md-y-orders-value', schemaType: 'AVRO', schema: rec('Order', writes) }],
      consumes: [{ topic: T2, subject: `md-y-reader-${v}`, schemaType: 'AVRO', schema: rec('Invoice', reads) }],
    });
    const TAG = { name: 'tag', type: 'string', default: '' };
    const x1 = x('1', [ID], [ID]);
    const y1 = y('1', [ID], [ID]);
    const x2 = x('2', [ID, TAG], [ID, { name: 'tag', type: 'string' }]);
    const y2 = y('2', [ID, TAG], [ID, { name: 'tag', type: 'string' }]);
    for (const m of [x1, y1, x2, y2]) await register(m);
    expect((await deployChange([x1, y1], { force: true, reason: 'seed' })).status).toBe(201);

    const res = await deployChange([x2, y2]);
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error_code).toBe('DEPLOY_ORDER_IMPOSSIBLE');
    expect(res.body.message).toMatch(/no order keeps every intermediate state valid/);
    expect(res.body.message).toMatch(/md_x@2 must come before md_y@2/);
    expect(res.body.message).toMatch(/md_y@2 must come before md_x@2/);
    expect(res.body.message).toContain('Nothing was deployed');
    expect(res.body.details.cycle).toHaveLength(2);
    const now = await active();
    expect([now.md_x, now.md_y]).toEqual(['1', '1']);

    const forced = await deployChange([y2, x2], { force: true, reason: 'maintenance window: both stopped' });
    expect(forced.status, JSON.stringify(forced.body)).toBe(201);
    expect(forced.body.order).toEqual(['md_y@2', 'md_x@2']);
    expect(forced.body.results.every((r: any) => r.deployment.forced)).toBe(true);
  });

  it('refuses a change whose versions cannot work together in any order, and names what is wrong in the request', async () => {
    const p4 = producer('4', [ID]);
    const c4 = consumer('4', [ID, { name: 'note', type: 'string' }]);
    await register(p4);
    await register(c4);
    const res = await deployChange([p4, c4]);
    expect(res.status).toBe(409);
    expect(res.body.error_code).toBe('DEPLOY_ORDER_IMPOSSIBLE');
    expect(res.body.message).toMatch(/cannot be active together, in any order: md_bill@4 cannot read what md_ingest@4 writes/);
    const twice = await deployChange([p4, producer('3', [])]);
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.body)).toContain('$.versions[1].dag_id');
    const unknown = await deployChange([p4, { dag_id: 'md_nobody', version: '9' }]);
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('$.versions[1]');
  });
});
