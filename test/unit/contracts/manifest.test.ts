// The contract manifest parser: valid manifests normalize as documented; invalid ones fail with
// INVALID_MANIFEST naming each problem by JSON path. Plus the contract identity used for 409s.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { contractHash, contractIdentity, diffIdentities } from '../../../src/core/contracts/identity.js';
import { jsonPath, parseManifest } from '../../../src/core/contracts/manifest.js';
import { normalizeTopic } from '../../../src/core/pulsar-names.js';
import { DagpactError } from '../../../src/core/errors.js';

const record = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] };

function problemsOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    parseManifest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DagpactError);
    expect((error as DagpactError).code).toBe('INVALID_MANIFEST');
    expect((error as DagpactError).status).toBe(422);
    return ((error as DagpactError).details as { problems: Array<{ path: string; message: string }> }).problems;
  }
  throw new Error('expected INVALID_MANIFEST');
}

const base = { dag_id: 'd1', version: '1.0.0' };

describe('parseManifest: valid manifests', () => {
  it('parses the shipped examples', () => {
    const m = parseManifest(readFileSync('examples/contract.yaml', 'utf8'));
    expect(m.dagId).toBe('orders_enrichment');
    expect(m.consumes.map((c) => c.topic)).toEqual(['persistent://public/orders/orders-created', 'persistent://public/default/customers']);
    expect(m.consumes[1]).toMatchObject({ kind: 'ref', version: 1, onMismatch: 'reject', forwardTo: 'airflow' });
    expect(m.consumes[0]).toMatchObject({ kind: 'ref', version: 'latest', onMismatch: 'quarantine', triggerTopic: 'persistent://public/orders/orders-enrichment-trigger' });
    expect(m.produces[0]).toMatchObject({ kind: 'inline', subject: 'orders-enriched-value', schemaType: 'AVRO' });
    for (const doc of parseAllDocuments(readFileSync('examples/three-dags.yaml', 'utf8'))) expect(() => parseManifest(doc.toJS())).not.toThrow();
  });

  const cases: Array<[string, string]> = [
    ['orders', 'persistent://public/default/orders'],
    ['t1/ns1/orders', 'persistent://t1/ns1/orders'],
    ['persistent://t1/ns1/orders', 'persistent://t1/ns1/orders'],
    ['non-persistent://t1/ns1/orders', 'non-persistent://t1/ns1/orders'],
  ];
  it.each(cases)('normalizes topic %s', (input, expected) => expect(normalizeTopic(input)).toBe(expected));

  it('accepts JSON text and inline schemas given as text', () => {
    const m = parseManifest(JSON.stringify({ ...base, produces: [{ topic: 'x', schema: JSON.stringify(record), schemaType: 'AVRO' }] }));
    expect(m.produces[0]).toMatchObject({ kind: 'inline', subject: 'x-value', schema: JSON.stringify(record) });
  });

  it('applies the top-level on_mismatch to consumed topics only', () => {
    const m = parseManifest({ ...base, on_mismatch: 'reject', consumes: [{ topic: 'a', subject: 's', version: 1 }], produces: [{ topic: 'b', subject: 's', version: 1 }] });
    expect(m.consumes[0]!.onMismatch).toBe('reject');
    expect(m.produces[0]!.onMismatch).toBeUndefined();
  });
});

describe('parseManifest: malformed manifests name the field', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['missing dag_id', { version: '1', consumes: [{ topic: 'a', subject: 's', version: 1 }] }, '$.dag_id', /required/],
    ['missing topic', { ...base, consumes: [{ subject: 's', version: 1 }] }, '$.consumes[0].topic', /required/],
    ['bad topic', { ...base, consumes: [{ topic: 'a/b', subject: 's', version: 1 }] }, '$.consumes[0].topic', /Pulsar topic/],
    ['a topic with characters Pulsar refuses', { ...base, consumes: [{ topic: 'public/default/a%b', subject: 's', version: 1 }] }, '$.consumes[0].topic', /Pulsar topic/],
    ['version zero', { ...base, consumes: [{ topic: 'a', subject: 's', version: 0 }] }, '$.consumes[0].version', /latest/],
    ['version "newest"', { ...base, produces: [{ topic: 'a', subject: 's', version: 'newest' }] }, '$.produces[0].version', /latest/],
    ['reference without version', { ...base, consumes: [{ topic: 'a', subject: 's' }] }, '$.consumes[0].version', /required/],
    ['inline without schemaType', { ...base, produces: [{ topic: 'a', schema: record }] }, '$.produces[0].schemaType', /required/],
    ['inline with version', { ...base, produces: [{ topic: 'a', schema: record, schemaType: 'AVRO', version: 2 }] }, '$.produces[0].version', /inline/],
    ['unknown schemaType', { ...base, produces: [{ topic: 'a', schema: record, schemaType: 'PROTOBUF' }] }, '$.produces[0].schemaType', /AVRO, JSON/],
    ['unknown field', { ...base, consumes: [{ topic: 'a', subject: 's', version: 1, colour: 'red' }] }, '$.consumes[0].colour', /not a manifest field/],
    ['bad on_mismatch', { ...base, consumes: [{ topic: 'a', subject: 's', version: 1, on_mismatch: 'drop' }] }, '$.consumes[0].on_mismatch', /quarantine, reject/],
    ['trigger_topic on produces', { ...base, produces: [{ topic: 'a', subject: 's', version: 1, trigger_topic: 't' }] }, '$.produces[0].trigger_topic', /not a manifest field/],
    ['forward_to on produces', { ...base, produces: [{ topic: 'a', subject: 's', version: 1, forward_to: 'airflow' }] }, '$.produces[0].forward_to', /not a manifest field/],
    ['an unknown forward_to', { ...base, consumes: [{ topic: 'a', subject: 's', version: 1, forward_to: 'kafka' }] }, '$.consumes[0].forward_to', /topic, airflow/],
    ['forward_to airflow with a trigger_topic', { ...base, consumes: [{ topic: 'a', subject: 's', version: 1, forward_to: 'airflow', trigger_topic: 't' }] }, '$.consumes[0].trigger_topic', /not used with forward_to: airflow/],
    ['duplicate topic', { ...base, consumes: [{ topic: 'a', subject: 's', version: 1 }, { topic: 'persistent://public/default/a', subject: 's', version: 2 }] }, '$.consumes[1].topic', /again/],
    ['nothing consumed or produced', { ...base }, '$.consumes', /at least one/],
    ['inline schema text that is not JSON', { ...base, produces: [{ topic: 'a', schema: 'record {', schemaType: 'AVRO' }] }, '$.produces[0].schema', /not JSON/],
    ['dag_id with spaces', { ...base, dag_id: 'my dag', consumes: [{ topic: 'a', subject: 's', version: 1 }] }, '$.dag_id', /pattern/],
    ['not an object', ['a'], '$', /object/],
  ];
  it.each(cases)('%s', (_name, input, path, message) => {
    const problems = problemsOf(input);
    const hit = problems.find((p) => p.path === path);
    expect(hit, JSON.stringify(problems)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('reports YAML syntax errors at $', () => {
    expect(problemsOf('dag_id: [unclosed')[0]).toMatchObject({ path: '$', message: expect.stringMatching(/not valid YAML/) });
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ version: 1, consumes: [{ topic: '' }] }).length).toBeGreaterThanOrEqual(3);
  });

  it('turns JSON pointers into JSON paths', () => {
    expect(jsonPath('/consumes/0/topic')).toBe('$.consumes[0].topic');
    expect(jsonPath('/a~1b/2')).toBe('$["a/b"][2]');
  });
});

