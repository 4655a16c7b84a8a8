// The Confluent-compatible API on the real PostgreSQL: shapes and codes a Confluent client relies on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../support/app.js';
import {
  address, client, CT, customer, orderBroken, orderNoDefault, orderV1, orderV2, userJsonNarrowed, userJsonV1,
} from './fixtures.js';

describe('/ccompat', () => {
  let t: TestApp;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    t = await buildTestApp();
    c = client(t.app);
  });
  afterAll(() => t.close());

  const register = (subject: string, schema: unknown, extra: Record<string, unknown> = {}) =>
    c.post(`/ccompat/subjects/${encodeURIComponent(subject)}/versions`, { schema: JSON.stringify(schema), ...extra });

  describe('register, read back and look up', () => {
    let id: number;
    it('registers and answers {id} with Confluent\'s media type', async () => {
      const res = await register('orders-value', orderV1);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain(CT);
      expect(res.json()).toEqual({ id: expect.any(Number) });
      id = res.json().id;
    });

    it('returns the same id and version for an identical schema, whitespace and key order aside', async () => {
      const same = { namespace: 'shop', name: 'Order', type: 'record', fields: orderV1.fields };
      const res = await c.post('/ccompat/subjects/orders-value/versions', { schema: JSON.stringify(same, null, 2) });
      expect(res.json()).toEqual({ id });
      expect((await c.get('/ccompat/subjects/orders-value/versions')).json()).toEqual([1]);
    });

    it('shares one id across subjects', async () => {
      const res = await register('orders-copy-value', orderV1);
      expect(res.json()).toEqual({ id });
      expect((await c.get(`/ccompat/schemas/ids/${id}/subjects`)).json()).toEqual(['orders-copy-value', 'orders-value']);
      expect((await c.get(`/ccompat/schemas/ids/${id}/versions`)).json()).toEqual([
        { subject: 'orders-copy-value', version: 1 }, { subject: 'orders-value', version: 1 },
      ]);
    });

    it('serves GET /schemas/ids/{id} without schemaType for AVRO', async () => {
      const res = await c.get(`/ccompat/schemas/ids/${id}?subject=orders-value`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ schema: JSON.stringify(orderV1) });
      const raw = await c.get(`/ccompat/schemas/ids/${id}/schema`);
      expect(raw.json()).toEqual(orderV1);
    });

    it('serves versions by number, latest and -1 in Confluent\'s shape', async () => {
      const v2 = (await register('orders-value', orderV2)).json().id;
      expect(v2).not.toBe(id);
      const expected = { subject: 'orders-value', version: 2, id: v2, schema: JSON.stringify(orderV2) };
      expect((await c.get('/ccompat/subjects/orders-value/versions/latest')).json()).toEqual(expected);
      expect((await c.get('/ccompat/subjects/orders-value/versions/-1')).json()).toEqual(expected);
      expect((await c.get('/ccompat/subjects/orders-value/versions/1')).json()).toEqual({ subject: 'orders-value', version: 1, id, schema: JSON.stringify(orderV1) });
      expect((await c.get('/ccompat/subjects/orders-value/versions/2/schema')).json()).toEqual(orderV2);
    });

    it('re-registering an older version returns it instead of making a new one', async () => {
      expect((await register('orders-value', orderV1)).json()).toEqual({ id });
      expect((await c.get('/ccompat/subjects/orders-value/versions')).json()).toEqual([1, 2]);
    });

    it('looks a schema up under a subject (POST /subjects/{s})', async () => {
      const res = await c.post('/ccompat/subjects/orders-value', { schema: JSON.stringify(orderV1) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ subject: 'orders-value', version: 1, id, schema: JSON.stringify(orderV1) });
      const missing = await c.post('/ccompat/subjects/orders-value', { schema: JSON.stringify(orderNoDefault) });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error_code: 40403, message: expect.any(String) });
      const noSubject = await c.post('/ccompat/subjects/nope', { schema: JSON.stringify(orderV1) });
      expect(noSubject.json().error_code).toBe(40401);
    });

    it('lists subjects, with a prefix', async () => {
      expect((await c.get('/ccompat/subjects')).json()).toEqual(expect.arrayContaining(['orders-value', 'orders-copy-value']));
      expect((await c.get('/ccompat/subjects?subjectPrefix=orders-c')).json()).toEqual(['orders-copy-value']);
    });

    it('lists the schema types', async () => {
      expect((await c.get('/ccompat/schemas/types')).json()).toEqual(expect.arrayContaining(['AVRO', 'JSON']));
    });

    it('accepts unknown request fields, metadata and ruleSet, as Confluent does', async () => {
      const res = await register('orders-meta-value', orderV1, { metadata: { properties: { owner: 'team-a' } }, ruleSet: null, somethingNew: 1 });
      expect(res.json()).toEqual({ id });
      expect((await c.get('/ccompat/subjects/orders-meta-value/versions/1')).json().metadata).toEqual({ properties: { owner: 'team-a' } });
    });
  });

  describe('compatibility', () => {
    it('refuses an incompatible schema with 409 and a message naming the path and rule', async () => {
      await register('compat-value', orderV1);
      const res = await register('compat-value', orderBroken);
      expect(res.statusCode).toBe(409);
      expect(res.json().error_code).toBe(409);
      expect(res.json().message).toMatch(/incompatible/);
      expect(res.json().message).toMatch(/\$\S*fields/);
      expect((await c.get('/ccompat/subjects/compat-value/versions')).json()).toEqual([1]);
    });

    it('answers dry runs, verbose with messages', async () => {
      const ok = await c.post('/ccompat/compatibility/subjects/compat-value/versions/latest', { schema: JSON.stringify(orderV2) });
      expect(ok.json()).toEqual({ is_compatible: true });
      const bad = await c.post('/ccompat/compatibility/subjects/compat-value/versions/1?verbose=true', { schema: JSON.stringify(orderBroken) });
      expect(bad.json().is_compatible).toBe(false);
      expect(bad.json().messages.length).toBeGreaterThan(0);
      const all = await c.post('/ccompat/compatibility/subjects/compat-value/versions', { schema: JSON.stringify(orderNoDefault) });
      expect(all.json()).toEqual({ is_compatible: false });
      expect((await c.post('/ccompat/compatibility/subjects/compat-value/versions/9', { schema: JSON.stringify(orderV2) })).json().error_code).toBe(40402);
      expect((await c.post('/ccompat/compatibility/subjects/nope/versions/1', { schema: JSON.stringify(orderV2) })).json().error_code).toBe(40401);
      expect((await c.post('/ccompat/compatibility/subjects/brand-new/versions', { schema: JSON.stringify(orderV2) })).json()).toEqual({ is_compatible: true });
    });

    it('uses the subject level over the global one; NONE lets anything through', async () => {
      expect((await c.put('/ccompat/config/compat-value', { compatibility: 'NONE' })).json()).toEqual({ compatibility: 'NONE' });
      expect((await register('compat-value', orderBroken)).statusCode).toBe(200);
      expect((await c.get('/ccompat/subjects/compat-value/versions')).json()).toEqual([1, 2]);
    });

    it('refuses an incompatible JSON Schema', async () => {
      expect((await register('users-json', userJsonV1, { schemaType: 'JSON' })).statusCode).toBe(200);
      const latest = (await c.get('/ccompat/subjects/users-json/versions/latest')).json();
      expect(latest.schemaType).toBe('JSON');
      expect((await c.get(`/ccompat/schemas/ids/${latest.id}`)).json().schemaType).toBe('JSON');
      const res = await register('users-json', userJsonNarrowed, { schemaType: 'JSON' });
      expect(res.statusCode).toBe(409);
    });

    it('keeps a subject to one format', async () => {
      const res = await register('users-json', orderV1);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({ error_code: 42201, message: expect.stringMatching(/JSON/) });
    });
  });

  describe('config and mode', () => {
    it('reads and sets the global level', async () => {
      expect((await c.get('/ccompat/config')).json()).toEqual({ compatibilityLevel: 'BACKWARD' });
      expect((await c.put('/ccompat/config', { compatibility: 'FULL' })).json()).toEqual({ compatibility: 'FULL' });
      expect((await c.get('/ccompat/config')).json()).toEqual({ compatibilityLevel: 'FULL' });
      expect((await c.del('/ccompat/config')).json()).toEqual({ compatibilityLevel: 'FULL' });
      expect((await c.get('/ccompat/config')).json()).toEqual({ compatibilityLevel: 'BACKWARD' });
    });

    it('answers 40408 for a subject without a level unless defaultToGlobal', async () => {
      const res = await c.get('/ccompat/config/orders-value');
      expect(res.statusCode).toBe(404);
      expect(res.json().error_code).toBe(40408);
      expect((await c.get('/ccompat/config/orders-value?defaultToGlobal=true')).json()).toEqual({ compatibilityLevel: 'BACKWARD' });
      await c.put('/ccompat/config/orders-value', { compatibility: 'forward_transitive' });
      expect((await c.get('/ccompat/config/orders-value')).json()).toEqual({ compatibilityLevel: 'FORWARD_TRANSITIVE' });
      expect((await c.del('/ccompat/config/orders-value')).json()).toEqual({ compatibilityLevel: 'FORWARD_TRANSITIVE' });
      expect((await c.get('/ccompat/config/orders-value')).json().error_code).toBe(40408);
    });

    it('refuses an unknown level with 42203 and an unknown mode with 42204', async () => {
      expect((await c.put('/ccompat/config', { compatibility: 'SIDEWAYS' })).json().error_code).toBe(42203);
      expect((await c.put('/ccompat/mode/x', { mode: 'WRITEONLY' })).json().error_code).toBe(42204);
    });

    it('READONLY refuses registrations and deletes with 42205 until the mode is lifted', async () => {
      expect((await c.get('/ccompat/mode')).json()).toEqual({ mode: 'READWRITE' });
      expect((await c.get('/ccompat/mode/orders-value')).json().error_code).toBe(40409);
      expect((await c.put('/ccompat/mode/orders-value', { mode: 'READONLY' })).json()).toEqual({ mode: 'READONLY' });
      expect((await c.get('/ccompat/mode/orders-value')).json()).toEqual({ mode: 'READONLY' });
      const res = await register('orders-value', orderV2);
      expect(res.statusCode).toBe(422);
      expect(res.json().error_code).toBe(42205);
      expect((await c.del('/ccompat/subjects/orders-value/versions/1')).json().error_code).toBe(42205);
      expect((await register('orders-copy-value', orderV2)).statusCode).toBe(200); // other subjects are unaffected
      expect((await c.del('/ccompat/mode/orders-value')).json()).toEqual({ mode: 'READONLY' });
      expect((await register('orders-value', orderV2)).statusCode).toBe(200);
    });

    it('global READONLY applies to every subject', async () => {
      await c.put('/ccompat/mode', { mode: 'READONLY' });
      expect((await register('anything', orderV1)).json().error_code).toBe(42205);
      await c.put('/ccompat/mode', { mode: 'READWRITE' });
      expect((await register('anything', orderV1)).statusCode).toBe(200);
    });

    it('IMPORT mode keeps explicit ids and versions and skips compatibility', async () => {
      const imported = { type: 'record', name: 'Imported', fields: [{ name: 'x', type: 'int' }] };
      const outside = await register('imported', imported, { id: 5000, version: 7 });
      expect(outside.json().error_code).toBe(42205);
      await c.put('/ccompat/mode/imported', { mode: 'IMPORT' });
      expect((await register('imported', imported, { id: 5000, version: 7 })).json()).toEqual({ id: 5000 });
      expect((await register('imported', orderV1, { version: 8 })).statusCode).toBe(200);
      expect((await c.get('/ccompat/subjects/imported/versions')).json()).toEqual([7, 8]);
      await c.del('/ccompat/mode/imported');
      // Allocation steps over imported ids: the next new schema gets an id of its own.
      const next = await register('after-import', { type: 'record', name: 'Fresh', fields: [] });
      expect(next.statusCode).toBe(200);
      expect(next.json().id).not.toBe(5000);
    });
  });

  describe('deletes', () => {
    it('soft-deletes, hides, and removes permanently only after a soft delete', async () => {
      await register('del-value', orderV1);
      await register('del-value', orderV2);
      expect((await c.del('/ccompat/subjects/del-value/versions/1?permanent=true')).json().error_code).toBe(40407);
      expect((await c.del('/ccompat/subjects/del-value/versions/1')).json()).toBe(1);
      expect((await c.del('/ccompat/subjects/del-value/versions/1')).json().error_code).toBe(40406);
      expect((await c.get('/ccompat/subjects/del-value/versions')).json()).toEqual([2]);
      expect((await c.get('/ccompat/subjects/del-value/versions?deleted=true')).json()).toEqual([1, 2]);
      expect((await c.get('/ccompat/subjects/del-value/versions/1')).json().error_code).toBe(40402);
      expect((await c.get('/ccompat/subjects/del-value/versions/1?deleted=true')).json()).toMatchObject({ version: 1, deleted: true });
      expect((await c.del('/ccompat/subjects/del-value/versions/1?permanent=true')).json()).toBe(1);
      expect((await c.get('/ccompat/subjects/del-value/versions?deleted=true')).json()).toEqual([2]);
      expect((await c.del('/ccompat/subjects/del-value/versions/1?permanent=true')).json().error_code).toBe(40402);
    });

    it('a latest read answered from a body serialized earlier follows registrations and deletes', async () => {
      await register('body-cache-value', orderV1);
      const first = await c.get('/ccompat/subjects/body-cache-value/versions/latest');
      expect(first.headers['content-type']).toContain(CT);
      expect(first.json()).toMatchObject({ version: 1 });
      expect((await c.get('/ccompat/subjects/body-cache-value/versions/latest')).body).toBe(first.body);
      const v2 = (await register('body-cache-value', orderV2)).json().id;
      expect((await c.get('/ccompat/subjects/body-cache-value/versions/latest')).json()).toEqual({ subject: 'body-cache-value', version: 2, id: v2, schema: JSON.stringify(orderV2) });
      expect((await c.del('/ccompat/subjects/body-cache-value/versions/2')).json()).toBe(2);
      expect((await c.get('/ccompat/subjects/body-cache-value/versions/latest')).body).toBe(first.body);
      const byId = await c.get(`/ccompat/schemas/ids/${v2}`);
      expect(byId.headers['content-type']).toContain(CT);
      expect(byId.json()).toEqual({ schema: JSON.stringify(orderV2) });
    });

    it('re-registering a soft-deleted schema creates a new version', async () => {
      await c.del('/ccompat/subjects/del-value/versions/2');
      const res = await register('del-value', orderV2);
      expect(res.statusCode).toBe(200);
      expect((await c.get('/ccompat/subjects/del-value/versions?deleted=true')).json()).toEqual([2, 3]);
    });

    it('deletes a subject softly, then permanently, with Confluent\'s codes', async () => {
      expect((await c.del('/ccompat/subjects/del-value?permanent=true')).json().error_code).toBe(40405);
      expect((await c.del('/ccompat/subjects/del-value')).json()).toEqual([3]);
      expect((await c.del('/ccompat/subjects/del-value')).json().error_code).toBe(40404);
      expect((await c.get('/ccompat/subjects/del-value/versions')).json().error_code).toBe(40401);
      expect((await c.get('/ccompat/subjects')).json()).not.toContain('del-value');
      expect((await c.get('/ccompat/subjects?deleted=true')).json()).toContain('del-value');
      expect((await c.del('/ccompat/subjects/del-value?permanent=true')).json()).toEqual([2, 3]);
      expect((await c.get('/ccompat/subjects?deleted=true')).json()).not.toContain('del-value');
      expect((await c.del('/ccompat/subjects/del-value')).json().error_code).toBe(40401);
      // The ids outlive the versions.
      const id = (await register('del-value', orderV1)).json().id;
      expect((await c.get(`/ccompat/schemas/ids/${id}`)).statusCode).toBe(200);
      expect((await c.get('/ccompat/subjects/del-value/versions')).json()).toEqual([1]);
    });

    it('answers 40403 for an unknown schema id', async () => {
      const res = await c.get('/ccompat/schemas/ids/999999');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error_code: 40403, message: expect.any(String) });
    });
  });

  describe('references', () => {
    it('registers a schema that references another subject, and protects the referenced version', async () => {
      const addrId = (await register('address-value', address)).json().id;
      const res = await register('customer-value', customer, { references: [{ name: 'shop.Address', subject: 'address-value', version: 1 }] });
      expect(res.statusCode).toBe(200);
      const custId = res.json().id;
      expect(custId).not.toBe(addrId);
      const latest = (await c.get('/ccompat/subjects/customer-value/versions/latest')).json();
      expect(latest.references).toEqual([{ name: 'shop.Address', subject: 'address-value', version: 1 }]);
      expect((await c.get(`/ccompat/schemas/ids/${custId}`)).json().references).toHaveLength(1);
      expect((await c.get('/ccompat/subjects/address-value/versions/1/referencedby')).json()).toEqual([custId]);
      const del = await c.del('/ccompat/subjects/address-value/versions/1');
      expect(del.statusCode).toBe(422);
      expect(del.json().error_code).toBe(42206);
      expect((await c.del('/ccompat/subjects/address-value')).json().error_code).toBe(42206);
    });

    it('refuses a schema whose named type is not resolvable, and a reference to nothing', async () => {
      expect((await register('customer-2', customer)).json().error_code).toBe(42201);
      const res = await register('customer-2', customer, { references: [{ name: 'shop.Address', subject: 'address-value', version: 9 }] });
      expect(res.json().error_code).toBe(42201);
    });

    it('frees the referenced version once the referrer is gone', async () => {
      await c.del('/ccompat/subjects/customer-value');
      expect((await c.get('/ccompat/subjects/address-value/versions/1/referencedby')).json()).toEqual([]);
      expect((await c.del('/ccompat/subjects/address-value/versions/1')).json()).toBe(1);
      // Permanent removal still waits until the soft-deleted referrer is gone for good.
      expect((await c.del('/ccompat/subjects/address-value/versions/1?permanent=true')).json().error_code).toBe(42206);
      await c.del('/ccompat/subjects/customer-value?permanent=true');
      expect((await c.del('/ccompat/subjects/address-value/versions/1?permanent=true')).json()).toBe(1);
    });
  });

  it('handles subjects with URL-encoded characters', async () => {
    const subject = 'team/orders value:1';
    const id = (await register(subject, orderV1)).json().id;
    const latest = await c.get(`/ccompat/subjects/${encodeURIComponent(subject)}/versions/latest`);
    expect(latest.statusCode).toBe(200);
    expect(latest.json()).toMatchObject({ subject, id });
    expect((await c.get('/ccompat/subjects')).json()).toContain(subject);
  });
});
