// Bad input never gives a 5xx: each case gets its 4xx and, on /ccompat, Confluent's numeric code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { CT, orderV1 } from './fixtures.js';

const deepAvro = (depth: number) =>
  `{"type":"record","name":"Deep","fields":[{"name":"a","type":${'{"type":"array","items":'.repeat(depth)}"int"${'}'.repeat(depth)}}]}`;
const hugeAvro = JSON.stringify({ type: 'record', name: 'Huge', fields: Array.from({ length: 20000 }, (_, i) => ({ name: `f${i}`, type: 'string' })) });

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: string;
  contentType?: string;
  status: number;
  code: number | string;
}

const cases: Case[] = [
  { name: 'invalid Avro', method: 'POST', url: '/ccompat/subjects/s/versions', body: JSON.stringify({ schema: '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}' }), status: 422, code: 42201 },
  { name: 'schema that is not JSON', method: 'POST', url: '/ccompat/subjects/s/versions', body: JSON.stringify({ schema: '{"type":' }), status: 422, code: 42201 },
  { name: 'invalid JSON Schema', method: 'POST', url: '/ccompat/subjects/j/versions', body: JSON.stringify({ schema: '{"type":"objekt"}', schemaType: 'JSON' }), status: 422, code: 42201 },
  { name: 'unsupported schema type', method: 'POST', url: '/ccompat/subjects/s/versions', body: JSON.stringify({ schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }), status: 422, code: 42201 },
  { name: 'malformed request JSON', method: 'POST', url: '/ccompat/subjects/s/versions', body: '{"schema": ', status: 400, code: 400 },
  { name: 'missing schema field', method: 'POST', url: '/ccompat/subjects/s/versions', body: '{}', status: 400, code: 400 },
  { name: 'schema of the wrong JSON type', method: 'POST', url: '/ccompat/subjects/s/versions', body: '{"schema": {"type": "int"}}', status: 400, code: 400 },
  { name: 'wrong media type', method: 'POST', url: '/ccompat/subjects/s/versions', body: 'schema=x', contentType: 'application/x-www-form-urlencoded', status: 415, code: 415 },
  { name: 'deeply nested schema', method: 'POST', url: '/ccompat/subjects/s/versions', body: JSON.stringify({ schema: deepAvro(5000) }), status: 422, code: 42201 },
  { name: 'deeply nested metadata', method: 'POST', url: '/ccompat/subjects/s/versions', body: `{"schema":"\\"int\\"","metadata":${'['.repeat(200000)}${']'.repeat(200000)}}`, status: 400, code: 400 },
  { name: 'version "abc"', method: 'GET', url: '/ccompat/subjects/s/versions/abc', status: 422, code: 42202 },
  { name: 'version 0', method: 'GET', url: '/ccompat/subjects/s/versions/0', status: 422, code: 42202 },
  { name: 'version too large', method: 'DELETE', url: '/ccompat/subjects/s/versions/99999999999', status: 422, code: 42202 },
  { name: 'unknown subject', method: 'GET', url: '/ccompat/subjects/nope/versions/1', status: 404, code: 40401 },
  { name: 'unknown version', method: 'GET', url: '/ccompat/subjects/known/versions/42', status: 404, code: 40402 },
  { name: 'schema id not a number', method: 'GET', url: '/ccompat/schemas/ids/abc', status: 400, code: 400 },
  { name: 'unknown schema id', method: 'GET', url: '/ccompat/schemas/ids/123456', status: 404, code: 40403 },
  { name: 'reference to a missing subject', method: 'POST', url: '/ccompat/subjects/s/versions', body: JSON.stringify({ schema: '"string"', references: [{ name: 'x.Y', subject: 'none', version: 1 }] }), status: 422, code: 42201 },
  { name: 'native: version "abc"', method: 'GET', url: '/v1/subjects/s/versions/abc', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'native: invalid schema', method: 'POST', url: '/v1/subjects/s/versions', body: JSON.stringify({ schema: { type: 'record', name: 'X' } }), status: 422, code: 'INVALID_SCHEMA' },
  { name: 'native: unknown format', method: 'POST', url: '/v1/subjects/s/versions', body: JSON.stringify({ schema: '"int"', format: 'XML' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'native: unknown field', method: 'POST', url: '/v1/subjects/s/versions', body: JSON.stringify({ schema: '"int"', nope: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'native: unknown level', method: 'PUT', url: '/v1/config/s', body: JSON.stringify({ compatibility: 'MAYBE' }), status: 422, code: 'INVALID_COMPATIBILITY_LEVEL' },
  { name: 'native: unknown schema', method: 'GET', url: '/v1/schemas/99999', status: 404, code: 'SCHEMA_NOT_FOUND' },
  // Values PostgreSQL cannot store or index must be refused as input, never surface as a 500.
  { name: 'NUL in a subject name', method: 'POST', url: '/ccompat/subjects/a%00b/versions', body: JSON.stringify({ schema: '"int"' }), status: 400, code: 400 },
  { name: 'NUL in a subject name (config)', method: 'PUT', url: '/ccompat/config/a%00b', body: JSON.stringify({ compatibility: 'NONE' }), status: 400, code: 400 },
  { name: 'NUL in metadata', method: 'POST', url: '/ccompat/subjects/nul-meta/versions', body: JSON.stringify({ schema: '"int"', metadata: { properties: { a: 'x\u0000y' } } }), status: 400, code: 400 },
  { name: 'NUL in a quarantine filter', method: 'GET', url: '/v1/quarantine?topic=a%00b', status: 400, code: 'BAD_REQUEST' },
  { name: 'token id beyond integer', method: 'DELETE', url: '/v1/tokens/99999999999', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'quarantine id beyond 2^53', method: 'GET', url: '/v1/quarantine/99999999999999999999', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'quarantine cursor beyond 2^53', method: 'GET', url: '/v1/quarantine?cursor=1e20', status: 400, code: 'VALIDATION_FAILED' },
];

describe('registry bad input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.inject({ method: 'POST', url: '/ccompat/subjects/known/versions', headers: { ...adminHeaders, 'content-type': CT }, payload: { schema: JSON.stringify(orderV1) } });
  });
  afterAll(() => t.close());

  it.each(cases)('$name → $status $code', async (c) => {
    const res = await t.app.inject({
      method: c.method, url: c.url, payload: c.body,
      headers: { ...adminHeaders, ...(c.body !== undefined ? { 'content-type': c.contentType ?? CT } : {}) },
    });
    expect(res.statusCode).toBe(c.status);
    expect(res.json().error_code).toBe(c.code);
    expect(res.json().message.length).toBeGreaterThan(0);
  });

  it('names the JSON path of an invalid schema on the native API', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/subjects/paths/versions', headers: adminHeaders,
      payload: { schema: { type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] } },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().details.problems[0].path).toMatch(/^\$/);
  });

  it('a huge but valid schema is accepted (well under the body limit)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/ccompat/subjects/huge/versions', headers: { ...adminHeaders, 'content-type': CT }, payload: { schema: hugeAvro } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: expect.any(Number) });
  });

  it('a body over the limit is 413', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/ccompat/subjects/s/versions', headers: { ...adminHeaders, 'content-type': CT }, payload: JSON.stringify({ schema: 'x'.repeat(9 * 1024 * 1024) }) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error_code).toBe(413);
  });
});
