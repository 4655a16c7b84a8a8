"""The oracle of the writer-schema differential test: fastavro's Avro schema resolution.

Usage:
  resolve_expected.py resolve WRITER READER PAYLOAD_B64   one datum, writer -> reader
  resolve_expected.py read READER PAYLOAD_B64             one datum written in the reader schema
                                                          (WRITER, READER: schema JSON text or a file)
  resolve_expected.py batch ITEMS.json                              many: [{"key", "mode": "resolve"|"read",
                                                                     "writer"?, "reader", "payload_b64"}]
Prints one JSON line per datum: {"key", "ok": true, "value": ...} or {"key", "ok": false, "error": "..."}.

"resolve" is fastavro.schemaless_reader(BytesIO(bytes), writer, reader): the value a reader gets from
bytes written with the writer (defaults filled in, fields matched by name and alias, promotions, enum
defaults, union branches). "read" decodes bytes with the reader schema alone (the trigger topic's bytes,
which must be the reader's own encoding). Either fails when bytes are left over: Avro binary carries no
length, so trailing bytes mean the bytes were not one datum of that schema.

The value is normalised to what the gatekeeper promises a DAG in a DAG run's conf (plain JSON):
- logicalType is stripped from both schemas before reading, so fastavro returns the underlying type
  (date: int days, timestamp-millis: long, decimal: bytes, uuid: string) instead of datetime, Decimal
  or UUID objects, which have no JSON form; resolution itself ignores logical types (the underlying
  types decide, as in Avro's specification and Java's SchemaCompatibility), so this changes no verdict;
- integers beyond 2^53 (not exact in a JSON number / JavaScript) become decimal strings;
- bytes and fixed become base64. A bytes or fixed default arrives from fastavro as the default's JSON
  string (fastavro does not convert it); the specification maps its code points 0-255 to bytes, so it is
  encoded latin-1 first;
- a value at a reader position of type float is rounded to 32 bits: the reader's type is float, and that
  is what its own encoding (the trigger topic's bytes) can hold. fastavro keeps an int or long promoted
  to float at full double precision (16777217 stays 16777217.0; Avro Java gives 16777216.0), so without
  this no re-encoded forward could ever equal it;
- enums are their symbol, unions their unwrapped value (fastavro's default).
"""
import base64
import copy
import io
import json
import struct
import sys

import fastavro

SAFE = 2**53 - 1
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def strip_logical(schema):
    """A copy of the schema without logicalType (and its decimal attributes) anywhere."""
    if isinstance(schema, list):
        return [strip_logical(s) for s in schema]
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k in ("logicalType", "precision", "scale") and "logicalType" in schema:
                continue
            if k in ("type", "items", "values"):
                out[k] = strip_logical(v)
            elif k == "fields":
                out[k] = [dict(fd, type=strip_logical(fd["type"])) for fd in v]
            else:
                out[k] = copy.deepcopy(v)
        return out
    return schema


class Names:
    """Named types of a schema by full name, to follow references while normalising."""

    def __init__(self, schema):
        self.table = {}
        self._collect(schema, None)

    def _full(self, name, namespace):
        return name if "." in name or not namespace else f"{namespace}.{name}"

    def _collect(self, schema, namespace):
        if isinstance(schema, list):
            for s in schema:
                self._collect(s, namespace)
        elif isinstance(schema, dict):
            t = schema.get("type")
            if t in ("record", "error", "enum", "fixed"):
                full = self._full(schema["name"], schema.get("namespace", namespace))
                self.table[full] = schema
                self.table.setdefault(schema["name"].split(".")[-1], schema)
                ns = full.rsplit(".", 1)[0] if "." in full else None
                for fd in schema.get("fields", []):
                    self._collect(fd["type"], ns)
            elif t == "array":
                self._collect(schema["items"], namespace)
            elif t == "map":
                self._collect(schema["values"], namespace)
            elif isinstance(t, (dict, list)):
                self._collect(t, namespace)

    def get(self, name):
        return self.table.get(name) or self.table.get(name.split(".")[-1])


