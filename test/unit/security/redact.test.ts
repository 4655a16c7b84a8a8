// redactMessage: tagged fields (Avro attributes, JSON Schema keywords, Confluent's confluent:tags),
// contract paths and sensitive property names are replaced; everything else is kept; input untouched.
import { describe, expect, it } from 'vitest';
import { REDACTED, redactMessage } from '../../../src/core/quarantine/redact.js';

const avroCustomer = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'card', type: ['null', 'string'], 'dagpact.sensitive': true },
    { name: 'note', type: 'string', 'confluent:tags': ['INTERNAL'] },
    {
      name: 'customer',
      type: { type: 'record', name: 'Customer', fields: [{ name: 'name', type: 'string', 'confluent:tags': ['pii'] }, { name: 'tier', type: 'string' }] },
    },
    { name: 'previous', type: ['null', 'Customer'], default: null },
    { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'secret_code', type: 'string', 'dagpact.sensitive': true }] } } },
    { name: 'byName', type: { type: 'map', values: 'shop.Customer' } },
  ],
};

const jsonSchema = {
  type: 'object',
  $defs: { person: { type: 'object', properties: { ssn: { type: 'string', 'x-dagpact-sensitive': true }, city: { type: 'string' } } } },
  properties: {
    id: { type: 'integer' },
    email: { type: 'string', 'confluent:tags': ['PII'] },
    owner: { $ref: '#/$defs/person' },
    people: { type: 'array', items: { $ref: '#/$defs/person' } },
    maybe: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/person' }] },
    extra: { type: 'object', additionalProperties: { type: 'string', 'confluent:tags': ['SECRET'] } },
  },
};

describe('redactMessage', () => {
  it.each([
    {
      name: 'Avro: confluent:tags PII and dagpact.sensitive, nested records, unions by name, arrays and maps',
      input: {
        schema: { format: 'AVRO' as const, document: avroCustomer },
        value: {
          id: 1, email: 'a@b.c', card: '4111', note: 'keep', customer: { name: 'Ann', tier: 'gold' }, previous: { name: 'Bob', tier: 'x' },
          lines: [{ sku: 'A', secret_code: 'x1' }, { sku: 'B', secret_code: 'x2' }], byName: { k: { name: 'Cy', tier: 't' } },
        },
      },
      expected: {
        id: 1, email: REDACTED, card: REDACTED, note: 'keep', customer: { name: REDACTED, tier: 'gold' }, previous: { name: REDACTED, tier: 'x' },
        lines: [{ sku: 'A', secret_code: REDACTED }, { sku: 'B', secret_code: REDACTED }], byName: { k: { name: REDACTED, tier: 't' } },
      },
    },
    {
      name: 'Avro: a null optional tagged field stays null',
      input: { schema: { format: 'AVRO' as const, document: avroCustomer }, value: { id: 2, email: 'e', card: null, note: 'n', customer: { name: 'A', tier: 't' }, previous: null, lines: [], byName: {} } },
      expected: { id: 2, email: REDACTED, card: REDACTED, note: 'n', customer: { name: REDACTED, tier: 't' }, previous: null, lines: [], byName: {} },
    },
    {
      name: 'JSON Schema: keywords, $ref, arrays, anyOf and additionalProperties',
      input: {
        schema: { format: 'JSON' as const, document: jsonSchema },
        value: { id: 3, email: 'x', owner: { ssn: '1', city: 'Oslo' }, people: [{ ssn: '2', city: 'Rome' }], maybe: { ssn: '3' }, extra: { a: 'b' } },
      },
      expected: { id: 3, email: REDACTED, owner: { ssn: REDACTED, city: 'Oslo' }, people: [{ ssn: REDACTED, city: 'Rome' }], maybe: { ssn: REDACTED }, extra: { a: REDACTED } },
    },
    {
      name: 'contract paths, with * over arrays',
      input: { schema: { format: 'JSON' as const, document: { type: 'object' } }, contractPaths: ['customer.email', '$.items.*.card'], value: { customer: { email: 'e', id: 1 }, items: [{ card: 1, n: 2 }] } },
      expected: { customer: { email: REDACTED, id: 1 }, items: [{ card: REDACTED, n: 2 }] },
    },
    {
      name: 'no schema: sensitive names redact fields too',
      input: { value: { user: 'u', Password: 'p', nested: { api_token: 't', ok: 1 } } },
      expected: { user: 'u', Password: REDACTED, nested: { api_token: REDACTED, ok: 1 } },
    },
  ])('$name', ({ input, expected }) => {
    const before = JSON.stringify(input.value);
    const out = redactMessage(input);
    expect(out.value).toEqual(expected);
    expect(JSON.stringify(input.value)).toBe(before);
  });

  it('redacts properties whose names contain a configured name, case-insensitively', () => {
    const out = redactMessage({ value: null, properties: { Authorization: 'Bearer x', 'x-auth-token': 't', 'Set-Cookie': 'c', trace: 'keep' } });
    expect(out.properties).toEqual({ Authorization: REDACTED, 'x-auth-token': REDACTED, 'Set-Cookie': REDACTED, trace: 'keep' });
    expect(out.redacted).toContain('properties.Authorization');
  });

  it('takes configured tags and property names instead of the defaults', () => {
    const out = redactMessage({
      schema: { format: 'AVRO', document: avroCustomer },
      value: { id: 1, email: 'e', card: 'c', note: 'n', customer: { name: 'A', tier: 't' }, previous: null, lines: [], byName: {} },
      properties: { session: 's', authorization: 'a' },
      policy: { tags: ['INTERNAL'], propertyNames: ['session'] },
    });
    expect(out.value).toMatchObject({ email: 'e', note: REDACTED, card: REDACTED });
    expect(out.properties).toEqual({ session: REDACTED, authorization: 'a' });
  });
});
