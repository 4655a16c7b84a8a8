// Redaction of held messages for people who may not read payloads (docs/adr/0014). A pure function:
// given a decoded value, the writer schema's document (Avro or JSON Schema, as JSON), the paths a
// contract marks sensitive and the message's properties, it returns a redacted copy and the paths it
// redacted. Used by the quarantine API, CLI and quarantine-topic envelope (decode.ts redactDecoded), and
// meant for every other place a payload is shown (dead-letter properties, logs, Airflow conf previews).
//
// A field is sensitive when its schema says so:
//   Avro field attributes   "confluent:tags": ["PII"]   (Confluent data contracts)   or  "dagpact.sensitive": true
//   JSON Schema keywords    "confluent:tags": ["PII"]                                  or  "x-dagpact-sensitive": true
// (a tag counts when it is one of `tags`, compared case-insensitively), or when a contract lists its
// dotted path (`customer.email`, `items.*.card`). A property (or, without a schema, a field) is
// sensitive when its name *contains* one of the configured names, case-insensitively
// (`X-Auth-Token` contains `token`): over-redacting a harmless header costs less than leaking one.

export const REDACTED = '[redacted]';
export const DEFAULT_SENSITIVE_TAGS = ['PII', 'PHI', 'PCI', 'SENSITIVE', 'SECRET', 'CONFIDENTIAL'];
export const DEFAULT_SENSITIVE_PROPERTY_NAMES = ['authorization', 'cookie', 'password', 'token', 'secret'];

export interface RedactionPolicy {
  /** Tags (from `confluent:tags`) that make a field sensitive; default DEFAULT_SENSITIVE_TAGS. */
  tags?: readonly string[];
  /** Name fragments that make a property sensitive; default DEFAULT_SENSITIVE_PROPERTY_NAMES. */
  propertyNames?: readonly string[];
}

export interface RedactInput {
  value: unknown;
  /** The writer schema as parsed JSON (the text as registered, so attributes survive). */
  schema?: { format: 'AVRO' | 'JSON'; document: unknown };
  /** Dotted paths a contract marks sensitive for this topic. */
  contractPaths?: readonly string[];
  properties?: Record<string, string>;
  policy?: RedactionPolicy;
}

