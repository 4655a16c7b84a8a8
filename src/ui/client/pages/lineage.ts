// Lineage: topic → DAG version → produced topic → DAG … for one environment, from the active versions'
// contracts, drawn as an SVG in layers (left to right). Every node is a link: topics to their subject,
// DAG versions to their page.
import { api } from '../api.js';
import { enc, h, s } from '../dom.js';
import type { PageContext } from '../main.js';
import type { ActiveList } from './types.js';

interface Node { id: string; kind: 'topic' | 'dag'; label: string; href: string; layer: number; row: number }

export function buildGraph(active: ActiveList) {
  const nodes = new Map<string, Node>();
  const edges: Array<[string, string]> = [];
  const topic = (name: string, subject: string, version: number) => {
    const id = `t:${name}`;
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'topic', label: name.replace(/^persistent:\/\/[^/]+\/[^/]+\//, ''), href: `#/schemas/${enc(subject)}?to=${version}`, layer: 0, row: 0 });
    return id;
  };
  for (const { dag_version: v } of active.active) {
    const id = `d:${v.dag_id}@${v.version}`;
    nodes.set(id, { id, kind: 'dag', label: `${v.dag_id}@${v.version}`, href: `#/dags/${enc(v.dag_id)}/${enc(v.version)}`, layer: 1, row: 0 });
    for (const c of v.consumes) edges.push([topic(c.topic, c.subject, c.version), id]);
    for (const p of v.produces) edges.push([id, topic(p.topic, p.subject, p.version)]);
  }
  // Longest path from a source, bounded so a cycle (a DAG consuming what it produces) cannot loop forever.
  for (const n of nodes.values()) n.layer = n.kind === 'topic' ? 0 : 1;
  for (let pass = 0; pass < nodes.size; pass++) {
    let moved = false;
    for (const [a, b] of edges) {
      const from = nodes.get(a)!, to = nodes.get(b)!;
      if (to.layer < from.layer + 1 && from.layer + 1 < nodes.size * 2) { to.layer = from.layer + 1; moved = true; }
    }
    if (!moved) break;
  }
  const layers = new Map<number, Node[]>();
  for (const n of nodes.values()) layers.set(n.layer, [...(layers.get(n.layer) ?? []), n]);
  for (const list of layers.values()) list.sort((x, y) => x.label.localeCompare(y.label)).forEach((n, i) => { n.row = i; });
  return { nodes: [...nodes.values()], edges };
}

export async function lineagePage(ctx: PageContext): Promise<HTMLElement> {
  const { environments } = await api.get<{ environments: Array<{ name: string }> }>('/v1/environments').then((r) => ({ environments: r.environments.map((e) => e.name) }));
  const env = ctx.params.get('environment') ?? environments[0];
  const picker = h('form', { class: 'filters', 'aria-label': 'Choose an environment', onsubmit: (e: Event) => {
    e.preventDefault();
    location.hash = `#/lineage?environment=${enc(String(new FormData(e.target as HTMLFormElement).get('environment')))}`;
  } }, h('div', { class: 'field' }, h('label', { for: 'f-environment' }, 'Environment'),
    h('select', { id: 'f-environment', name: 'environment' }, environments.map((e) => h('option', { value: e, ...(e === env ? { selected: true } : {}) }, e)))),
  h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, 'Show')));
  if (!env) return h('section', null, h('h1', null, 'Lineage'), h('p', null, 'No environment has a deployment yet.'));

  const active = await api.get<ActiveList>(`/v1/environments/${enc(env)}/active`);
  const { nodes, edges } = buildGraph(active);
  const COL = 260, ROW = 64, NW = 220, NH = 40, PAD = 16;
  const layers = Math.max(1, ...nodes.map((n) => n.layer + 1));
  const rows = Math.max(1, ...nodes.map((n) => n.row + 1));
  const W = PAD * 2 + (layers - 1) * COL + NW, H = PAD * 2 + (rows - 1) * ROW + NH;
  const pos = (n: Node) => ({ x: PAD + n.layer * COL, y: PAD + n.row * ROW });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: String(W), height: String(H), role: 'group', 'aria-label': `Lineage in ${env}`, class: 'lineage', id: 'lineage-graph' },
    s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '8', markerHeight: '8', orient: 'auto-start-reverse' },
      s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#444' }))),
    edges.map(([a, b]) => {
      const p = pos(byId.get(a)!), q = pos(byId.get(b)!);
      const x1 = p.x + NW, y1 = p.y + NH / 2, x2 = q.x, y2 = q.y + NH / 2, mx = (x1 + x2) / 2;
      return s('path', { d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`, fill: 'none', stroke: '#444', 'stroke-width': '1.5', 'marker-end': 'url(#arrow)' });
    }),
    nodes.map((n) => {
      const p = pos(n);
      const label = n.label.length > 30 ? `${n.label.slice(0, 29)}…` : n.label;
      return s('a', { href: n.href, class: `node node-${n.kind}`, 'aria-label': `${n.kind === 'dag' ? 'DAG version' : 'Topic'} ${n.label}` },
        s('title', null, n.label),
        s('rect', { x: String(p.x), y: String(p.y), width: String(NW), height: String(NH), rx: n.kind === 'dag' ? '4' : '18' }),
        s('text', { x: String(p.x + NW / 2), y: String(p.y + NH / 2 + 5), 'text-anchor': 'middle' }, label));
    }));
  return h('section', null,
    h('h1', null, 'Lineage'),
    picker,
    h('p', null, `Topics (rounded) feed the DAG versions active in ${env} (square), which produce topics. Select a node to open its page.`),
    nodes.length ? h('div', { class: 'graph-wrap' }, svg) : h('p', null, `No active DAG version in ${env}.`));
}
