// Histograms kept by hand and registered with prom-client's registry, which renders them in the same
// text format as its own. For values observed on every message or request: prom-client's Histogram
// turns its arguments into a label object, validates and hashes it on every observe(); here an
// observation is a bucket search and three stores. test/unit/support/histogram.test.ts and
// test/unit/http/request-durations.test.ts check the text against prom-client's own Histogram.
import type { Registry } from 'prom-client';

/** One value prom-client's registry renders: a bucket, the sum or the count of a series. */
export interface MetricValue { labels: Record<string, string | number>; value: number; metricName: string }

/** One series' observations: counts per bucket (not cumulative; the last slot is +Inf), their sum and number. */
export class BucketCounts {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(private readonly buckets: readonly number[]) {
    this.counts = new Float64Array(buckets.length + 1);
  }

  observe(value: number): void {
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** The series as prom-client's histograms give it: cumulative buckets (`le` first), then sum and count. */
  values(name: string, labels: Record<string, string>): MetricValue[] {
    const out: MetricValue[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += this.counts[i]!;
      out.push({ labels: { le: i < this.buckets.length ? this.buckets[i]! : '+Inf', ...labels }, value: cumulative, metricName: `${name}_bucket` });
    }
    out.push({ labels, value: this.sum, metricName: `${name}_sum` });
    out.push({ labels, value: this.count, metricName: `${name}_count` });
    return out;
  }
}

/** A histogram without labels. */
export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private series: BucketCounts;

  constructor(readonly name: string, readonly help: string, private readonly buckets: readonly number[], registers: readonly Registry[] = []) {
    this.series = new BucketCounts(buckets);
    for (const registry of registers) registry.registerMetric(this as never);
  }

  observe(value: number): void {
    this.series.observe(value);
  }

  /** What prom-client's registry renders: the shape of its own histograms' get(). */
  get() {
    return { name: this.name, help: this.help, type: this.type, values: this.series.values(this.name, {}), aggregator: this.aggregator };
  }

  reset(): void {
    this.series = new BucketCounts(this.buckets);
  }
}
