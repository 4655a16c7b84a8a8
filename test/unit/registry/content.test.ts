// Pure helpers of the registry: version selectors, content keys, depth limits, field-level diffs.
import { describe, expect, it } from 'vitest';
import { DagpactError } from '../../../src/core/errors.js';
import { contentKey, parseSchemaJson, parseVersionSelector } from '../../../src/core/registry/content.js';
import { fieldDiff } from '../../../src/core/registry/field-diff.js';

describe('parseVersionSelector', () => {
  it.each([
    { raw: '1', want: 1 }, { raw: 7, want: 7 }, { raw: 'latest', want: 'latest' }, { raw: '-1', want: 'latest' },
    { raw: -1, want: 'latest' }, { raw: '2147483647', want: 2147483647 },
  ])('$raw → $want', ({ raw, want }) => expect(parseVersionSelector(raw)).toBe(want));

  it.each(['abc', '0', '-2', '1.5', '2147483648', '', 'LATEST ', '99999999999'])('refuses %j with INVALID_VERSION', (raw) => {
    try {
      parseVersionSelector(raw);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DagpactError);
      expect((e as DagpactError).code).toBe('INVALID_VERSION');
    }
  });
});

describe('contentKey', () => {
  const order = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] };
  it('ignores whitespace and key order', () => {
    const a = contentKey('AVRO', order, []);
    const b = contentKey('AVRO', JSON.parse('{ "fields": [ {"type":"long","name":"id"} ], "name": "Order", "type": "record" }'), []);
    expect(a).toBe(b);
  });
  it.each([
    { name: 'a default', other: { ...order, fields: [{ name: 'id', type: 'long', default: 0 }] } },
    { name: 'a doc', other: { ...order, doc: 'orders' } },
    { name: 'field order', other: { ...order, fields: [{ name: 'x', type: 'int' }, { name: 'id', type: 'long' }] } },
  ])('tells schemas apart that differ in $name', ({ other }) => {
    expect(contentKey('AVRO', other, [])).not.toBe(contentKey('AVRO', order, []));
  });
  it('includes format and references', () => {
    expect(contentKey('JSON', order, [])).not.toBe(contentKey('AVRO', order, []));
    expect(contentKey('AVRO', order, [{ name: 'x.Y', subject: 's', version: 1 }])).not.toBe(contentKey('AVRO', order, []));
  });
});

describe('parseSchemaJson', () => {
  it('refuses documents nested too deeply without overflowing the stack', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(() => parseSchemaJson(deep)).toThrow(/nested more than/);
  });
  it('refuses text that is not JSON with a path', () => {
    try {
      parseSchemaJson('{"type":');
      expect.unreachable();
    } catch (e) {
      expect((e as DagpactError).code).toBe('INVALID_SCHEMA');
      expect((e as DagpactError).details).toMatchObject({ problems: [{ path: '$' }] });
    }
  });
});

describe('fieldDiff', () => {
  const v1 = {
    type: 'record', name: 'Order', fields: [
      { name: 'id', type: 'long' },
      { name: 'customer', type: { type: 'record', name: 'Customer', fields: [{ name: 'name', type: 'string' }] } },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  };
  const v2 = {
    type: 'record', name: 'Order', fields: [
      { name: 'id', type: 'string' },
      { name: 'customer', type: { type: 'record', name: 'Customer', fields: [{ name: 'name', type: 'string' }, { name: 'email', type: 'string', default: '' }] } },
      { name: 'currency', type: 'string', default: 'EUR' },
    ],
  };

  it('lists Avro fields added, removed and changed by dotted path', () => {
    expect(fieldDiff('AVRO', v1, v2)).toEqual([
      { path: 'currency', change: 'added', after: 'string default "EUR"' },
      { path: 'customer.email', change: 'added', after: 'string default ""' },
      { path: 'id', change: 'changed', before: 'long', after: 'string' },
      { path: 'note', change: 'removed', before: 'union[null, string] default null' },
    ]);
  });

  it('lists JSON Schema properties, with required-ness and nesting', () => {
    const a = { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } } }, required: ['id'] };
    const b = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, tags: { type: 'array', items: { type: 'object', properties: {} } } }, required: ['id', 'name'] };
    expect(fieldDiff('JSON', a, b)).toEqual([
      { path: 'name', change: 'added', after: 'string (required)' },
      { path: 'tags[].k', change: 'removed', before: 'string' },
    ]);
  });

  it('terminates on recursive Avro types', () => {
    const node = { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }, { name: 'child', type: ['null', { type: 'record', name: 'Leaf', fields: [] }] }] };
    expect(fieldDiff('AVRO', node, node)).toEqual([]);
  });
});
