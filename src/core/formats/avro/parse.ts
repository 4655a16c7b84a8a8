// Validates an Avro schema document (already JSON-parsed) and builds dagpact's model of it. It
// collects every problem it can find, each with a JSON path into the document and a message that says
// what to change, instead of stopping at the first one as avsc and Apache Avro do.
import type { InputProblem } from '../../errors.js';
import {
  isPrimitive, type ArrayNode, type AvroNode, type EnumNode, type FieldNode, type FixedNode, type MapNode,
  type NamedNode, type RecordNode, type UnionNode,
} from './model.js';

/** Named types known so far, by full name: those of earlier references, then the schema's own. */
export type NameTable = Map<string, NamedNode>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PROBLEMS = 100;
const FIELD_ORDERS = ['ascending', 'descending', 'ignore'];
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

type Json = Record<string, unknown>;

/**
 * Sizes beyond which a schema is refused before anything expensive runs over it (avsc compiles code
 * for every named type; see docs/adr/0013). Generous for real schemas, which rarely exceed dozens.
 */
export interface AvroParseLimits {
  unionBranches: number;
  recordFields: number;
  namedTypes: number;
}
export const AVRO_PARSE_LIMITS: AvroParseLimits = { unionBranches: 1000, recordFields: 50_000, namedTypes: 2000 };

class Builder {
  constructor(readonly names: NameTable, readonly problems: InputProblem[], readonly limits: AvroParseLimits) {}

