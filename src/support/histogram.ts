// A histogram without labels, kept by hand and registered with prom-client's registry, which renders it
// in the same text format as its own. For values observed on every message: prom-client's Histogram
// turns its arguments into a label object, validates and hashes it on every observe(); here an
// observation is a bucket search and three stores. test/unit/support/histogram.test.ts checks the text
// against prom-client's own Histogram for the same observations.
import type { Registry } from 'prom-client';

export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(readonly name: string, readonly help: string, private readonly buckets: readonly number[], registers: readonly Registry[] = []) {
    this.counts = new Float64Array(buckets.length + 1);
    for (const registry of registers) registry.registerMetric(this as never);
  }

  observe(value: number): void {
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** What prom-client's registry renders: the shape of its own histograms' get(). */
  get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += this.counts[i]!;
      values.push({ labels: { le: i < this.buckets.length ? this.buckets[i]! : '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` });
    }
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.counts = new Float64Array(this.buckets.length + 1);
    this.sum = 0;
    this.count = 0;
  }
}
