// dagpact's Avro verdicts against Apache Avro's own checker, as run by the real Pulsar broker:
// for each generated (writer, reader) pair, the writer is registered on a fresh topic of a
// namespace whose strategy is BACKWARD, and POST .../compatibility is asked about the reader.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAvroProvider } from '../../../src/core/formats/avro/provider.js';
import { makePulsarAdmin } from '../../../src/pulsar-admin/admin-client.js';
import { generateAvroPairs } from '../../support/avro-pairs.js';

const admin = makePulsarAdmin({ url: process.env.TEST_PULSAR_ADMIN_URL ?? process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080', token: process.env.PULSAR_ADMIN_TOKEN });

/** Pairs where dagpact deliberately differs from Avro's checker, with the reason (see docs/adr/0003). */
const EXPLAINED_DIFFERENCES: Record<string, string> = {};

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
      const issues = avro.backwardIssues(avro.parse(pair.reader), avro.parse(pair.writer));
      return { pair, pulsar: pulsar.compatible, dagpact: issues.length === 0, issues, reason: pulsar.reason };
    });

    const disagreements = results.filter((r) => r.pulsar !== r.dagpact);
    const unexplained = disagreements.filter((r) => !(r.pair.name in EXPLAINED_DIFFERENCES));
    const agree = results.length - disagreements.length;
    console.log(`pulsar avro oracle: ${agree}/${results.length} agree (${results.filter((r) => r.pulsar).length} compatible per Pulsar)`);
    for (const d of unexplained) {
      console.log(`DISAGREE ${d.pair.name}: pulsar=${d.pulsar} dagpact=${d.dagpact}\n  writer ${d.pair.writer}\n  reader ${d.pair.reader}\n  dagpact issues ${JSON.stringify(d.issues)}\n  pulsar ${d.reason ?? ''}`);
    }
    expect(unexplained.map((d) => `${d.pair.name}: pulsar=${d.pulsar} dagpact=${d.dagpact}`)).toEqual([]);
    // Both verdicts occur in numbers: a generator that only made compatible pairs would prove little.
    expect(results.filter((r) => r.pulsar).length).toBeGreaterThan(50);
    expect(results.filter((r) => !r.pulsar).length).toBeGreaterThan(50);
  });
});
