// parse (drafts, references, errors with JSON paths), canonical form and fingerprint, payload checks.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DagpactError } from '../../../../src/core/errors.js';
import { bytes, parse, provider } from './helpers.js';

function parseError(text: string, references?: Array<{ name: string; schema: string }>): DagpactError {
  try {
    provider.parse(text, references);
  } catch (e) {
    expect(e).toBeInstanceOf(DagpactError);
    return e as DagpactError;
  }
  throw new Error(`expected ${text} to be rejected`);
}

const problems = (e: DagpactError) => (e.details as { problems: Array<{ path: string; message: string }> }).problems;

describe('parse: accepted schemas', () => {
  const accepted: Array<[string, unknown]> = [
    ['boolean true', true],
    ['boolean false', false],
    ['no $schema (draft-07)', { type: 'string' }],
    ['draft-04 with boolean exclusiveMinimum and id', { $schema: 'http://json-schema.org/draft-04/schema#', id: 'http://x/y', minimum: 1, exclusiveMinimum: true }],
    ['draft-06', { $schema: 'http://json-schema.org/draft-06/schema#', const: 1 }],
    ['2019-09 with $defs and $anchor', { $schema: 'https://json-schema.org/draft/2019-09/schema', $ref: '#a', $defs: { a: { $anchor: 'a', type: 'string' } } }],
    ['2020-12 with prefixItems', { $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'string' }], items: false }],
    ['empty enum (accepts nothing)', { enum: [] }],
    ['draft-07 $id anchor', { properties: { a: { $ref: '#A' } }, definitions: { A: { $id: '#A', type: 'string' } } }],
  ];
  for (const [name, schema] of accepted) {
    it(name, () => {
      const parsed = parse(schema);
      expect(parsed.format).toBe('JSON');
      expect(parsed.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    });
  }
});

describe('parse: rejected schemas name the problem and its path', () => {
  const rejected: Array<{ name: string; text: string; path: string; message: RegExp; references?: Array<{ name: string; schema: string }> }> = [
    { name: 'not JSON', text: '{"type":', path: '$', message: /not valid JSON/ },
    { name: 'not an object', text: '[1,2]', path: '$', message: /object or a boolean/ },
    { name: 'bad nested type', text: '{"properties":{"age":{"type":"strin"}}}', path: '$.properties.age.type', message: /must be one of "array"/ },
    { name: 'negative minLength', text: '{"minLength":-1}', path: '$.minLength', message: />= 0/ },
    { name: 'required not an array', text: '{"required":"a"}', path: '$.required', message: /array/ },
    { name: 'invalid regex', text: '{"properties":{"a":{"pattern":"("}}}', path: '$.properties.a.pattern', message: /regular expression/ },
    { name: 'invalid patternProperties key', text: '{"patternProperties":{"[":{}}}', path: '$.patternProperties["["]', message: /regular expression/ },
    { name: 'unknown $schema', text: '{"$schema":"http://example.com/mine"}', path: '$.$schema', message: /draft/ },
    { name: 'unresolvable local $ref', text: '{"properties":{"a":{"$ref":"#/definitions/missing"}}}', path: '$.properties.a.$ref', message: /cannot resolve/ },
    { name: 'unresolvable external $ref', text: '{"items":{"$ref":"https://example.com/x.json"}}', path: '$.items.$ref', message: /cannot resolve/ },
    { name: 'too deep', text: `${'{"items":'.repeat(300)}{}${'}'.repeat(300)}`, path: '$', message: /nested more than/ },
    { name: 'invalid reference', text: '{"$ref":"r.json"}', path: '$.references[0].type', message: /must be/, references: [{ name: 'r.json', schema: '{"type":5}' }] },
  ];
  for (const c of rejected) {
    it(c.name, () => {
      const e = parseError(c.text, c.references);
      expect(e.code).toBe('INVALID_SCHEMA');
      expect(e.status).toBe(422);
      expect(problems(e)).toEqual(expect.arrayContaining([{ path: c.path, message: expect.stringMatching(c.message) }]));
    });
  }

  it('never lets a raw exception escape', () => {
    const hostile = ['', 'null', '"x"', '{"$ref":5}', '{"type":[]}', '{"allOf":{}}', '{"$schema":5}', '\u0000', '{"items":[{"$ref":"#/items/0"}]}'];
    for (const text of hostile) {
      try {
        provider.parse(text);
      } catch (e) {
        expect(e, text).toBeInstanceOf(DagpactError);
      }
    }
  });
});

describe('canonical form', () => {
  it('sorts keys recursively and drops whitespace; fingerprint is SHA-256 of it', () => {
    const p = provider.parse('{ "type": "object",\n "properties": { "b": {"type":"string"}, "a": {"maxLength": 2, "type": "string"} } }');
    expect(p.canonical).toBe('{"properties":{"a":{"maxLength":2,"type":"string"},"b":{"type":"string"}},"type":"object"}');
    expect(p.fingerprint).toBe(createHash('sha256').update(p.canonical).digest('hex'));
  });
  it('keeps array order (enum, allOf) because it can matter', () => {
    expect(provider.parse('{"enum":["b","a"]}').canonical).toBe('{"enum":["b","a"]}');
    expect(provider.parse('{"enum":["b","a"]}').fingerprint).not.toBe(provider.parse('{"enum":["a","b"]}').fingerprint);
  });
  it('boolean schemas', () => expect(provider.parse(' true ').canonical).toBe('true'));
});

describe('checkPayload', () => {
  const writer = parse({ type: 'object', required: ['id'], properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, additionalProperties: false });
  const reader = parse({ type: 'object', required: ['id', 'name'] });
  const cases: Array<{ name: string; payload: Uint8Array; withReader?: boolean; ok: boolean; problem?: { path: string; message: RegExp } }> = [
    { name: 'valid', payload: bytes('{"id":1,"tags":["a"]}'), ok: true },
    { name: 'wrong nested type', payload: bytes('{"id":1,"tags":["a",2]}'), ok: false, problem: { path: '$.tags[1]', message: /must be string/ } },
    { name: 'missing required', payload: bytes('{}'), ok: false, problem: { path: '$.id', message: /required by the writer/ } },
    { name: 'additional property', payload: bytes('{"id":1,"x":2}'), ok: false, problem: { path: '$.x', message: /not allowed by the writer/ } },
    { name: 'fails the reader only', payload: bytes('{"id":1}'), withReader: true, ok: false, problem: { path: '$.name', message: /required by the reader/ } },
    { name: 'invalid UTF-8', payload: new Uint8Array([0x7b, 0xff, 0x7d]), ok: false, problem: { path: '$', message: /UTF-8/ } },
    { name: 'invalid JSON', payload: bytes('{"id":'), ok: false, problem: { path: '$', message: /not valid JSON/ } },
    { name: 'too deep', payload: bytes(`${'['.repeat(5000)}${']'.repeat(5000)}`), ok: false, problem: { path: '$', message: /nested more than/ } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = provider.checkPayload(c.payload, writer, c.withReader ? reader : undefined);
      expect(result.ok).toBe(c.ok);
      if (result.ok) expect(result.value).toEqual(JSON.parse(new TextDecoder().decode(c.payload)));
      else expect(result.problems).toEqual(expect.arrayContaining([{ path: c.problem!.path, message: expect.stringMatching(c.problem!.message) }]));
    });
  }
  it('validates formats', () => {
    const dated = parse({ type: 'string', format: 'date' });
    expect(provider.checkPayload(bytes('"2024-02-30"'), dated).ok).toBe(false);
    expect(provider.checkPayload(bytes('"2024-02-28"'), dated).ok).toBe(true);
  });
});
