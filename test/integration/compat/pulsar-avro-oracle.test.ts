// dagpact's Avro verdicts against Apache Avro's own checker, as run by the real Pulsar broker:
// for each generated (writer, reader) pair, the writer is registered on a fresh topic of a
// namespace whose strategy is BACKWARD, and POST .../compatibility is asked about the reader.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAvroProvider, type AvroNative } from '../../../src/core/formats/avro/provider.js';
import { resolutionIssues } from '../../../src/core/formats/avro/resolution.js';
import type { ParsedSchema } from '../../../src/core/formats/types.js';
import { makePulsarAdmin } from '../../../src/pulsar-admin/admin-client.js';
import { generateAvroPairs } from '../../support/avro-pairs.js';

const admin = makePulsarAdmin({ url: process.env.TEST_PULSAR_ADMIN_URL ?? process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080', token: process.env.PULSAR_ADMIN_TOKEN });

/**
 * dagpact judges by Avro's SchemaCompatibility (as Confluent and Apicurio do); the broker runs Avro's
 * SchemaValidator, which ignores record names (choosing union branches by structure) and unknown enum
 * symbols (docs/adr/0003). A difference is explained only when dagpact's model of the validator
 * (the `pulsar-validator` dialect) reproduces the broker's verdict exactly, and names the rules behind it.
 */
function validatorVerdict(reader: ParsedSchema, writer: ParsedSchema): boolean {
  return resolutionIssues((reader.native as AvroNative).root, (writer.native as AvroNative).root, 'pulsar-validator').length === 0;
}
function explain(modelled: boolean, pulsar: boolean): string | undefined {
  if (modelled !== pulsar) return undefined;
  return pulsar ? 'the validator ignores record names (choosing union branches by structure) and unknown enum symbols'
    : 'the validator is stricter here than SchemaCompatibility';
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  }
  return out;
}

describe('Avro verdicts agree with the Pulsar broker (Apache Avro SchemaCompatibility)', () => {
  it('on a few hundred generated pairs under BACKWARD', async () => {
    const avro = makeAvroProvider();
    const pairs = generateAvroPairs();
    expect(pairs.length).toBeGreaterThanOrEqual(300);
    const ns = `public/oracle-${randomBytes(3).toString('hex')}`;
    await admin.createNamespace(ns);
    await admin.setSchemaCompatibilityStrategy(ns, 'BACKWARD');

    const results = await inBatches(pairs, 8, async (pair, i) => {
      const topic = `persistent://${ns}/pair-${i}`;
      await admin.postSchema(topic, { type: 'AVRO', schema: pair.writer });
      const pulsar = await admin.testCompatibility(topic, { type: 'AVRO', schema: pair.reader });
      const reader = avro.parse(pair.reader);
      const writer = avro.parse(pair.writer);
      const issues = avro.backwardIssues(reader, writer);
      const dagpact = issues.length === 0;
      const modelled = validatorVerdict(reader, writer);
      const explained = dagpact === pulsar.compatible ? undefined : explain(modelled, pulsar.compatible);
      return { pair, pulsar: pulsar.compatible, dagpact, modelled, issues, reason: pulsar.reason, explained };
    });

    const disagreements = results.filter((r) => r.pulsar !== r.dagpact);
    const unexplained = disagreements.filter((r) => r.explained === undefined);
    const agree = results.length - disagreements.length;
    console.log(`pulsar avro oracle: ${agree}/${results.length} agree (${results.filter((r) => r.pulsar).length} compatible per Pulsar); ` +
      `${disagreements.length - unexplained.length} explained differences, ${unexplained.length} unexplained`);
    for (const d of disagreements.filter((r) => r.explained !== undefined)) {
      console.log(`EXPLAINED ${d.pair.name}: pulsar=${d.pulsar} dagpact=${d.dagpact} (${d.explained}; dagpact rules ${d.issues.map((i) => i.rule).join(', ') || 'none'})`);
    }
    for (const d of unexplained) {
      console.log(`DISAGREE ${d.pair.name}: pulsar=${d.pulsar} dagpact=${d.dagpact}\n  writer ${d.pair.writer}\n  reader ${d.pair.reader}\n  dagpact issues ${JSON.stringify(d.issues)}\n  pulsar ${d.reason ?? ''}`);
    }
    expect(unexplained.map((d) => `${d.pair.name}: pulsar=${d.pulsar} dagpact=${d.dagpact}`)).toEqual([]);
    // The model of the broker's validator must match the broker on every pair, not only the explained ones.
    const modelMisses = results.filter((r) => r.modelled !== r.pulsar);
    console.log(`pulsar-validator dialect: ${results.length - modelMisses.length}/${results.length} agree with the broker`);
    expect(modelMisses.map((d) => `${d.pair.name}: pulsar=${d.pulsar} modelled=${d.modelled}`)).toEqual([]);
    // Both verdicts occur in numbers: a generator that only made compatible pairs would prove little.
    expect(results.filter((r) => r.pulsar).length).toBeGreaterThan(50);
    expect(results.filter((r) => !r.pulsar).length).toBeGreaterThan(50);
  });
});
