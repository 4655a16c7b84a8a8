// Writer bytes to reader bytes without decoding values. A plan compiled once per (reader, writer) pair
// walks the writer's binary encoding and writes the reader's: a part whose encoding is the same for
// both schemas is copied as a byte span, record fields are reordered, dropped or filled from the
// reader's defaults, enum and union indexes are renumbered, arrays and maps are re-blocked only when
// their items change. What the plan cannot do byte-wise (a long or a float promoted to a floating
// type, a union branch chosen by record structure) makes it `undefined`, and the caller decodes and
// encodes with avsc instead. See docs/adr/0024-avro-transcoding.md.
//
// The payload must already have passed `scanPayload` against the writer: the plan trusts lengths,
// counts and indexes to be in range and does not check them again.
import { isUtf8 } from 'node:buffer';
import { namesMatch, PROMOTIONS, typeLabel, writerFieldsFor, type AvroNode, type EnumNode, type FieldNode, type NamedNode, type PrimitiveNode, type RecordNode, type UnionNode } from './model.js';

/**
 * Turns a scanned writer payload into the reader's encoding; undefined when the payload would cost the
 * plan more than a bounded multiple of its size (the caller then decodes with avsc, which is linear).
 */
export type Transcoder = (payload: Uint8Array) => Uint8Array | undefined;

/** Reads one value at `pos` and returns the position after it. */
type Skip = (buf: Uint8Array, pos: number) => number;
/** Reads one writer value at `pos`, writes the reader's encoding of it to `out`, returns the position after it. */
type Emit = (buf: Uint8Array, pos: number, out: Output) => number;

/** A pair the plan cannot transcode byte-wise (but avsc can resolve). */
const UNSUPPORTED = Symbol('unsupported');
/** A pair no resolution can read; only met inside union branch choice. */
const INCOMPATIBLE = Symbol('incompatible');
type Step = { copy: true; skip: Skip } | { copy: false; emit: Emit };
type Compiled = Step | typeof UNSUPPORTED | typeof INCOMPATIBLE;

let varintEnd = 0;

/**
 * Bytes the plan may still walk for this payload. A reordered record finds its fields by skipping them,
 * then writes the ones that change by walking them again, so records nested in such records are walked
 * once per level: a deep (or recursive) schema and a large payload would make that quadratic.
 */
let budget = 0;
const OVER_BUDGET = new Error('the payload would cost the byte-wise plan more than its budget');

/** A zig-zag varint as a number (exact for the lengths, counts and indexes it is used for); sets varintEnd. */
function readVarint(buf: Uint8Array, pos: number): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    const b = buf[pos++]!;
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  varintEnd = pos;
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

function skipVarint(buf: Uint8Array, pos: number): number {
  while ((buf[pos++]! & 0x80) !== 0);
  return pos;
}

/** A growable output buffer. */
class Output {
  buf: Buffer;
  len = 0;
  constructor(size: number) { this.buf = Buffer.allocUnsafe(size); }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  span(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    if (n < 24) {
      const buf = this.buf;
      let at = this.len;
      for (let i = start; i < end; i++) buf[at++] = src[i]!;
    } else {
      this.buf.set(src.subarray(start, end), this.len);
    }
    this.len += n;
  }

  bytes(b: Uint8Array): void { this.span(b, 0, b.length); }

