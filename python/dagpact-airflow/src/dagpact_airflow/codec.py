"""Decoding what the gatekeeper forwarded (in the writer's bytes) into the contract's reader schema,
and checking / encoding what a task publishes under its contract's writer schema."""

from __future__ import annotations

import base64
import datetime
import decimal
import io
import json
import uuid
from typing import Any

import fastavro

CONFLUENT_MAGIC = 0


class RecordMismatch(ValueError):
    """A record does not match the contract's schema; ``problems`` are (field path, message) pairs."""

    def __init__(self, subject: str, topic: str, problems: list[tuple[str, str]]):
        self.problems = problems
        self.fields = [p for p, _ in problems]
        listed = "; ".join(f"{path}: {message}" for path, message in problems[:5])
        super().__init__(f"the record does not match the contract's schema for {topic} ({subject}), so it was not sent: {listed}")


def message_id_text(message_id: Any) -> str:
    """A Pulsar message id as dagpact writes it (``ledger:entry:partition:batch``, as in the
    gatekeeper's ``dagpact-source-message-id`` and quarantine records), not the client's ``(l,e,p,b)``."""
    return f"{message_id.ledger_id()}:{message_id.entry_id()}:{message_id.partition()}:{message_id.batch_index()}"


def split_confluent(payload: bytes, schema_id: int | None) -> tuple[int | None, bytes]:
    """Strips a Confluent wire-format prefix (magic 0 + 4-byte schema id) when the payload has one for
    ``schema_id`` (a plain Avro payload may start with a zero byte too, so the id must match)."""
    if len(payload) >= 5 and payload[0] == CONFLUENT_MAGIC:
        embedded = int.from_bytes(payload[1:5], "big")
        if schema_id is None or embedded == schema_id:
            return embedded, payload[5:]
    return None, payload


def json_safe(value: Any) -> Any:
    """A decoded Avro value as JSON (asset event extras and XComs are JSON): bytes as base64 text,
    decimals as text, dates and times in ISO 8601, UUIDs as text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def decode(payload: bytes, *, schema_type: str, reader: Any, writer: Any | None) -> Any:
    """The value as the reader schema reads it. Avro: written with ``writer`` (the reader itself when
    the writer is not known), resolved into ``reader``. JSON: the document."""
    if schema_type == "JSON":
        return json.loads(payload.decode("utf-8"))
    reader_parsed = fastavro.parse_schema(reader)
    writer_parsed = fastavro.parse_schema(writer) if writer is not None else reader_parsed
    return fastavro.schemaless_reader(io.BytesIO(payload), writer_parsed, reader_parsed)


def _avro_problems(record: Any, schema: Any) -> list[tuple[str, str]]:
    """Walks the record against the schema and names the first wrong field on each path."""
    problems: list[tuple[str, str]] = []

    def ok(value: Any, s: Any) -> bool:
        return fastavro.validation.validate(value, s, raise_errors=False)

    def walk(value: Any, s: Any, path: str) -> None:
        if isinstance(s, dict) and s.get("type") == "record":
            if not isinstance(value, dict):
                problems.append((path or "$", f"must be a record ({s.get('name')}), got {type(value).__name__}"))
                return
            names = {f["name"] for f in s["fields"]}
            for f in s["fields"]:
                sub = f"{path}.{f['name']}" if path else f["name"]
                if f["name"] not in value:
                    if "default" not in f:
                        problems.append((sub, "is required and missing"))
                    continue
                if not ok(value[f["name"]], named.get(f["type"], f["type"]) if isinstance(f["type"], str) else f["type"]):
                    walk(value[f["name"]], f["type"], sub)
            for extra in sorted(set(value) - names):
                problems.append((f"{path}.{extra}" if path else extra, "is not a field of the schema"))
            return
        problems.append((path or "$", f"{value!r} is not a valid {_describe(s)}"))

    named: dict[str, Any] = {}
    parsed = fastavro.parse_schema(schema, named_schemas=named)
    walk(record, parsed, "")
    if not problems and not ok(record, parsed):
        problems.append(("$", "does not match the schema"))
    return problems


def _describe(s: Any) -> str:
    if isinstance(s, list):
        return " or ".join(_describe(x) for x in s)
    if isinstance(s, dict):
        return str(s.get("logicalType") or s.get("type"))
    return str(s).split(".")[-1]


def _json_problems(record: Any, schema: Any) -> list[tuple[str, str]]:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema)
    problems = []
    for e in sorted(cls(schema).iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(p) for p in e.absolute_path) or "$"
        problems.append((path, e.message))
    return problems


def check_record(record: Any, *, schema_type: str, schema: Any, subject: str, topic: str) -> None:
    """Raises RecordMismatch naming each field that does not match the writer schema."""
    problems = _json_problems(record, schema) if schema_type == "JSON" else _avro_problems(record, schema)
    if problems:
        raise RecordMismatch(subject, topic, problems)


def encode(record: Any, *, schema_type: str, schema: Any, confluent_id: int | None = None) -> bytes:
    """The payload bytes: Avro binary or JSON text, with a Confluent prefix when an id is given."""
    if schema_type == "JSON":
        body = json.dumps(record, separators=(",", ":")).encode("utf-8")
    else:
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), record)
        body = buf.getvalue()
    if confluent_id is None:
        return body
    return bytes([CONFLUENT_MAGIC]) + confluent_id.to_bytes(4, "big") + body
