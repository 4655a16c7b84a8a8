// Decoding Avro binary payloads for the gatekeeper and the quarantine. The bytes are first walked
// against dagpact's model of the writer schema, which rejects hostile input (block counts that would
// loop for ever, lengths past the end, bad union or enum indexes, runaway nesting) before avsc
// decodes them; the decoded value is then turned into plain JSON (longs as numbers when exact,
// otherwise strings; bytes and fixed as base64; unions unwrapped).
import { isUtf8 } from 'node:buffer';
import avro from 'avsc';
import type { InputProblem } from '../../errors.js';
import type { AvroNode, RecordNode } from './model.js';

const MAX_NESTING = 200;
/** Items whose encoding may take zero bytes (null, empty records) cost no input; bound them. */
const MAX_FREE_ITEMS = 1_000_000;

class PayloadError extends Error {
  constructor(readonly path: string, message: string) { super(message); }
}

/** The smallest number of bytes a value of the type can take (cycles count as 0: a lower bound). */
function minSize(node: AvroNode, seen: Set<RecordNode> = new Set()): number {
  switch (node.kind) {
    case 'primitive': return node.type === 'null' ? 0 : node.type === 'float' ? 4 : node.type === 'double' ? 8 : 1;
    case 'fixed': return node.size;
    case 'record': {
      if (seen.has(node)) return 0;
      seen.add(node);
      let sum = 0;
      for (const f of node.fields) sum += minSize(f.type, seen);
      seen.delete(node);
      return sum;
    }
    default: return 1; // enum index, union index, array/map block count
  }
}

class Scanner {
  pos = 0;
  private freeItems = 0;
  private readonly minSizes = new Map<AvroNode, number>();
  constructor(private readonly buf: Uint8Array) {}

  private fail(path: string, message: string): never { throw new PayloadError(path, message); }

  private need(n: number, path: string, what: string): void {
    if (n > this.buf.length - this.pos) {
      this.fail(path, `the payload ends inside ${what} (needs ${n} more bytes at offset ${this.pos}, has ${this.buf.length - this.pos}); it is truncated or was written with another schema`);
    }
  }