export interface RedactOutput {
  value: unknown;
  properties: Record<string, string>;
  /** JSON paths of every value replaced, e.g. `$.customer.email`, `properties.authorization`. */
  redacted: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_DEPTH = 256;

function hasSensitiveTag(node: unknown, tags: Set<string>, plainKey: string): boolean {
  if (!isObject(node)) return false;
  if (node[plainKey] === true) return true;
  const t = node['confluent:tags'];
  return Array.isArray(t) && t.some((x) => typeof x === 'string' && tags.has(x.toUpperCase()));
}

export function isSensitiveName(name: string, fragments: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return fragments.some((f) => f.length > 0 && lower.includes(f.toLowerCase()));
}

const pathOf = (base: string, key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`);

/** Walks a value by its Avro schema, replacing tagged fields. */
function avroWalker(root: unknown, tags: Set<string>, redacted: string[]) {
  const named = new Map<string, unknown>();
  const collect = (node: unknown, ns: string | undefined, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(node)) { node.forEach((n) => collect(n, ns, depth + 1)); return; }
    if (!isObject(node)) return;
    const type = node.type;
    if ((type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') && typeof node.name === 'string') {
      const space = typeof node.namespace === 'string' ? node.namespace : node.name.includes('.') ? undefined : ns;
      const full = node.name.includes('.') || !space ? node.name : `${space}.${node.name}`;
      named.set(full, node);
      named.set(full.split('.').pop()!, node);
      const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined;
      if (Array.isArray(node.fields)) for (const f of node.fields) if (isObject(f)) collect(f.type, inner, depth + 1);
      return;
    }
    if (type === 'array') collect(node.items, ns, depth + 1);
    else if (type === 'map') collect(node.values, ns, depth + 1);
    else if (isObject(type) || Array.isArray(type)) collect(type, ns, depth + 1);
  };
  collect(root, undefined, 0);

  const walk = (schema: unknown, value: unknown, path: string, depth: number): unknown => {
    if (value === null || value === undefined || depth > MAX_DEPTH) return value;
    if (typeof schema === 'string') {
      const target = named.get(schema);
      return target ? walk(target, value, path, depth + 1) : value;
    }
    if (Array.isArray(schema)) {
      // Unions are unwrapped in decoded values; a wrapped {"Name": v} is handled too. Every non-null
      // branch is applied: over-redacting an ambiguous value beats leaking it.
      if (isObject(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && named.has(keys[0]!) && schema.some((b) => b === keys[0] || (isObject(b) && b.name === keys[0]))) {
          return { [keys[0]!]: walk(keys[0], value[keys[0]!], pathOf(path, keys[0]!), depth + 1) };
        }
      }
      let out: unknown = value;
      for (const branch of schema) if (branch !== 'null') out = walk(branch, out, path, depth + 1);
      return out;
    }
    if (!isObject(schema)) return value;
    const type = schema.type;
    if ((type === 'record' || type === 'error') && Array.isArray(schema.fields) && isObject(value)) {
      const out: Json = { ...value };
      for (const f of schema.fields) {
        if (!isObject(f) || typeof f.name !== 'string' || !(f.name in out)) continue;
        const at = pathOf(path, f.name);
        if (hasSensitiveTag(f, tags, 'dagpact.sensitive')) { out[f.name] = REDACTED; redacted.push(at); } else out[f.name] = walk(f.type, out[f.name], at, depth + 1);
      }
      return out;
    }
    if (type === 'array' && Array.isArray(value)) return value.map((v, i) => walk(schema.items, v, `${path}[${i}]`, depth + 1));
    if (type === 'map' && isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(schema.values, v, pathOf(path, k), depth + 1)]));
    }
    if (isObject(type) || Array.isArray(type)) return walk(type, value, path, depth + 1);
    if (typeof type === 'string' && named.has(type)) return walk(type, value, path, depth + 1);
    return value;
  };
  return (value: unknown) => walk(root, value, '$', 0);
}

/** Walks a value by its JSON Schema, replacing sensitive subschemas' values. Local `$ref`s are followed. */
function jsonSchemaWalker(root: unknown, tags: Set<string>, redacted: string[]) {
  const resolve = (ref: string): unknown => {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = root;
    for (const raw of ref.slice(1).split('/').filter(Boolean)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
    }
    return node;
  };

  const walk = (schema: unknown, value: unknown, path: string, depth: number): unknown => {
    if (!isObject(schema) || value === null || value === undefined || depth > MAX_DEPTH) return value;
    if (hasSensitiveTag(schema, tags, 'x-dagpact-sensitive')) { redacted.push(path); return REDACTED; }
    let out: unknown = value;
    if (typeof schema.$ref === 'string') out = walk(resolve(schema.$ref), out, path, depth + 1);
    if (out === REDACTED) return out;
    for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = schema[k];
      if (Array.isArray(list)) for (const sub of list) { out = walk(sub, out, path, depth + 1); if (out === REDACTED) return out; }
    }
    for (const k of ['then', 'else'] as const) if (isObject(schema[k])) out = walk(schema[k], out, path, depth + 1);
    if (out === REDACTED) return out;
    if (isObject(out)) {
      const obj: Json = { ...out };
      const props = isObject(schema.properties) ? schema.properties : {};
      const patterns = isObject(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
      for (const key of Object.keys(obj)) {
        const at = pathOf(path, key);
        if (key in props) { obj[key] = walk(props[key], obj[key], at, depth + 1); continue; }
        let matched = false;
        for (const [pattern, sub] of patterns) {
          // Only literal-ish patterns are tried here; an unsafe regex must not run on a read path.
          if (/^[\w^$.-]*$/.test(pattern) && new RegExp(pattern).test(key)) { obj[key] = walk(sub, obj[key], at, depth + 1); matched = true; }
        }
        if (!matched && isObject(schema.additionalProperties)) obj[key] = walk(schema.additionalProperties, obj[key], at, depth + 1);
      }
      return obj;
    }
    if (Array.isArray(out)) {
      const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
      const rest = isObject(schema.items) ? schema.items : isObject(schema.additionalItems) ? schema.additionalItems : undefined;
      return out.map((v, i) => walk(prefix[i] ?? rest, v, `${path}[${i}]`, depth + 1));
    }
    return out;
  };
  return (value: unknown) => walk(root, value, '$', 0);
}

/** Redacts the dotted paths a contract lists (`a.b`, `items.*.card`; `*` = every item or map value). */
function redactPaths(value: unknown, paths: readonly string[], redacted: string[]): unknown {
  const apply = (node: unknown, segs: string[], path: string): unknown => {
    if (segs.length === 0) { if (node !== undefined && node !== REDACTED) redacted.push(path); return node === undefined ? node : REDACTED; }
    const [head, ...rest] = segs as [string, ...string[]];
    if (Array.isArray(node)) {
      if (head === '*' ) return node.map((v, i) => apply(v, rest, `${path}[${i}]`));
      if (/^\d+$/.test(head) && Number(head) < node.length) { const copy = [...node]; copy[Number(head)] = apply(copy[Number(head)], rest, `${path}[${head}]`); return copy; }
      return node;
    }
    if (!isObject(node)) return node;
    if (head === '*') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, apply(v, rest, pathOf(path, k))]));
    if (!(head in node)) return node;
    return { ...node, [head]: apply(node[head], rest, pathOf(path, head)) };
  };
  let out = value;
  for (const p of paths) out = apply(out, p.replace(/^\$\./, '').replace(/\[(\d+|\*)\]/g, '.$1').split('.').filter(Boolean), '$');
  return out;
}

/** Without a schema, fields are judged by name like properties. */
function redactByName(value: unknown, names: readonly string[], path: string, redacted: string[], depth = 0): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v, i) => redactByName(v, names, `${path}[${i}]`, redacted, depth + 1));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => {
    const at = pathOf(path, k);
    if (isSensitiveName(k, names)) { redacted.push(at); return [k, REDACTED]; }
    return [k, redactByName(v, names, at, redacted, depth + 1)];
  }));
}

export function redactProperties(properties: Record<string, string>, names: readonly string[] = DEFAULT_SENSITIVE_PROPERTY_NAMES): { properties: Record<string, string>; redacted: string[] } {
  const redacted: string[] = [];
  const out = Object.fromEntries(Object.entries(properties).map(([k, v]) => {
    if (!isSensitiveName(k, names)) return [k, v];
    redacted.push(pathOf('properties', k));
    return [k, REDACTED];
  }));
  return { properties: out, redacted };
}

/** The redacted copy of a held message's decoded value and properties. The input is not modified. */
export function redactMessage(input: RedactInput): RedactOutput {
  const tags = new Set((input.policy?.tags ?? DEFAULT_SENSITIVE_TAGS).map((t) => t.toUpperCase()));
  const names = input.policy?.propertyNames ?? DEFAULT_SENSITIVE_PROPERTY_NAMES;
  const redacted: string[] = [];
  let value = input.value;
  if (input.schema?.format === 'AVRO') value = avroWalker(input.schema.document, tags, redacted)(value);
  else if (input.schema?.format === 'JSON') value = jsonSchemaWalker(input.schema.document, tags, redacted)(value);
  else value = redactByName(value, names, '$', redacted);
  if (input.contractPaths?.length) value = redactPaths(value, input.contractPaths, redacted);
  const props = redactProperties(input.properties ?? {}, names);
  return { value, properties: props.properties, redacted: [...redacted, ...props.redacted] };
}

/**
 * Whether a schema document marks any field sensitive (`dagpact.sensitive` / `x-dagpact-sensitive`, or a
 * `confluent:tags` value among the policy's tags), anywhere in it. The gatekeeper withholds raw bytes
 * written or read with such a schema from what it publishes (quarantine envelope).
 */
export function schemaMarksSensitive(document: unknown, policy?: RedactionPolicy): boolean {
  const tags = new Set((policy?.tags ?? DEFAULT_SENSITIVE_TAGS).map((t) => t.toUpperCase()));
  const stack: Array<{ node: unknown; depth: number }> = [{ node: document, depth: 0 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (depth > MAX_DEPTH || node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) { for (const n of node) stack.push({ node: n, depth: depth + 1 }); continue; }
    if (hasSensitiveTag(node, tags, 'dagpact.sensitive') || hasSensitiveTag(node, tags, 'x-dagpact-sensitive')) return true;
    for (const v of Object.values(node)) stack.push({ node: v, depth: depth + 1 });
  }
  return false;
}
