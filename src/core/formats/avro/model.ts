// The Avro schema model dagpact works on after validation: a graph of nodes where a reference to a
// named type is the same node object as its definition (so recursive types are cycles). Every other
// Avro module (canonical form, resolution, payload checks) walks this model, never the raw JSON.

export const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;
export type Primitive = (typeof PRIMITIVES)[number];

export function isPrimitive(name: unknown): name is Primitive {
  return typeof name === 'string' && (PRIMITIVES as readonly string[]).includes(name);
}

export interface PrimitiveNode {
  kind: 'primitive';
  type: Primitive;
  /** Kept for readers of the model; resolution ignores it, as Apache Avro's checker does. */
  logicalType?: string;
}

interface NamedBase {
  /** Unqualified name. */
  name: string;
  /** Namespace-qualified name. */
  fullName: string;
  /** Aliases as full names (qualified with the type's namespace when they have no dot). */
  aliases: string[];
  /** JSON path of the definition in the schema (or reference) that defines it. */
  path: string;
}

export interface FieldNode {
  name: string;
  aliases: string[];
  type: AvroNode;
  hasDefault: boolean;
  default?: unknown;
}

export interface RecordNode extends NamedBase {
  kind: 'record';
  isError: boolean;
  fields: FieldNode[];
  fieldIndex: Map<string, number>;
}

export interface EnumNode extends NamedBase {
  kind: 'enum';
  symbols: string[];
  default?: string;
}

export interface FixedNode extends NamedBase {
  kind: 'fixed';
  size: number;
  logicalType?: string;
}

export interface ArrayNode { kind: 'array'; items: AvroNode }
export interface MapNode { kind: 'map'; values: AvroNode }
export interface UnionNode { kind: 'union'; branches: AvroNode[] }

export type NamedNode = RecordNode | EnumNode | FixedNode;
export type AvroNode = PrimitiveNode | NamedNode | ArrayNode | MapNode | UnionNode;

/** What the type is called in messages and in union-branch identity (`string`, `map`, full name). */
export function typeLabel(node: AvroNode): string {
  switch (node.kind) {
    case 'primitive': return node.type;
    case 'record': case 'enum': case 'fixed': return `${node.kind} ${node.fullName}`;
    case 'array': return 'array';
    case 'map': return 'map';
    case 'union': return 'union';
  }
}

/** Writer types each reader primitive accepts besides itself (the specification's promotions). */
export const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

/** Avro's rule for named types, as both of Java's checkers apply it: the same unqualified name, or a reader alias naming the writer's full name. */
export function namesMatch(reader: NamedNode, writer: NamedNode): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.fullName);
}

/** The writer fields a reader field reads, by its name then each alias (as Java: more than one is ambiguous). */
export function writerFieldsFor(field: FieldNode, writer: RecordNode): number[] {
  const matches: number[] = [];
  for (const name of [field.name, ...field.aliases]) {
    const at = writer.fieldIndex.get(name);
    if (at !== undefined) matches.push(at);
  }
  return matches;
}