  problem(path: string, message: string): undefined {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ path, message });
    return undefined;
  }

  /** Builds the node for `schema` at `path`; undefined when it is invalid (problems recorded). */
  node(schema: unknown, path: string, namespace: string): AvroNode | undefined {
    if (typeof schema === 'string') return this.reference(schema, path, namespace);
    if (Array.isArray(schema)) return this.union(schema, path, namespace);
    if (schema === null || typeof schema !== 'object') {
      return this.problem(path, `is ${JSON.stringify(schema)}: a type must be a type name (e.g. "string"), an object with a "type" attribute, or an array (a union)`);
    }
    const o = schema as Json;
    const type = o.type;
    if (type === undefined) return this.problem(path, 'has no "type" attribute: add one, e.g. "type": "record"');
    if (typeof type !== 'string') {
      return this.problem(`${path}.type`, 'must be a string naming the type (nest complex types under "fields", "items" or "values", not under "type")');
    }
    if (isPrimitive(type)) {
      return { kind: 'primitive', type, ...(typeof o.logicalType === 'string' ? { logicalType: o.logicalType } : {}) };
    }
    switch (type) {
      case 'record': case 'error': return this.record(o, path, namespace, type === 'error');
      case 'enum': return this.enumType(o, path, namespace);
      case 'fixed': return this.fixed(o, path, namespace);
      case 'array': return this.array(o, path, namespace);
      case 'map': return this.map(o, path, namespace);
      default: return this.reference(type, `${path}.type`, namespace);
    }
  }

  reference(name: string, path: string, namespace: string): AvroNode | undefined {
    if (isPrimitive(name)) return { kind: 'primitive', type: name };
    if (['record', 'error', 'enum', 'fixed', 'array', 'map'].includes(name)) {
      return this.problem(path, `"${name}" is a complex type: write it as an object, e.g. {"type": "${name}", ...}`);
    }
    const fullName = name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
    const found = this.names.get(fullName);
    if (found) return found;
    const hint = fullName !== name ? ` (looked up as "${fullName}")` : '';
    return this.problem(path, `unknown type "${name}"${hint}: use a primitive type, define the named type before its first use, or pass the schema that defines it as a reference`);
  }

  union(branches: unknown[], path: string, namespace: string): UnionNode | undefined {
    if (branches.length === 0) return this.problem(path, 'is an empty union: list at least one branch type');
    if (branches.length > this.limits.unionBranches) {
      return this.problem(path, `is a union of ${branches.length} branches; dagpact accepts at most ${this.limits.unionBranches}: split the data over several topics or use a record with optional fields`);
    }
    const nodes: AvroNode[] = [];
    const seen = new Map<string, number>();
    let ok = true;
    branches.forEach((b, i) => {
      const p = `${path}[${i}]`;
      if (Array.isArray(b)) { ok = false; this.problem(p, 'a union may not directly contain another union: merge the branches into one list'); return; }
      const n = this.node(b, p, namespace);
      if (!n) { ok = false; return; }
      // Unions may hold one type of each kind, except named types, which are told apart by name.
      const key = n.kind === 'primitive' ? n.type : n.kind === 'array' || n.kind === 'map' ? n.kind : n.kind === 'union' ? 'union' : n.fullName;
      const prior = seen.get(key);
      if (prior !== undefined) {
        ok = false;
        this.problem(p, `duplicates branch ${prior} ("${key}"): a union may contain each type only once`);
      } else seen.set(key, i);
      nodes.push(n);
    });
    return ok ? { kind: 'union', branches: nodes } : undefined;
  }

  /** Validates name/namespace/aliases of a named type and registers it; undefined if unusable. */
  named(o: Json, path: string, enclosing: string): { name: string; fullName: string; namespace: string; aliases: string[] } | undefined {
    if (typeof o.name !== 'string' || o.name === '') {
      return this.problem(`${path}.name`, `is missing: a ${String(o.type)} must have a name, e.g. "name": "Order"`);
    }
    let namespace = enclosing;
    if (o.namespace !== undefined && o.namespace !== null) {
      if (typeof o.namespace !== 'string') return this.problem(`${path}.namespace`, 'must be a string of dot-separated names');
      namespace = o.namespace;
    }
    let name = o.name;
    if (name.includes('.')) {
      namespace = name.slice(0, name.lastIndexOf('.'));
      name = name.slice(name.lastIndexOf('.') + 1);
    }
    let ok = true;
    if (!NAME.test(name)) {
      ok = false;
      this.problem(`${path}.name`, `"${o.name}" is not a valid Avro name: start with a letter or _, then use only letters, digits and _`);
    } else if (isPrimitive(name) && namespace === '') {
      ok = false;
      this.problem(`${path}.name`, `"${name}" is a primitive type name; choose another name`);
    }
    if (namespace !== '' && !namespace.split('.').every((part) => NAME.test(part))) {
      ok = false;
      this.problem(`${path}.${typeof o.name === 'string' && o.name.includes('.') ? 'name' : 'namespace'}`,
        `namespace "${namespace}" is not valid: use dot-separated names made of letters, digits and _`);
    }
    const aliases: string[] = [];
    if (o.aliases !== undefined) {
      if (!Array.isArray(o.aliases)) {
        ok = false;
        this.problem(`${path}.aliases`, 'must be an array of names');
      } else {
        o.aliases.forEach((a, i) => {
          if (typeof a !== 'string' || !a.split('.').every((part) => NAME.test(part))) {
            ok = false;
            this.problem(`${path}.aliases[${i}]`, `${JSON.stringify(a)} is not a valid Avro name`);
          } else aliases.push(a.includes('.') || namespace === '' ? a : `${namespace}.${a}`);
        });
      }
    }
    const fullName = namespace === '' ? name : `${namespace}.${name}`;
    if (this.names.size >= this.limits.namedTypes) {
      return this.problem(`${path}.name`, `is named type number ${this.names.size + 1}; dagpact accepts at most ${this.limits.namedTypes} named types in a schema and its references: split the schema`);
    }
    if (this.names.has(fullName)) {
      ok = false;
      this.problem(`${path}.name`, `"${fullName}" is already defined: define each named type once and refer to it by name afterwards`);
    }
    return ok ? { name, fullName, namespace, aliases } : undefined;
  }

  record(o: Json, path: string, enclosing: string, isError: boolean): RecordNode | undefined {
    const id = this.named(o, path, enclosing);
    if (Array.isArray(o.fields) && o.fields.length > this.limits.recordFields) {
      return this.problem(`${path}.fields`, `has ${o.fields.length} fields; dagpact accepts at most ${this.limits.recordFields} fields in a record: split it into nested records`);
    }
    if (!Array.isArray(o.fields)) {
      this.problem(`${path}.fields`, 'is missing or not an array: a record needs "fields": [{"name": ..., "type": ...}, ...]');
      return undefined;
    }
    const node: RecordNode = {
      kind: 'record', name: id?.name ?? '', fullName: id?.fullName ?? '', aliases: id?.aliases ?? [], path,
      isError, fields: [], fieldIndex: new Map(),
    };
    // Registered before the fields are built so that fields can refer to the record (recursion).
    if (id) this.names.set(id.fullName, node);
    let ok = id !== undefined;
    const namespace = id?.namespace ?? enclosing;
    const declared = new Map<string, number>();
    o.fields.forEach((f, i) => {
      const fp = `${path}.fields[${i}]`;
      const field = this.field(f, fp, namespace);
      if (!field) { ok = false; return; }
      const prior = declared.get(field.name);
      if (prior !== undefined) {
        ok = false;
        this.problem(`${fp}.name`, `duplicates the name of field ${prior} ("${field.name}"): field names must be unique within a record`);
        return;
      }
      declared.set(field.name, i);
      node.fieldIndex.set(field.name, node.fields.length);
      node.fields.push(field);
    });
    if (!ok && id) this.names.delete(id.fullName);
    return ok ? node : undefined;
  }

  field(f: unknown, path: string, namespace: string): FieldNode | undefined {
    if (f === null || typeof f !== 'object' || Array.isArray(f)) return this.problem(path, 'must be an object with "name" and "type"');
    const o = f as Json;
    let ok = true;
    if (typeof o.name !== 'string' || !NAME.test(o.name)) {
      ok = false;
      this.problem(`${path}.name`, o.name === undefined ? 'is missing: every field needs a name'
        : `${JSON.stringify(o.name)} is not a valid field name: start with a letter or _, then use only letters, digits and _`);
    }
    if (!('type' in o)) { this.problem(`${path}.type`, 'is missing: every field needs a type'); return undefined; }
    const type = this.node(o.type, `${path}.type`, namespace);
    if (!type) return undefined;
    const aliases: string[] = [];
    if (o.aliases !== undefined) {
      if (!Array.isArray(o.aliases)) { ok = false; this.problem(`${path}.aliases`, 'must be an array of field names'); } else {
        o.aliases.forEach((a, i) => {
          if (typeof a !== 'string' || !NAME.test(a)) { ok = false; this.problem(`${path}.aliases[${i}]`, `${JSON.stringify(a)} is not a valid field name`); } else aliases.push(a);
        });
      }
    }
    if (o.order !== undefined && !FIELD_ORDERS.includes(o.order as string)) {
      ok = false;
      this.problem(`${path}.order`, `must be one of ${FIELD_ORDERS.join(', ')}`);
    }
    const hasDefault = 'default' in o;
    if (hasDefault) {
      const wrong = defaultProblem(type, o.default, 0);
      if (wrong) { ok = false; this.problem(`${path}.default`, `${wrong}; fix the default or remove it`); }
    }
    if (!ok) return undefined;
    return { name: o.name as string, aliases, type, hasDefault, ...(hasDefault ? { default: o.default } : {}) };
  }

  enumType(o: Json, path: string, enclosing: string): EnumNode | undefined {
    const id = this.named(o, path, enclosing);
    let ok = id !== undefined;
    const symbols: string[] = [];
    if (!Array.isArray(o.symbols) || o.symbols.length === 0) {
      ok = false;
      this.problem(`${path}.symbols`, 'is missing or empty: an enum needs "symbols": ["A", "B", ...]');
    } else {
      o.symbols.forEach((s, i) => {
        if (typeof s !== 'string' || !NAME.test(s)) {
          ok = false;
          this.problem(`${path}.symbols[${i}]`, `${JSON.stringify(s)} is not a valid enum symbol: start with a letter or _, then use only letters, digits and _`);
        } else if (symbols.includes(s)) {
          ok = false;
          this.problem(`${path}.symbols[${i}]`, `"${s}" is listed twice: enum symbols must be unique`);
        } else symbols.push(s);
      });
    }
    if (o.default !== undefined && (typeof o.default !== 'string' || !symbols.includes(o.default))) {
      ok = false;
      this.problem(`${path}.default`, `${JSON.stringify(o.default)} is not one of the enum's symbols: use one of them`);
    }
    if (!ok || !id) return undefined;
    const node: EnumNode = { kind: 'enum', name: id.name, fullName: id.fullName, aliases: id.aliases, path, symbols, ...(typeof o.default === 'string' ? { default: o.default } : {}) };
    this.names.set(id.fullName, node);
    return node;
  }

  fixed(o: Json, path: string, enclosing: string): FixedNode | undefined {
    const id = this.named(o, path, enclosing);
    const size = o.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > INT_MAX) {
      return this.problem(`${path}.size`, size === undefined ? 'is missing: a fixed type needs "size": <number of bytes>' : `${JSON.stringify(size)} is not a valid size: use a non-negative integer`);
    }
    if (!id) return undefined;
    const node: FixedNode = { kind: 'fixed', name: id.name, fullName: id.fullName, aliases: id.aliases, path, size, ...(typeof o.logicalType === 'string' ? { logicalType: o.logicalType } : {}) };
    this.names.set(id.fullName, node);
    return node;
  }

  array(o: Json, path: string, namespace: string): ArrayNode | undefined {
    if (!('items' in o)) return this.problem(`${path}.items`, 'is missing: an array needs "items": <type>');
    const items = this.node(o.items, `${path}.items`, namespace);
    return items ? { kind: 'array', items } : undefined;
  }

  map(o: Json, path: string, namespace: string): MapNode | undefined {
    if (!('values' in o)) return this.problem(`${path}.values`, 'is missing: a map needs "values": <type>');
    const values = this.node(o.values, `${path}.values`, namespace);
    return values ? { kind: 'map', values } : undefined;
  }
}

