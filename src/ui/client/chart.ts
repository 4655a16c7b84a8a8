// Held messages per reason over time as an inline SVG stacked bar chart, with a legend and a table
// fallback (screen readers and exact numbers).
import { h, s } from './dom.js';

const PALETTE = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0f766e', '#a16207', '#475569'];

export interface SeriesPoint { at: string; reason_code: string; count: number }

export function reasonColours(reasons: string[]): Map<string, string> {
  return new Map(reasons.map((r, i) => [r, PALETTE[i % PALETTE.length]!]));
}

export function stackedBars(title: string, series: SeriesPoint[], bucketMs: number, since: Date, until: Date): HTMLElement {
  const reasons = [...new Set(series.map((p) => p.reason_code))].sort();
  const colours = reasonColours(reasons);
  const start = Math.floor(since.getTime() / bucketMs) * bucketMs;
  const buckets = Math.max(1, Math.ceil((until.getTime() - start) / bucketMs));
  const totals = new Array<number>(buckets).fill(0);
  const byBucket = new Map<number, SeriesPoint[]>();
  for (const p of series) {
    const i = Math.floor((new Date(p.at).getTime() - start) / bucketMs);
    if (i < 0 || i >= buckets) continue;
    totals[i]! += p.count;
    byBucket.set(i, [...(byBucket.get(i) ?? []), p]);
  }
  const max = Math.max(1, ...totals);
  const W = 720, H = 200, padL = 40, padB = 24, plotW = W - padL - 8, plotH = H - padB - 8;
  const bw = plotW / buckets;
  const bars: SVGElement[] = [];
  for (const [i, points] of byBucket) {
    let y = 8 + plotH;
    for (const p of points.sort((a, b) => a.reason_code.localeCompare(b.reason_code))) {
      const bh = (p.count / max) * plotH;
      y -= bh;
      bars.push(s('rect', { x: String(padL + i * bw + 0.5), y: String(y), width: String(Math.max(1, bw - 1)), height: String(bh), fill: colours.get(p.reason_code)! },
        s('title', null, `${new Date(start + i * bucketMs).toISOString()}: ${p.count} ${p.reason_code}`)));
    }
  }
  const total = series.reduce((n, p) => n + p.count, 0);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc', class: 'chart' },
    s('title', { id: 'chart-title' }, title),
    s('desc', { id: 'chart-desc' }, `${total} messages in ${buckets} buckets; highest bucket ${Math.max(...totals)}.`),
    s('line', { x1: String(padL), y1: String(8 + plotH), x2: String(W - 8), y2: String(8 + plotH), stroke: '#555' }),
    s('text', { x: String(padL - 4), y: '16', 'text-anchor': 'end', class: 'axis' }, String(max)),
    s('text', { x: String(padL - 4), y: String(8 + plotH), 'text-anchor': 'end', class: 'axis' }, '0'),
    s('text', { x: String(padL), y: String(H - 6), class: 'axis' }, since.toISOString().slice(0, 16).replace('T', ' ')),
    s('text', { x: String(W - 8), y: String(H - 6), 'text-anchor': 'end', class: 'axis' }, 'now'),
    bars);
  return h('figure', { class: 'chart-figure' }, svg,
    h('figcaption', null, reasons.length
      ? h('ul', { class: 'legend' }, reasons.map((r) => h('li', null,
        h('span', { class: `swatch swatch-${PALETTE.indexOf(colours.get(r)!)}`, 'aria-hidden': 'true' }), r,
        ` (${series.filter((p) => p.reason_code === r).reduce((n, p) => n + p.count, 0)})`)))
      : 'No messages held in this period.'));
}
