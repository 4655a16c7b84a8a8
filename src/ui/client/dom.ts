// A tiny hyperscript: h('a', { href, class, onclick }, ...children) builds real DOM nodes. No virtual
// DOM and no framework: each page renders once per navigation, and text always goes in as text nodes
// (never innerHTML), so data from the API cannot inject markup.
export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

function append(parent: Node, child: Child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { for (const c of child) append(parent, c); return; }
  parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
}

function apply(el: Element, attrs: Attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (key === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

export function h(tag: string, attrs: Attrs | null = null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  if (attrs) apply(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag: string, attrs: Attrs | null = null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) apply(el, attrs);
  append(el, children);
  return el;
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A table inside a horizontally scrolling region (narrow screens), with a caption for screen readers. */
export function table(caption: string, head: string[], rows: Child[][], opts: { id?: string } = {}): HTMLElement {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h('table', opts.id ? { id: opts.id } : null,
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.length
        ? rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))
        : h('tr', null, h('td', { colspan: String(head.length), class: 'empty' }, 'Nothing here.')))));
}

export function badge(text: string, kind: 'ok' | 'bad' | 'warn' | 'info' = 'info'): HTMLElement {
  return h('span', { class: `badge badge-${kind}` }, text);
}

export function pre(value: unknown, label: string): HTMLElement {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return h('pre', { class: 'code', tabindex: '0', 'aria-label': label }, text);
}

export const enc = encodeURIComponent;