def kind(schema, names):
    """(type name, schema dict) with references and {"type": primitive} followed."""
    if isinstance(schema, list):
        return "union", schema
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return schema, schema
        named = names.get(schema)
        return (named["type"], named) if named else ("unknown", schema)
    t = schema.get("type")
    if isinstance(t, (dict, list)) or (isinstance(t, str) and t not in PRIMITIVES and t not in ("record", "error", "enum", "fixed", "array", "map")):
        return kind(t, names)
    return t, schema


def plain_int(v):
    return str(v) if abs(v) > SAFE else v


def as_bytes(v):
    if isinstance(v, str):
        v = v.encode("latin-1")
    return base64.b64encode(bytes(v)).decode()


def float32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def union_branch(branches, v, names):
    kinds = [kind(b, names) for b in branches]
    def first(*wanted):
        return next((k for k in kinds if k[0] in wanted), None)
    if v is None:
        return first("null")
    if isinstance(v, bool):
        return first("boolean")
    if isinstance(v, int):
        return first("int", "long") or first("double", "float")
    if isinstance(v, float):
        return first("double") or first("float")
    if isinstance(v, (bytes, bytearray)):
        return first("bytes", "fixed")
    if isinstance(v, str):
        return first("string", "enum") or first("bytes", "fixed")
    if isinstance(v, list):
        return first("array")
    if isinstance(v, dict):
        for k in kinds:
            if k[0] in ("record", "error") and set(v.keys()) == {fd["name"] for fd in k[1]["fields"]}:
                return k
        return first("map")
    return None


def normalise(v, schema, names):
    t, s = kind(schema, names)
    if t == "union":
        branch = union_branch(s, v, names)
        return generic(v) if branch is None else normalise(v, branch[1], names)
    if v is None or isinstance(v, bool):
        return v
    if t in ("bytes", "fixed"):
        return as_bytes(v)
    if t == "float" and isinstance(v, (int, float)):
        return float32(float(v))
    if t in ("record", "error") and isinstance(v, dict):
        types = {fd["name"]: fd["type"] for fd in s["fields"]}
        return {k: normalise(x, types[k], names) if k in types else generic(x) for k, x in v.items()}
    if t == "array" and isinstance(v, list):
        return [normalise(x, s["items"], names) for x in v]
    if t == "map" and isinstance(v, dict):
        return {k: normalise(x, s["values"], names) for k, x in v.items()}
    return generic(v)


def generic(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return plain_int(v)
    if isinstance(v, (bytes, bytearray)):
        return as_bytes(v)
    if isinstance(v, list):
        return [generic(x) for x in v]
    if isinstance(v, dict):
        return {k: generic(x) for k, x in v.items()}
    return v


def one(item):
    key = item.get("key")
    try:
        reader = strip_logical(item["reader"])
        writer = strip_logical(item["writer"]) if item.get("mode", "resolve") == "resolve" else reader
        data = base64.b64decode(item["payload_b64"])
        buf = io.BytesIO(data)
        value = fastavro.schemaless_reader(buf, writer, reader)
        if buf.tell() != len(data):
            raise ValueError(f"{len(data) - buf.tell()} trailing bytes after the datum (ends at byte {buf.tell()} of {len(data)})")
        return {"key": key, "ok": True, "value": normalise(value, reader, Names(reader))}
    except Exception as error:  # noqa: BLE001 - every failure is an answer of the oracle
        return {"key": key, "ok": False, "error": f"{type(error).__name__}: {error}"}


def schema_arg(text):
    return json.loads(text) if text.lstrip().startswith(("{", "[", '"')) else json.load(open(text))


def main():
    mode = sys.argv[1]
    if mode == "batch":
        items = json.load(open(sys.argv[2]))
    elif mode == "resolve":
        items = [{"key": None, "mode": "resolve", "writer": schema_arg(sys.argv[2]), "reader": schema_arg(sys.argv[3]), "payload_b64": sys.argv[4]}]
    elif mode == "read":
        items = [{"key": None, "mode": "read", "reader": schema_arg(sys.argv[2]), "payload_b64": sys.argv[3]}]
    else:
        raise SystemExit(f"unknown mode {mode!r}: use resolve, read or batch")
    out = sys.stdout
    for item in items:
        out.write(json.dumps(one(item)) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