  /** A zig-zag varint of a safe integer. */
  varint(n: number): void {
    this.room(10);
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    const buf = this.buf;
    while (z >= 0x80) {
      buf[this.len++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    buf[this.len++] = z;
  }

  float(v: number): void { this.room(4); this.buf.writeFloatLE(v, this.len); this.len += 4; }
  double(v: number): void { this.room(8); this.buf.writeDoubleLE(v, this.len); this.len += 8; }
}

/** The bytes a default value takes in the reader's encoding; the caller gets them from avsc. */
export type DefaultBytes = (record: RecordNode, field: FieldNode, index: number) => Uint8Array | undefined;

class Planner {
  private readonly skips = new Map<AvroNode, Skip>();
  private readonly steps = new Map<AvroNode, Map<AvroNode, Compiled>>();
  /** Pairs being compared for layout; met again inside themselves they count as the same (cycles). */
  private readonly comparing = new Map<AvroNode, Set<AvroNode>>();

  constructor(private readonly defaults: DefaultBytes) {}

  skip(node: AvroNode): Skip {
    let fn = this.skips.get(node);
    if (fn) return fn;
    // A recursive type reaches itself: the entry is a forwarder until the real function exists.
    let real: Skip | undefined;
    this.skips.set(node, (buf, pos) => real!(buf, pos));
    real = this.makeSkip(node);
    this.skips.set(node, real);
    return real;
  }

  private makeSkip(node: AvroNode): Skip {
    switch (node.kind) {
      case 'primitive':
        switch (node.type) {
          case 'null': return (_buf, pos) => pos;
          case 'boolean': return (_buf, pos) => pos + 1;
          case 'int': case 'long': return skipVarint;
          case 'float': return (_buf, pos) => pos + 4;
          case 'double': return (_buf, pos) => pos + 8;
          case 'bytes': case 'string': return (buf, pos) => { const n = readVarint(buf, pos); return varintEnd + n; };
        }
        break;
      case 'fixed': { const size = node.size; return (_buf, pos) => pos + size; }
      case 'enum': return skipVarint;
      case 'union': {
        const branches = node.branches.map((b) => this.skip(b));
        return (buf, pos) => { const i = readVarint(buf, pos); return branches[i]!(buf, varintEnd); };
      }
      case 'array': case 'map': {
        const item = this.skip(node.kind === 'array' ? node.items : node.values);
        const skipKey = node.kind === 'map';
        return (buf, pos) => {
          for (;;) {
            let count = readVarint(buf, pos);
            pos = varintEnd;
            if (count === 0) return pos;
            if (count < 0) {
              // A block with its byte size: jump over it.
              const size = readVarint(buf, pos);
              pos = varintEnd + size;
              continue;
            }
            for (; count > 0; count--) {
              if (skipKey) { const n = readVarint(buf, pos); pos = varintEnd + n; }
              pos = item(buf, pos);
            }
          }
        };
      }
      case 'record': {
        const fields = node.fields.map((f) => this.skip(f.type));
        if (fields.length === 0) return (_buf, pos) => pos;
        return (buf, pos) => {
          for (let i = 0; i < fields.length; i++) pos = fields[i]!(buf, pos);
          return pos;
        };
      }
    }
    throw new Error(`unknown Avro node ${(node as AvroNode).kind}`);
  }

  /** Comparisons in progress (nested calls of sameLayout). */
  private active = 0;
  /** Answers already found, so that compiling a deep pair compares each pair of nodes once. */
  private readonly layouts = new Map<AvroNode, Map<AvroNode, boolean>>();

  /** True when every value of the writer is encoded the same as the reader's resolution of it. */
  sameLayout(reader: AvroNode, writer: AvroNode): boolean {
    if (reader === writer) return true;
    const known = this.layouts.get(reader)?.get(writer);
    if (known !== undefined) return known;
    let inProgress = this.comparing.get(reader);
    if (inProgress?.has(writer)) return true;
    if (!inProgress) this.comparing.set(reader, (inProgress = new Set()));
    inProgress.add(writer);
    this.active++;
    let same: boolean;
    try {
      same = this.layoutEqual(reader, writer);
    } finally {
      inProgress.delete(writer);
      this.active--;
    }
    // "Different" is final. "The same" may rest on a cycle assumed the same by a comparison still in
    // progress, so it is kept only when none is.
    if (!same || this.active === 0) {
      let byWriter = this.layouts.get(reader);
      if (!byWriter) this.layouts.set(reader, (byWriter = new Map()));
      byWriter.set(writer, same);
    }
    return same;
  }

  private layoutEqual(reader: AvroNode, writer: AvroNode): boolean {
    if (reader.kind === 'primitive' && writer.kind === 'primitive') return primitiveCopies(reader, writer);
    if (reader.kind !== writer.kind) return false;
    switch (reader.kind) {
      case 'fixed': return namesMatch(reader, writer as NamedNode) && reader.size === (writer as typeof reader).size;
      case 'enum': {
        const w = writer as EnumNode;
        return namesMatch(reader, w) && w.symbols.every((s, i) => reader.symbols[i] === s);
      }
      case 'array': return this.sameLayout(reader.items, (writer as typeof reader).items);
      case 'map': return this.sameLayout(reader.values, (writer as typeof reader).values);
      case 'union': {
        const w = writer as UnionNode;
        return w.branches.length <= reader.branches.length &&
          w.branches.every((b, i) => this.branchFor(reader, b) === i && this.sameLayout(reader.branches[i]!, b));
      }
      case 'record': {
        const w = writer as RecordNode;
        if (!namesMatch(reader, w) || reader.fields.length !== w.fields.length) return false;
        return reader.fields.every((f, i) => fieldMatch(f, w) === i && this.sameLayout(f.type, w.fields[i]!.type));
      }
      default: return false;
    }
  }

  /** The reader branch Avro's resolver uses for a writer type: same type or name first, then a promotion. */
  branchFor(reader: UnionNode, writer: AvroNode): number {
    const exact = reader.branches.findIndex((b) => {
      if (b.kind !== writer.kind) return false;
      if (b.kind === 'primitive') return b.type === (writer as PrimitiveNode).type;
      if (b.kind === 'array' || b.kind === 'map') return true;
      if (b.kind === 'union') return false;
      return namesMatch(b, writer as NamedNode);
    });
    if (exact >= 0 || writer.kind !== 'primitive') return exact;
    return reader.branches.findIndex((b) => b.kind === 'primitive' && PROMOTIONS[b.type]?.includes(writer.type) === true);
  }

  compile(reader: AvroNode, writer: AvroNode): Compiled {
    let byWriter = this.steps.get(reader);
    if (!byWriter) this.steps.set(reader, (byWriter = new Map()));
    const known = byWriter.get(writer);
    if (known) return known;
    if (this.sameLayout(reader, writer)) {
      const step: Step = { copy: true, skip: this.skip(writer) };
      byWriter.set(writer, step);
      return step;
    }
    // Recursive records meet their own pair again: emit through a forwarder set right after.
    let real: Emit | undefined;
    const pending: Step = {
      copy: false,
      emit: (buf, pos, out) => {
        if (!real) throw new Error('the reader schema cannot read this recursive writer type');
        return real(buf, pos, out);
      },
    };
    byWriter.set(writer, pending);
    const made = this.makeEmit(reader, writer);
    if (typeof made !== 'function') {
      byWriter.set(writer, made);
      return made;
    }
    real = made;
    const step: Step = { copy: false, emit: made };
    byWriter.set(writer, step);
    return step;
  }

  private makeEmit(reader: AvroNode, writer: AvroNode): Emit | typeof UNSUPPORTED | typeof INCOMPATIBLE {
    if (writer.kind === 'union') {
      const branches: Emit[] = [];
      for (const b of writer.branches) {
        const step = this.compile(reader, b);
        if (step === UNSUPPORTED) return UNSUPPORTED;
        if (step === INCOMPATIBLE) {
          // Avro fails only when such a value is read; so does the plan.
          const label = typeLabel(b);
          branches.push(() => { throw new Error(`the reader schema cannot read a value of the writer's union branch ${label}`); });
        } else {
          branches.push(asEmit(step));
        }
      }
      return (buf, pos, out) => { const i = readVarint(buf, pos); return branches[i]!(buf, varintEnd, out); };
    }
    if (reader.kind === 'union') {
      const index = this.branchFor(reader, writer);
      if (index < 0) return writer.kind === 'record' ? UNSUPPORTED : INCOMPATIBLE;
      const step = this.compile(reader.branches[index]!, writer);
      if (typeof step === 'symbol') return step;
      const inner = asEmit(step);
      return (buf, pos, out) => { out.varint(index); return inner(buf, pos, out); };
    }
    if (reader.kind === 'primitive' && writer.kind === 'primitive') return promotion(reader, writer);
    if (reader.kind !== writer.kind) return INCOMPATIBLE;
    switch (reader.kind) {
      case 'enum': {
        const w = writer as EnumNode;
        if (!namesMatch(reader, w)) return INCOMPATIBLE;
        const fallback = reader.default === undefined ? -1 : reader.symbols.indexOf(reader.default);
        const map = w.symbols.map((s) => { const i = reader.symbols.indexOf(s); return i >= 0 ? i : fallback; });
        return (buf, pos, out) => {
          const i = readVarint(buf, pos);
          const to = map[i]!;
          if (to < 0) throw new Error(`the writer's enum symbol ${w.symbols[i]} is not in the reader's ${reader.fullName}, which has no default`);
          out.varint(to);
          return varintEnd;
        };
      }
      case 'fixed': return INCOMPATIBLE; // same name and size would have had the same layout
      case 'array': case 'map': {
        const isMap = reader.kind === 'map';
        const step = isMap
          ? this.compile((reader as { values: AvroNode }).values, (writer as { values: AvroNode }).values)
          : this.compile((reader as { items: AvroNode }).items, (writer as { items: AvroNode }).items);
        if (typeof step === 'symbol') return step;
        return blocks(asEmit(step), isMap);
      }
      case 'record': return this.record(reader, writer as RecordNode);
      default: return UNSUPPORTED;
    }
  }

  private record(reader: RecordNode, writer: RecordNode): Emit | typeof UNSUPPORTED | typeof INCOMPATIBLE {
    if (!namesMatch(reader, writer)) return INCOMPATIBLE;
    const skips = writer.fields.map((f) => this.skip(f.type));
    // For each reader field: the writer field it reads (with a step), or its default's bytes.
    const parts: Array<{ from: number; step: Step } | { bytes: Uint8Array }> = [];
    for (let i = 0; i < reader.fields.length; i++) {
      const field = reader.fields[i]!;
      const from = fieldMatch(field, writer);
      if (from === -2) return INCOMPATIBLE;
      if (from === -1) {
        const bytes = field.hasDefault ? this.defaults(reader, field, i) : undefined;
        if (!bytes) return field.hasDefault ? UNSUPPORTED : INCOMPATIBLE;
        parts.push({ bytes });
        continue;
      }
      const step = this.compile(field.type, writer.fields[from]!.type);
      if (typeof step === 'symbol') return step;
      parts.push({ from, step });
    }
    const n = skips.length;
    return (buf, pos, out) => {
      // Where each writer field starts (and the last one ends), then the reader's fields in its order.
      const starts = new Array<number>(n + 1);
      for (let i = 0; i < n; i++) { starts[i] = pos; pos = skips[i]!(buf, pos); }
      starts[n] = pos;
      if ((budget -= pos - starts[0]!) < 0) throw OVER_BUDGET;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        if ('bytes' in part) out.bytes(part.bytes);
        else if (part.step.copy) out.span(buf, starts[part.from]!, starts[part.from + 1]!);
        else part.step.emit(buf, starts[part.from]!, out);
      }
      return pos;
    };
  }
}

/**
 * Promotions whose encoding does not change: int to long (both zig-zag varints) and string to bytes.
 * Bytes read as a string are not copied blindly: they must be UTF-8 (see `promotion`).
 */
function primitiveCopies(reader: PrimitiveNode, writer: PrimitiveNode): boolean {
  if (reader.type === writer.type) return true;
  return (reader.type === 'long' && writer.type === 'int') || (reader.type === 'bytes' && writer.type === 'string');
}

/** Exact promotions to a floating type; from a long (rounding beyond 2^53) avsc is left to do it. */
function promotion(reader: PrimitiveNode, writer: PrimitiveNode): Emit | typeof UNSUPPORTED | typeof INCOMPATIBLE {
  if (!PROMOTIONS[reader.type]?.includes(writer.type)) return INCOMPATIBLE;
  if (writer.type === 'bytes' && reader.type === 'string') {
    return (buf, pos, out) => {
      const n = readVarint(buf, pos);
      const start = varintEnd;
      if (!isUtf8(buf.subarray(start, start + n))) throw new Error(`bytes of ${n} at offset ${start} read as a string are not valid UTF-8`);
      out.span(buf, pos, start + n);
      return start + n;
    };
  }
  if (writer.type === 'int' && reader.type === 'float') return (buf, pos, out) => { out.float(readVarint(buf, pos)); return varintEnd; };
  if (writer.type === 'int' && reader.type === 'double') return (buf, pos, out) => { out.double(readVarint(buf, pos)); return varintEnd; };
  if (writer.type === 'float' && reader.type === 'double') {
    return (buf, pos, out) => { out.double(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readFloatLE(pos)); return pos + 4; };
  }
  return UNSUPPORTED;
}

/** The reader field's writer field: its index, -1 for none, -2 when several match (ambiguous). */
function fieldMatch(field: FieldNode, writer: RecordNode): number {
  const matches = writerFieldsFor(field, writer);
  return matches.length === 1 ? matches[0]! : matches.length === 0 ? -1 : -2;
}

function asEmit(step: Step): Emit {
  if (!step.copy) return step.emit;
  const skip = step.skip;
  return (buf, pos, out) => { const end = skip(buf, pos); out.span(buf, pos, end); return end; };
}

/** Arrays and maps whose items change: each block is written again with its count and no byte size. */
function blocks(item: Emit, isMap: boolean): Emit {
  return (buf, pos, out) => {
    for (;;) {
      let count = readVarint(buf, pos);
      pos = varintEnd;
      if (count === 0) { out.varint(0); return pos; }
      if (count < 0) { count = -count; readVarint(buf, pos); pos = varintEnd; }
      out.varint(count);
      for (; count > 0; count--) {
        if (isMap) { const n = readVarint(buf, pos); const end = varintEnd + n; out.span(buf, pos, end); pos = end; }
        pos = item(buf, pos, out);
      }
    }
  };
}

/**
 * The plan for reading `writer`'s data as `reader`, or undefined when some part of it needs avsc.
 * `defaults` gives the reader's encoding of a field's default value.
 */
export function makeTranscoder(reader: AvroNode, writer: AvroNode, defaults: DefaultBytes): Transcoder | undefined {
  let step: Compiled;
  try {
    step = new Planner(defaults).compile(reader, writer);
  } catch (error) {
    // A pair nested deeper than the stack allows is left to avsc (and to its own limits).
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (typeof step === 'symbol') return undefined;
  if (step.copy) return (payload) => payload;
  const emit = step.emit;
  return (payload) => {
    const out = new Output(payload.length + 32);
    // Records nested three levels deep in reordered records stay within it; a walk beyond is left to avsc.
    budget = 4 * payload.length + 4096;
    try {
      emit(payload, 0, out);
    } catch (error) {
      if (error === OVER_BUDGET) return undefined;
      throw error;
    }
    return out.buf.subarray(0, out.len);
  };
}
