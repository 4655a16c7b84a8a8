// Three places where avsc's schema resolution reads a value differently from Apache Avro (and from
// fastavro, which the tests use as the oracle), corrected once for the whole process, before any avsc
// type is built (resolvers capture these functions when they are created):
// - a string that is not valid UTF-8 (also bytes promoted to string) is an error, not U+FFFD text;
// - long → float/double reads the long exactly before rounding (avsc's fast path loses the sign and
//   precision beyond 2^53);
// - int or long → float rounds to single precision, as the reader's type holds it.
import { isUtf8 } from 'node:buffer';
import avro from 'avsc';

type Tap = { pos: number; buf: Buffer; readLong(): number; _invalidate(): void; unpackLongBytes(): Buffer };
type Resolver = { _read(tap: Tap): unknown };
type Proto = {
  _read(tap: Tap): unknown;
  _update(resolver: Resolver, type: { typeName: string; _read(tap: Tap): unknown }): void;
};

export class InvalidUtf8Error extends Error {}

let applied = false;

export function applyAvscCorrections(): void {
  if (applied) return;
  applied = true;
  const types = avro.types as unknown as Record<string, { prototype: Proto }>;

  // Tap.readString, with the bytes checked when the lenient decode had to replace something.
  const strictString = function (this: unknown, tap: Tap): unknown {
    const len = tap.readLong();
    if (len < 0) { tap._invalidate(); return ''; }
    const pos = tap.pos;
    tap.pos += len;
    if (tap.pos > tap.buf.length) return undefined;
    const bytes = tap.buf.subarray(pos, pos + len);
    const value = bytes.toString('utf8');
    if (value.includes('\uFFFD') && !isUtf8(bytes)) throw new InvalidUtf8Error(`a string of ${len} bytes at offset ${pos} is not valid UTF-8`);
    return value;
  };
  types.StringType!.prototype._read = strictString;

  const exactLong = (tap: Tap) => Number(tap.unpackLongBytes().readBigInt64LE(0));
  const float = types.FloatType!.prototype;
  const floatUpdate = float._update;
  float._update = function (resolver, type) {
    floatUpdate.call(this, resolver, type);
    if (type.typeName === 'int') resolver._read = (tap) => Math.fround(type._read(tap) as number);
    if (type.typeName === 'long' || type.typeName === 'abstract:long') resolver._read = (tap) => Math.fround(exactLong(tap));
  };
  const double = types.DoubleType!.prototype;
  const doubleUpdate = double._update;
  double._update = function (resolver, type) {
    doubleUpdate.call(this, resolver, type);
    if (type.typeName === 'long' || type.typeName === 'abstract:long') resolver._read = exactLong;
  };
}