describe('contract identity', () => {
  const m1 = parseManifest({ ...base, consumes: [{ topic: 'a', subject: 's', version: 1 }, { topic: 'b', subject: 't', version: 'latest' }] });
  it('does not depend on entry order, key order or topic spelling', () => {
    const m2 = parseManifest({ version: '1.0.0', dag_id: 'd1', consumes: [{ version: 'latest', subject: 't', topic: 'public/default/b' }, { topic: 'persistent://public/default/a', subject: 's', version: 1 }] });
    expect(contractHash(contractIdentity(m2))).toBe(contractHash(contractIdentity(m1)));
  });
  it('changes with a version and says what differs', () => {
    const m3 = parseManifest({ ...base, consumes: [{ topic: 'a', subject: 's', version: 2 }, { topic: 'b', subject: 't', version: 'latest' }] });
    expect(contractHash(contractIdentity(m3))).not.toBe(contractHash(contractIdentity(m1)));
    expect(diffIdentities(contractIdentity(m1), contractIdentity(m3))).toEqual([
      { path: '$.consumes[topic=persistent://public/default/a].version', change: 'changed', before: 1, after: 2 },
    ]);
  });
  it('treats inline schemas by content, not by text layout', () => {
    const a = parseManifest({ ...base, produces: [{ topic: 'x', schema: record, schemaType: 'AVRO' }] });
    const b = parseManifest({ ...base, produces: [{ topic: 'x', schema: JSON.stringify(record, null, 4), schemaType: 'AVRO' }] });
    expect(contractHash(contractIdentity(a))).toBe(contractHash(contractIdentity(b)));
  });
  it('includes a binding\'s forward_to only when it is given', () => {
    const plain = parseManifest({ ...base, consumes: [{ topic: 'a', subject: 's', version: 1 }] });
    const airflow = parseManifest({ ...base, consumes: [{ topic: 'a', subject: 's', version: 1, forward_to: 'airflow' }] });
    expect(airflow.consumes[0]).toMatchObject({ forwardTo: 'airflow' });
    expect(contractIdentity(plain).consumes[0]).not.toHaveProperty('forward_to');
    expect(diffIdentities(contractIdentity(plain), contractIdentity(airflow))).toEqual([
      { path: '$.consumes[topic=persistent://public/default/a].forward_to', change: 'changed', after: 'airflow' },
    ]);
  });
  it('includes an inline schema\'s references only when it has some, so older contracts keep their hash', () => {
    const plain = parseManifest({ ...base, produces: [{ topic: 'x', schema: record, schemaType: 'AVRO' }] });
    const empty = parseManifest({ ...base, produces: [{ topic: 'x', schema: record, schemaType: 'AVRO', references: [] }] });
    const referenced = parseManifest({ ...base, produces: [{ topic: 'x', schema: record, schemaType: 'AVRO', references: [{ name: 'a.B', subject: 'b', version: 1 }] }] });
    expect(contractIdentity(plain).produces[0]).not.toHaveProperty('references');
    expect(contractHash(contractIdentity(empty))).toBe(contractHash(contractIdentity(plain)));
    expect(diffIdentities(contractIdentity(plain), contractIdentity(referenced))).toEqual([
      { path: '$.produces[topic=persistent://public/default/x].references', change: 'changed', after: [{ name: 'a.B', subject: 'b', version: 1 }] },
    ]);
  });
});

describe('readManifestText', () => {
  it('a multi-document text says to send one manifest per request, not a library message', async () => {
    const { readManifestText } = await import('../../../src/core/contracts/manifest.js');
    expect(() => readManifestText(readFileSync('examples/three-dags.yaml', 'utf8'))).toThrow(/holds 3 YAML documents; send one manifest per request/);
  });
});
