// The contract hash a DAG declares (dagpact-airflow, Python) is the one dagpact stores: for each
// manifest, `dagpact-airflow hash` (the installed wheel) must print exactly what the server computes
// (contractHash(contractIdentity(parseManifest(text)))) and what POST /v1/dags stores as contract_hash.
// The manifests are chosen where a Python reading could differ from the server's: YAML 1.1 vs 1.2
// scalars (on/off/yes/no, 010, 1e3, dates), JavaScript number text (1.0, 1e21, 1e-7, 2^53+1),
// Unicode and escapes, key order, defaults, short topic names, inline schemas given as JSON text.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractHash, contractIdentity } from '../../../src/core/contracts/identity.js';
import { parseManifest } from '../../../src/core/contracts/manifest.js';
import { adminHeaders, buildTestApp, type TestApp } from '../../support/app.js';
import { DAGPACT_AIRFLOW, dagpactVenv, exec, ROOT } from './support.js';

const CASES: Array<{ name: string; text: string; register?: boolean }> = [
  { name: 'the example manifest', text: readFileSync(join(ROOT, 'examples/contract.yaml'), 'utf8') },
  {
    name: 'YAML 1.1 look-alikes and JavaScript numbers in an inline Avro schema',
    text: `
dag_id: hash_avro
version: "1.0"
airflow_version_number: 010
consumes:
  - topic: hash-in
    schemaType: AVRO
    schema:
      type: record
      name: Reading
      namespace: t.hash
      doc: "Größe 🚀 \\"quoted\\"\\nnext line\\ttab \\u0001"
      fields:
        - { name: state, type: { type: enum, name: State, symbols: [on, off, yes, no, Y, N] } }
        - { name: when, type: string, default: 2026-11-25 }
        - { name: ratio, type: double, default: 1e3 }
        - { name: exact, type: double, default: 1.0 }
        - { name: tiny, type: double, default: 1e-7 }
        - { name: huge, type: double, default: 1.5e21 }
        - { name: big, type: long, default: 9007199254740993 }
        - { name: count, type: int, default: 010 }
        - { name: hex, type: int, default: 0x1F }
        - { name: nothing, type: ["null", string], default: ~ }
`,
  },
  {
    name: 'an inline JSON Schema with keys out of order and numbers of every shape',
    text: `
dag_id: hash_json
version: v1
on_mismatch: reject
consumes:
  - topic: t1/ns1/hash-json
    schemaType: JSON
    trigger_topic: hash-json-trigger
    schema:
      type: object
      required: [z, a]
      properties:
        z: { type: number, minimum: 0.000001, maximum: 1e21, multipleOf: 0.01 }
        a: { type: string, enum: ["on", "off", yes, no, "~"] }
        "é": { const: "ü" }
        "ab": { type: integer, maximum: -0 }
      additionalProperties: false
`,
    register: false, // the namespace's topic is not needed for the hash; registration is shown below
  },
  {
    name: 'an inline schema given as JSON text',
    text: `
dag_id: hash_text
version: v1
produces:
  - topic: persistent://public/default/hash-text
    subject: hash-text-value
    schemaType: AVRO
    schema: '{"type":"record","name":"T","fields":[{"name":"id","type":"long","default":1.0}]}'
`,
  },
  {
    name: 'references, defaults and forward_to',
    text: `
dag_id: hash_refs
version: v1
consumes:
  - { topic: hash-ref-a, subject: hash-ref-value, version: 1, forward_to: airflow }
  - { topic: non-persistent://public/default/hash-ref-b, subject: hash-ref-value, version: latest, on_mismatch: reject }
produces:
  - { topic: hash-ref-c, subject: hash-ref-value, version: 1 }
`,
  },
];

let t: TestApp;
let dir: string;

beforeAll(async () => {
  await dagpactVenv();
  dir = mkdtempSync(join(tmpdir(), 'hash-'));
  t = await buildTestApp();
  const ref = { type: 'record', name: 'Ref', namespace: 't.hash', fields: [{ name: 'id', type: 'long' }] };
  for (const subject of ['orders-created-value', 'customers-value', 'hash-ref-value']) {
    for (let v = 0; v < (subject === 'customers-value' ? 3 : 1); v++) {
      const schema = { ...ref, fields: [...ref.fields, ...Array.from({ length: v }, (_, i) => ({ name: `f${i}`, type: 'string', default: '' }))] };
      const res = await t.app.inject({ method: 'POST', url: `/v1/subjects/${subject}/versions`, headers: adminHeaders, payload: { schema: JSON.stringify(schema), format: 'AVRO' } });
      expect(res.statusCode, res.body).toBe(201);
    }
  }
}, 1_200_000);
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('contract hash: dagpact-airflow (Python) = dagpact (server)', () => {
  it.each(CASES)('$name', async ({ name, text, register }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const server = contractHash(contractIdentity(parseManifest(text)));
    const py = await exec(DAGPACT_AIRFLOW, ['hash', file]);
    expect(py.code, py.stderr).toBe(0);
    expect(py.stdout.split(/\s+/)[0]).toBe(server);
    if (register === false) return;
    const res = await t.app.inject({ method: 'POST', url: '/v1/dags', headers: adminHeaders, payload: { manifest: text } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<{ contract_hash: string }>().contract_hash).toBe(server);
  });

  it('a hash computed the YAML 1.1 way (PyYAML safe_load) would differ: the cases can fail', async () => {
    const text = CASES[1]!.text.replace(/^.*name: when.*\n/m, ''); // PyYAML makes the date a date object
    const file = join(dir, 'yaml11.yaml');
    writeFileSync(file, text);
    const res = await exec(await dagpactVenv(), ['-c', 'import sys, yaml\nfrom dagpact_airflow.contract import parse_manifest\nprint(parse_manifest(yaml.safe_load(open(sys.argv[1]).read())).contract_hash)', file]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).not.toBe(contractHash(contractIdentity(parseManifest(text))));
  });
});
