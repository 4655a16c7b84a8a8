// Apicurio Registry's Avro compatibility corpus, read the way Apicurio's CompatibilityTestExecutor
// reads it (see /work/shared/corpora/README.md): B = updated reads original, F = original reads
// updated; "backward" needs B && !F, "both" B && F, "none" !B && !F.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeAvroProvider } from '../../../src/core/formats/avro/provider.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpusFile = path.resolve(repoRoot, '..', 'shared', 'corpora', 'apicurio-avro-compatibility.json');

interface CorpusCase { id: string; enabled: boolean; compatibility: 'backward' | 'both' | 'none'; original: unknown; updated: unknown }
const corpus = JSON.parse(readFileSync(corpusFile, 'utf8')) as { tests: CorpusCase[] };
const cases = corpus.tests.filter((c) => c.enabled);

/** Cases dagpact deliberately decides differently, with the reason (docs/adr/0003). None so far. */
const EXPLAINED: Record<string, string> = {};

describe('Apicurio Avro compatibility corpus', () => {
  const avro = makeAvroProvider();
  const verdict = (c: CorpusCase) => {
    const original = avro.parse(JSON.stringify(c.original));
    const updated = avro.parse(JSON.stringify(c.updated));
    const b = avro.backwardIssues(updated, original).length === 0;
    const f = avro.backwardIssues(original, updated).length === 0;
    const pass = c.compatibility === 'backward' ? b && !f : c.compatibility === 'both' ? b && f : !b && !f;
    return { b, f, pass };
  };

  it.each(cases.map((c, i) => ({ ...c, label: `${i}: ${c.id}` })))('$label ($compatibility)', (c) => {
    const { b, f, pass } = verdict(c);
    if (!pass && c.id in EXPLAINED) return;
    expect({ B: b, F: f, pass }).toMatchObject({ pass: true });
  });

  it('passes the whole corpus', () => {
    expect(cases.length).toBeGreaterThan(0);
    const passed = cases.filter((c) => verdict(c).pass || c.id in EXPLAINED).length;
    console.log(`apicurio avro corpus: ${passed}/${cases.length} pass (${((100 * passed) / cases.length).toFixed(1)}%)`);
    expect(passed).toBe(cases.length);
  });
});
