"""A DAG version's contract as dagpact reads it: the manifest YAML, validated and normalized, and the
contract hash dagpact's server computes for it.

The hash must equal the ``contract_hash`` that ``dagpact register`` stores (the server's
``contractHash(contractIdentity(manifest))``, src/core/contracts/identity.ts): the DAG carries it as
a tag and dagpact compares the two. This module therefore mirrors, step by step, what the server
does: YAML 1.2 parsing, topic normalization, defaults, the identity document (entries sorted by
topic) and its JSON text with keys sorted and numbers written as JavaScript writes them. A test in
the repository (test/integration/airflow-package/contract-hash.test.ts) runs both on the same
manifests and on a real registration.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from dagpact_airflow.yaml12 import load_yaml12

TAG_PREFIX = "dagpact-contract:"
Direction = Literal["consumes", "produces"]


class ManifestError(ValueError):
    """The manifest is not one dagpact would accept; ``problems`` are (JSON path, message) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        listed = "; ".join(f"{path} {message}" for path, message in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{source}: the contract manifest is invalid: {listed}{more}")


@cache
def _validator() -> Any:
    import jsonschema

    text = resources.files("dagpact_airflow").joinpath("contract-manifest.schema.json").read_text("utf-8")
    return jsonschema.Draft7Validator(json.loads(text))


def _json_path(parts: list[Any]) -> str:
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(p)):
            out += f".{p}"
        else:
            out += f"[{json.dumps(p)}]"
    return out


def normalize_topic(name: str) -> str:
    """``persistent://t/ns/x`` stays; ``t/ns/x`` and a bare ``x`` (public/default) become persistent://."""
    m = re.match(r"^(persistent|non-persistent)://", name)
    rest = name[m.end():] if m else name
    parts = rest.split("/")
    full = ["public", "default", parts[0]] if len(parts) == 1 else parts
    return f"{m.group(1) if m else 'persistent'}://{'/'.join(full)}"


def topic_local_name(topic: str) -> str:
    parts = re.sub(r"^[a-z-]+://", "", topic).split("/")
    return parts[2] if len(parts) > 2 else ""


# --- JSON text as JavaScript's JSON.stringify writes it (the server hashes that text) ---------------

def _js_number(value: int | float) -> str:
    if isinstance(value, int):
        if abs(value) <= 2**53:
            return str(value)
        value = float(value)  # JavaScript reads large integers as doubles
    if math.isnan(value) or math.isinf(value):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # ECMAScript Number::toString over the shortest round-trip digits (which repr gives).
    digits_tuple = Decimal(repr(abs(value))).normalize().as_tuple()
    s = "".join(map(str, digits_tuple.digits))
    k = len(s)
    n = int(digits_tuple.exponent) + k
    if k <= n <= 21:
        text = s + "0" * (n - k)
    elif 0 < n <= 21:
        text = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + s
    else:
        e = n - 1
        exp = f"e{'+' if e > 0 else '-'}{abs(e)}"
        text = (s + exp) if k == 1 else (s[0] + "." + s[1:] + exp)
    return sign + text


def _js_key(key: str) -> list[int]:
    """JavaScript compares strings by UTF-16 code units."""
    data = key.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def stable_stringify(value: Any) -> str:
    """JSON with object keys sorted, byte for byte what the server's stableStringify writes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return _js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(stable_stringify(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(((str(k), v) for k, v in value.items()), key=lambda kv: _js_key(kv[0]))
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{stable_stringify(v)}" for k, v in items) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _json_roundtrip(value: Any) -> Any:
    """What JSON.parse(JSON.stringify(value)) gives in JavaScript: non-finite numbers become null."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _json_roundtrip(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_roundtrip(v) for v in value]
    return value


# --- the manifest -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractEntry:
    """One topic of the contract, normalized as the server normalizes it."""

    topic: str
    subject: str
    version: int | str | None = None  # a number or "latest" (by reference); None for an inline schema
    schema: Any = None  # the inline schema document (parsed JSON)
    schema_type: str | None = None  # AVRO | JSON for an inline schema
    references: tuple[dict[str, Any], ...] = ()
    on_mismatch: str | None = None
    trigger_topic: str | None = None
    forward_to: str | None = None

    @property
    def inline(self) -> bool:
        return self.version is None

    def identity(self) -> dict[str, Any]:
        out: dict[str, Any] = {"topic": self.topic, "subject": self.subject}
        if self.on_mismatch:
            out["on_mismatch"] = self.on_mismatch
        if self.trigger_topic:
            out["trigger_topic"] = self.trigger_topic
        if self.forward_to:
            out["forward_to"] = self.forward_to
        if not self.inline:
            out["version"] = self.version
            return out
        out["schema"] = self.schema
        out["schemaType"] = self.schema_type
        if self.references:
            out["references"] = list(self.references)
        return out