const describe = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

/** Why `value` is not a valid default for `type` (Avro JSON encoding), or undefined if it is. */
export function defaultProblem(type: AvroNode, value: unknown, depth: number): string | undefined {
  if (depth > 64) return 'the default is nested too deeply';
  const bad = (what: string) => `default ${describe(value)} is not ${what}`;
  switch (type.kind) {
    case 'primitive':
      switch (type.type) {
        case 'null': return value === null ? undefined : bad('null');
        case 'boolean': return typeof value === 'boolean' ? undefined : bad('a boolean');
        case 'int': return Number.isInteger(value) && (value as number) >= INT_MIN && (value as number) <= INT_MAX ? undefined : bad('a 32-bit integer');
        case 'long': return Number.isInteger(value) ? undefined : bad('an integer');
        case 'float': case 'double': return typeof value === 'number' ? undefined : bad('a number');
        case 'string': return typeof value === 'string' ? undefined : bad('a string');
        case 'bytes': return isByteString(value) ? undefined : bad('a string of byte characters (\\u0000-\\u00ff)');
      }
      return undefined;
    case 'enum': return typeof value === 'string' && type.symbols.includes(value) ? undefined : bad(`one of the symbols of ${type.fullName}`);
    case 'fixed': return isByteString(value) && value.length === type.size ? undefined : bad(`a string of ${type.size} byte characters`);
    case 'array':
      if (!Array.isArray(value)) return bad('an array');
      for (const item of value) { const p = defaultProblem(type.items, item, depth + 1); if (p) return p; }
      return undefined;
    case 'map':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad('an object (map)');
      for (const item of Object.values(value)) { const p = defaultProblem(type.values, item, depth + 1); if (p) return p; }
      return undefined;
    case 'record': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad(`an object (record ${type.fullName})`);
      for (const f of type.fields) {
        const v = (value as Json)[f.name];
        if (v === undefined) { if (!f.hasDefault) return `default ${describe(value)} lacks field "${f.name}", which has no default of its own`; continue; }
        const p = defaultProblem(f.type, v, depth + 1);
        if (p) return p;
      }
      return undefined;
    }
    case 'union': {
      // The Avro specification: a union's default must match its first branch.
      const first = type.branches[0]!;
      const p = defaultProblem(first, value, depth + 1);
      return p ? `${p} (a union's default must match its first branch, ${first.kind === 'primitive' ? first.type : first.kind}; put the default's type first)` : undefined;
    }
  }
}

function isByteString(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * Builds the model of `document`, adding the named types it defines to `names`. Returns undefined
 * (and fills `problems`) when the schema is invalid.
 */
export function buildModel(document: unknown, names: NameTable, problems: InputProblem[], path = '$',
  limits: AvroParseLimits = AVRO_PARSE_LIMITS): AvroNode | undefined {
  const before = problems.length;
  const node = new Builder(names, problems, limits).node(document, path, '');
  return problems.length > before ? undefined : node;
}
