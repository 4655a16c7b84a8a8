// Side-by-side line diff of two schema texts (pretty-printed JSON): a longest-common-subsequence over
// lines, rendered as two columns where removed/added lines are marked (colour and a -/+ sign, so the
// difference does not rest on colour alone).
import { h } from './dom.js';

type Op = { kind: 'same' | 'del' | 'add'; left?: string; right?: string };

export function pretty(text: string): string {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

export function lineDiff(a: string[], b: string[]): Op[] {
  const n = a.length, m = b.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  }
  const ops: Op[] = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { ops.push({ kind: 'same', left: a[i], right: b[j] }); i++; j++; }
    else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) ops.push({ kind: 'del', left: a[i++] });
    else ops.push({ kind: 'add', right: b[j++] });
  }
  while (i < n) ops.push({ kind: 'del', left: a[i++] });
  while (j < m) ops.push({ kind: 'add', right: b[j++] });
  return ops;
}

/** Two columns; `leftTitle` and `rightTitle` name them. Returns the element and how many lines differ. */
export function sideBySide(leftTitle: string, leftText: string, rightTitle: string, rightText: string): HTMLElement {
  const ops = lineDiff(pretty(leftText).split('\n'), pretty(rightText).split('\n'));
  // Pair a run of deletions with the additions that follow, so changed lines sit side by side.
  const rows: Array<{ left?: string; right?: string; kind: string }> = [];
  for (let k = 0; k < ops.length;) {
    const op = ops[k]!;
    if (op.kind === 'same') { rows.push({ left: op.left, right: op.right, kind: 'same' }); k++; continue; }
    const dels: string[] = [], adds: string[] = [];
    while (k < ops.length && ops[k]!.kind === 'del') dels.push(ops[k++]!.left!);
    while (k < ops.length && ops[k]!.kind === 'add') adds.push(ops[k++]!.right!);
    for (let x = 0; x < Math.max(dels.length, adds.length); x++) rows.push({ left: dels[x], right: adds[x], kind: 'change' });
  }
  const changed = rows.filter((r) => r.kind !== 'same').length;
  const cell = (text: string | undefined, side: 'left' | 'right', kind: string) => {
    const mark = kind === 'same' || text === undefined ? 'same' : side === 'left' ? 'del' : 'add';
    return h('td', { class: `diff-${mark}` },
      h('span', { class: 'diff-sign', 'aria-hidden': 'true' }, mark === 'del' ? '−' : mark === 'add' ? '+' : ' '),
      mark === 'del' ? h('span', { class: 'visually-hidden' }, 'only on the left: ') : mark === 'add' ? h('span', { class: 'visually-hidden' }, 'only on the right: ') : null,
      text ?? '');
  };
  return h('div', { class: 'diff' },
    h('p', { class: 'diff-summary' }, changed ? `${changed} line(s) differ` : 'The two schemas are identical line by line.'),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': `${leftTitle} beside ${rightTitle}`, tabindex: '0' },
      h('table', { class: 'diff-table' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, leftTitle), h('th', { scope: 'col' }, rightTitle))),
        h('tbody', null, rows.map((r) => h('tr', { class: r.kind === 'same' ? null : 'diff-row-changed' }, cell(r.left, 'left', r.kind), cell(r.right, 'right', r.kind)))))));
}
