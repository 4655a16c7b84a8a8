// A field-level diff of two schema documents of one format: which fields (Avro record fields, JSON
// Schema properties) were added, removed or changed, by dotted path. It complements the
// compatibility findings with a plain "what changed" list for people reviewing a change.
import type { SchemaFormat } from '../formats/types.js';
import type { FieldChange } from './types.js';

const MAX_DEPTH = 64;

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function describeAvro(t: unknown): string {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return `union[${t.map(describeAvro).join(', ')}]`;
  if (t && typeof t === 'object') {
    const o = t as Record<string, unknown>;
    const logical = typeof o.logicalType === 'string' ? `(${o.logicalType})` : '';
    switch (o.type) {
      case 'record': case 'error': return `record ${String(o.name)}`;
      case 'enum': return `enum ${String(o.name)}{${Array.isArray(o.symbols) ? o.symbols.join(',') : ''}}`;
      case 'fixed': return `fixed ${String(o.name)}(${String(o.size)})${logical}`;
      case 'array': return `array<${describeAvro(o.items)}>`;
      case 'map': return `map<${describeAvro(o.values)}>`;
      default: return `${describeAvro(o.type)}${logical}`;
    }
  }
  return String(t);
}

function avroFields(t: unknown, path: string, out: Map<string, string>, seen: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH || t === null || typeof t !== 'object') return;
  if (Array.isArray(t)) { for (const branch of t) avroFields(branch, path, out, seen, depth + 1); return; }
  const o = t as Record<string, unknown>;
  if (o.type === 'record' || o.type === 'error') {
    const name = String(o.name);
    if (seen.has(name)) return; // recursive types: each record once
    seen.add(name);
    for (const f of Array.isArray(o.fields) ? o.fields as Array<Record<string, unknown>> : []) {
      const p = join(path, String(f.name));
      const dflt = f.default !== undefined ? ` default ${JSON.stringify(f.default)}` : '';
      out.set(p, `${describeAvro(f.type)}${dflt}`);
      avroFields(f.type, p, out, seen, depth + 1);
    }
    seen.delete(name);
  } else if (o.type === 'array') {
    avroFields(o.items, `${path}[]`, out, seen, depth + 1);
  } else if (o.type === 'map') {
    avroFields(o.values, `${path}{}`, out, seen, depth + 1);
  }
}

function describeJson(s: unknown): string {
  if (s === true) return 'any';
  if (s === false) return 'nothing';
  if (!s || typeof s !== 'object') return String(s);
  const o = s as Record<string, unknown>;
  const parts: string[] = [];
  if (o.$ref !== undefined) parts.push(`$ref ${String(o.$ref)}`);
  if (o.type !== undefined) parts.push(Array.isArray(o.type) ? o.type.join('|') : String(o.type));
  if (o.format !== undefined) parts.push(`format ${String(o.format)}`);
  if (o.enum !== undefined) parts.push(`enum ${JSON.stringify(o.enum)}`);
  if (o.const !== undefined) parts.push(`const ${JSON.stringify(o.const)}`);
  if (o.items && typeof o.items === 'object' && !Array.isArray(o.items)) parts.push(`items ${describeJson(o.items)}`);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(o[k])) parts.push(`${k}[${(o[k] as unknown[]).map(describeJson).join(', ')}]`);
  }
  return parts.length > 0 ? parts.join(' ') : 'any';
}

function jsonFields(s: unknown, path: string, out: Map<string, string>, depth: number): void {
  if (depth > MAX_DEPTH || !s || typeof s !== 'object' || Array.isArray(s)) return;
  const o = s as Record<string, unknown>;
  const required = new Set(Array.isArray(o.required) ? o.required.map(String) : []);
  if (o.properties && typeof o.properties === 'object') {
    for (const [name, sub] of Object.entries(o.properties as Record<string, unknown>)) {
      const p = join(path, name);
      out.set(p, `${describeJson(sub)}${required.has(name) ? ' (required)' : ''}`);
      jsonFields(sub, p, out, depth + 1);
    }
  }
  if (o.items && typeof o.items === 'object' && !Array.isArray(o.items)) jsonFields(o.items, `${path}[]`, out, depth + 1);
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(o[k])) for (const sub of o[k] as unknown[]) jsonFields(sub, path, out, depth + 1);
  }
}

function fieldsOf(format: SchemaFormat, document: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (format === 'AVRO') avroFields(document, '', out, new Set(), 0);
  else jsonFields(document, '', out, 0);
  return out;
}

/** Fields added, removed and changed going from `before` to `after` (parsed JSON documents). */
export function fieldDiff(format: SchemaFormat, before: unknown, after: unknown): FieldChange[] {
  const a = fieldsOf(format, before);
  const b = fieldsOf(format, after);
  const changes: FieldChange[] = [];
  for (const [path, desc] of a) {
    const next = b.get(path);
    if (next === undefined) changes.push({ path, change: 'removed', before: desc });
    else if (next !== desc) changes.push({ path, change: 'changed', before: desc, after: next });
  }
  for (const [path, desc] of b) if (!a.has(path)) changes.push({ path, change: 'added', after: desc });
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
