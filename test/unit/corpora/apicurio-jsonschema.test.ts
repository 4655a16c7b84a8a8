// Apicurio Registry's JSON Schema compatibility corpus (see shared/corpora/README.md for the label
// semantics). B = backwardIssues(reader=updated, writer=original) is empty, F = the same swapped;
// "backward" passes iff B && !F, "both" iff B && F, "none" iff !B && !F. Cases where dagpact
// deliberately disagrees are listed below and explained in docs/adr/0004-json-schema-compatibility.md.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeJsonSchemaProvider } from '../../../src/core/formats/json-schema/provider.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const file = path.resolve(repoRoot, '..', 'shared', 'corpora', 'apicurio-jsonschema-compatibility.json');

interface Case { id: string; enabled: boolean; compatibility: 'backward' | 'both' | 'none'; original: unknown; updated: unknown }
const corpus = JSON.parse(readFileSync(file, 'utf8')) as { tests: Case[] };
const provider = makeJsonSchemaProvider();
const keyOf = (c: Case) => `${c.id} [${c.compatibility}]`;

/**
 * Cases where dagpact's verdict differs from Apicurio's label, keyed "id [label]" (ids repeat).
 * Each has a witness: a value that proves dagpact's B or F verdict (or, for "Const", that neither
 * schema accepts its own const, so each accepts nothing and compatibility holds vacuously).
 */
const DISAGREEMENTS: Record<string, { dagpact: string; witness: { value: unknown; original: boolean; updated: boolean } }> = {
  // Both schemas accept no instance at all ("const" is an array under "type": "string").
  'Const [none]': { dagpact: 'both', witness: { value: ['π'], original: false, updated: false } },
  // "abcdefg" matches only the first branch of the original but both branches of the updated oneOf.
  'Complex: oneOf 1 [backward]': { dagpact: 'none', witness: { value: 'abcdefg', original: true, updated: false } },
  // "ab" is valid under oneOf[string] but matches both branches of oneOf[string, {maxLength: 5}].
  'Complex: oneOf 3 [backward]': { dagpact: 'none', witness: { value: 'ab', original: true, updated: false } },
};

function verdict(c: Case): string {
  const original = provider.parse(JSON.stringify(c.original));
  const updated = provider.parse(JSON.stringify(c.updated));
  const b = provider.backwardIssues(updated, original).length === 0;
  const f = provider.backwardIssues(original, updated).length === 0;
  return b && f ? 'both' : b ? 'backward' : f ? 'forward' : 'none';
}

describe('Apicurio JSON Schema compatibility corpus', () => {
  const enabled = corpus.tests.filter((c) => c.enabled);
  const results = enabled.map((c) => ({ c, got: verdict(c) }));
  const failing = results.filter((r) => r.got !== r.c.compatibility);
  // eslint-disable-next-line no-console
  console.log(`Apicurio JSON Schema corpus: ${results.length - failing.length}/${results.length} agree with the labels ` +
    `(${(((results.length - failing.length) / results.length) * 100).toFixed(1)}%)`);

  it('has the 133 enabled cases the README describes', () => expect(enabled).toHaveLength(133));

  it('disagrees only on the listed cases, and each listed case still disagrees', () => {
    const found = Object.fromEntries(failing.map((r) => [keyOf(r.c), r.got]));
    expect(found).toEqual(Object.fromEntries(Object.entries(DISAGREEMENTS).map(([k, v]) => [k, v.dagpact])));
  });

  for (const [key, { witness }] of Object.entries(DISAGREEMENTS)) {
    it(`witness for ${key}`, () => {
      const c = enabled.find((x) => keyOf(x) === key)!;
      const payload = new TextEncoder().encode(JSON.stringify(witness.value));
      expect(provider.checkPayload(payload, provider.parse(JSON.stringify(c.original))).ok).toBe(witness.original);
      expect(provider.checkPayload(payload, provider.parse(JSON.stringify(c.updated))).ok).toBe(witness.updated);
    });
  }

  it('pass rate stays above 95%', () => expect((results.length - failing.length) / results.length).toBeGreaterThan(0.95));
});