@dataclass(frozen=True)
class Contract:
    """A parsed manifest: what one DAG version consumes and produces."""

    dag_id: str
    version: str
    consumes: tuple[ContractEntry, ...]
    produces: tuple[ContractEntry, ...]
    airflow_version_number: int | None = None
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    source: str = field(default="<manifest>", compare=False)

    def identity(self) -> dict[str, Any]:
        """The server's ContractIdentity: what the hash is computed from."""
        key = lambda e: _js_key(e["topic"])  # noqa: E731
        return {
            "airflow_version_number": self.airflow_version_number,
            "consumes": sorted((e.identity() for e in self.consumes), key=key),
            "produces": sorted((e.identity() for e in self.produces), key=key),
        }

    @property
    def contract_hash(self) -> str:
        """The full hex sha256 dagpact stores as the DAG version's contract_hash."""
        return hashlib.sha256(stable_stringify(self.identity()).encode("utf-8")).hexdigest()

    @property
    def tag(self) -> str:
        """The Airflow DAG tag that declares this contract."""
        return TAG_PREFIX + self.contract_hash

    def consumed(self, topic: str | None = None) -> ContractEntry:
        return self._entry(self.consumes, "consumes", topic)

    def produced(self, topic: str | None = None) -> ContractEntry:
        return self._entry(self.produces, "produces", topic)

    def _entry(self, entries: tuple[ContractEntry, ...], direction: str, topic: str | None) -> ContractEntry:
        if topic is None:
            if len(entries) != 1:
                names = ", ".join(e.topic for e in entries) or "none"
                raise KeyError(f"{self.source} {direction} {len(entries)} topics ({names}): name the topic")
            return entries[0]
        wanted = normalize_topic(topic)
        for e in entries:
            if e.topic == wanted:
                return e
        names = ", ".join(e.topic for e in entries) or "no topic"
        raise KeyError(f"{self.source} does not list {wanted} under {direction} (it lists {names})")

    def with_version(self, version: str) -> Contract:
        doc = dict(self.document, version=version)
        return Contract(self.dag_id, version, self.consumes, self.produces, self.airflow_version_number, doc, self.source)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.document, sort_keys=False, allow_unicode=True)


def _entry(raw: dict[str, Any], direction: Direction, index: int, default_on_mismatch: str | None,
           problems: list[tuple[str, str]]) -> ContractEntry:
    topic = normalize_topic(raw["topic"])
    consume: dict[str, Any] = {}
    if raw.get("forward_to") == "airflow" and raw.get("trigger_topic"):
        problems.append((f"$.{direction}[{index}].trigger_topic",
                         "is not used with forward_to: airflow (accepted messages become DAG runs); remove one of them"))
    if direction == "consumes":
        consume["on_mismatch"] = raw.get("on_mismatch") or default_on_mismatch or "quarantine"
        if raw.get("trigger_topic"):
            consume["trigger_topic"] = normalize_topic(raw["trigger_topic"])
        if raw.get("forward_to"):
            consume["forward_to"] = raw["forward_to"]
    if "schema" not in raw or raw["schema"] is None:
        return ContractEntry(topic=topic, subject=raw["subject"], version=raw["version"], **consume)
    schema = raw["schema"]
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError:
            problems.append((f"$.{direction}[{index}].schema",
                             "is a string but not JSON text; give the schema as a YAML/JSON object or as its JSON text"))
    else:
        schema = _json_roundtrip(schema)
    refs = tuple({"name": r["name"], "subject": r["subject"], "version": r["version"]} for r in raw.get("references") or [])
    return ContractEntry(topic=topic, subject=raw.get("subject") or f"{topic_local_name(topic)}-value", schema=schema,
                         schema_type=raw["schemaType"], references=refs, **consume)


def parse_manifest(doc: Any, source: str = "<manifest>") -> Contract:
    """Validates and normalizes a manifest document (as parsed from YAML) like the server does."""
    if not isinstance(doc, dict):
        raise ManifestError(source, [("$", "must be an object with dag_id, version, consumes and produces")])
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ManifestError(source, [(_json_path(list(e.absolute_path)), e.message) for e in errors])
    problems: list[tuple[str, str]] = []
    consumes = tuple(_entry(e, "consumes", i, doc.get("on_mismatch"), problems) for i, e in enumerate(doc.get("consumes") or []))
    produces = tuple(_entry(e, "produces", i, None, problems) for i, e in enumerate(doc.get("produces") or []))
    for direction, entries in (("consumes", consumes), ("produces", produces)):
        seen: set[str] = set()
        for i, e in enumerate(entries):
            if e.topic in seen:
                problems.append((f"$.{direction}[{i}].topic", f"lists {e.topic} a second time"))
            seen.add(e.topic)
    if not consumes and not produces:
        problems.append(("$.consumes", "a contract must consume or produce at least one topic"))
    if problems:
        raise ManifestError(source, problems)
    return Contract(dag_id=doc["dag_id"], version=doc["version"], consumes=consumes, produces=produces,
                    airflow_version_number=doc.get("airflow_version_number"), document=doc, source=source)


def load_contract(path: str | Path) -> Contract:
    """Reads a manifest file (YAML or JSON)."""
    p = Path(path)
    try:
        doc = load_yaml12(p.read_text("utf-8"))
    except Exception as error:  # yaml errors carry the line
        if isinstance(error, OSError):
            raise
        raise ManifestError(str(p), [("$", f"is not valid YAML or JSON: {str(error).splitlines()[0]}")]) from error
    return parse_manifest(doc, source=str(p))