  /** A zig-zag varint; the magnitude is approximate beyond 2^53, which only matters for values we skip. */
  private varint(path: string): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1, path, 'a number');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      scale *= 128;
    }
    return this.fail(path, `a number at offset ${this.pos - 10} is longer than 10 bytes; the payload is not Avro data of this schema`);
  }

  private itemCost(node: AvroNode): number {
    let size = this.minSizes.get(node);
    if (size === undefined) this.minSizes.set(node, (size = minSize(node)));
    return size;
  }

  private blocks(path: string, item: AvroNode, readOne: (index: number) => void): void {
    const cost = this.itemCost(item);
    let index = 0;
    for (;;) {
      let count = this.varint(path);
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        const bytes = this.varint(path);
        if (bytes < 0) this.fail(path, `a block at offset ${this.pos} declares a negative byte size`);
      }
      if (cost > 0 && count * cost > this.buf.length - this.pos) {
        this.fail(path, `a block declares ${count} items but only ${this.buf.length - this.pos} bytes remain; the payload is corrupt or was written with another schema`);
      }
      if (cost === 0 && (this.freeItems += count) > MAX_FREE_ITEMS) {
        this.fail(path, `more than ${MAX_FREE_ITEMS} empty items; refusing to decode`);
      }
      for (let i = 0; i < count; i++) readOne(index++);
    }
  }

  value(node: AvroNode, path: string, depth: number): void {
    if (depth > MAX_NESTING) this.fail(path, `values are nested more than ${MAX_NESTING} levels deep; refusing to decode`);
    switch (node.kind) {
      case 'primitive':
        switch (node.type) {
          case 'null': return;
          case 'boolean': {
            this.need(1, path, 'a boolean');
            const b = this.buf[this.pos++]!;
            if (b > 1) this.fail(path, `a boolean byte must be 0 or 1, found ${b} at offset ${this.pos - 1}`);
            return;
          }
          case 'int': case 'long': this.varint(path); return;
          case 'float': this.need(4, path, 'a float'); this.pos += 4; return;
          case 'double': this.need(8, path, 'a double'); this.pos += 8; return;
          case 'bytes': case 'string': {
            const n = this.varint(path);
            if (n < 0) this.fail(path, `a ${node.type} at offset ${this.pos} has a negative length (${n})`);
            this.need(n, path, `a ${node.type} of ${n} bytes`);
            if (node.type === 'string' && !isUtf8(this.buf.subarray(this.pos, this.pos + n))) {
              this.fail(path, `a string at offset ${this.pos} is not valid UTF-8 (Avro strings are UTF-8)`);
            }
            this.pos += n;
            return;
          }
        }
        return;
      case 'fixed': this.need(node.size, path, `a fixed of ${node.size} bytes`); this.pos += node.size; return;
      case 'enum': {
        const i = this.varint(path);
        if (!Number.isInteger(i) || i < 0 || i >= node.symbols.length) {
          this.fail(path, `enum index ${i} is out of range for ${node.fullName} (${node.symbols.length} symbols)`);
        }
        return;
      }
      case 'union': {
        const i = this.varint(path);
        const branch = Number.isInteger(i) && i >= 0 ? node.branches[i] : undefined;
        if (!branch) this.fail(path, `union branch index ${i} is out of range (the union has ${node.branches.length} branches)`);
        this.value(branch, path, depth + 1);
        return;
      }
      case 'array': this.blocks(path, node.items, (i) => this.value(node.items, `${path}[${i}]`, depth + 1)); return;
      case 'map':
        this.blocks(path, node.values, () => {
          const n = this.varint(`${path}{key}`);
          if (n < 0) this.fail(path, `a map key at offset ${this.pos} has a negative length (${n})`);
          this.need(n, path, `a map key of ${n} bytes`);
          const key = Buffer.from(this.buf.subarray(this.pos, this.pos + Math.min(n, 64))).toString('utf8');
          this.pos += n;
          this.value(node.values, `${path}[${JSON.stringify(key)}]`, depth + 1);
        });
        return;
      case 'record':
        for (const f of node.fields) this.value(f.type, `${path}.${f.name}`, depth + 1);
        return;
    }
  }
}

/** Problems of `payload` as data of `writer`, including trailing bytes; empty when it is well-formed. */
export function scanPayload(payload: Uint8Array, writer: AvroNode): InputProblem[] {
  const scanner = new Scanner(payload);
  try {
    scanner.value(writer, '$', 0);
  } catch (e) {
    if (e instanceof PayloadError) return [{ path: e.path, message: e.message }];
    if (e instanceof RangeError) return [{ path: '$', message: 'the payload is nested too deeply to decode' }];
    throw e;
  }
  if (scanner.pos !== payload.length) {
    return [{ path: '$', message: `the value ends at byte ${scanner.pos} but the payload has ${payload.length} bytes; trailing bytes mean it was written with another schema or framed wrongly (e.g. a Confluent 5-byte prefix left in place)` }];
  }
  return [];
}

/** avsc's decoded value as plain JSON, guided by the avsc type it was decoded with. */
export function toPlain(type: avro.Type, value: unknown, depth = 0): unknown {
  if (depth > MAX_NESTING + 10) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
  }
  const t = type as unknown as { typeName: string; types?: avro.Type[]; itemsType?: avro.Type; valuesType?: avro.Type; fields?: Array<{ name: string; type: avro.Type }>; underlyingType?: avro.Type };
  if (t.typeName.startsWith('union')) {
    // Wrapped union: {"branchName": value}.
    const [key, inner] = Object.entries(value)[0] ?? [];
    const branch = t.types?.find((b) => b.branchName === key);
    return branch ? toPlain(branch, inner, depth + 1) : null;
  }
  if (t.typeName === 'array' && Array.isArray(value)) return value.map((v) => toPlain(t.itemsType!, v, depth + 1));
  if (t.typeName === 'map') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(t.valuesType!, v, depth + 1)]));
  }
  if (t.fields) {
    return Object.fromEntries(t.fields.map((f) => [f.name, toPlain(f.type, (value as Record<string, unknown>)[f.name], depth + 1)]));
  }
  return value;
}
