// PlainHistogram (src/support/histogram.ts) must read, through prom-client's registry, exactly as
// prom-client's own unlabeled Histogram reads for the same observations.
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PlainHistogram } from '../../../src/support/histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const cases: Array<{ name: string; observations: number[] }> = [
  { name: 'nothing observed', observations: [] },
  { name: 'one value', observations: [0.0003] },
  { name: 'bucket edges, between edges, zero, +Inf', observations: [0.0005, 0.00050001, 0.001, 0, 30, 30.5, 1e9, 0.07, 2.5, 2.4999] },
  { name: 'many of one value', observations: Array.from({ length: 1000 }, () => 0.004) },
];

describe('PlainHistogram', () => {
  it.each(cases)('renders as prom-client renders its own histogram: $name', async ({ observations }) => {
    const ours = new Registry();
    const plain = new PlainHistogram('dagpact_test_seconds', 'A test histogram', BUCKETS, [ours]);
    const reference = new Registry();
    const histogram = new Histogram({ name: 'dagpact_test_seconds', help: 'A test histogram', buckets: BUCKETS, registers: [reference] });
    for (const v of observations) {
      plain.observe(v);
      histogram.observe(v);
    }
    expect(await ours.metrics()).toBe(await reference.metrics());
  });

  it('starts again from zero on reset', async () => {
    const registry = new Registry();
    const plain = new PlainHistogram('dagpact_test_seconds', 'A test histogram', BUCKETS, [registry]);
    plain.observe(0.2);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('dagpact_test_seconds_count 0');
    expect(await registry.metrics()).toContain('dagpact_test_seconds_bucket{le="0.25"} 0');
  });
});
