"""Records checked before sending (naming the field), and forwarded bytes read in the reader schema."""

from __future__ import annotations

import io

import fastavro
import pytest

from dagpact_airflow.codec import RecordMismatch, check_record, decode, encode, json_safe, split_confluent

from conftest import ORDER


@pytest.mark.parametrize(("record", "fields"), [
    ({"id": "7", "customer": "ann"}, ["id"]),
    ({"customer": "ann"}, ["id"]),
    ({"id": 7, "customer": "ann", "colour": "red"}, ["colour"]),
    ({"id": 7, "customer": None, "coupon": 3}, ["customer", "coupon"]),
])
def test_avro_mismatches_name_the_fields(record, fields):
    with pytest.raises(RecordMismatch) as err:
        check_record(record, schema_type="AVRO", schema=ORDER, subject="orders-value", topic="persistent://public/default/orders")
    assert err.value.fields == fields
    assert "was not sent" in str(err.value) and fields[0] in str(err.value)


def test_a_matching_avro_record_passes():
    check_record({"id": 7, "customer": "ann"}, schema_type="AVRO", schema=ORDER, subject="s", topic="t")


def test_json_schema_mismatch_names_the_path():
    schema = {"type": "object", "properties": {"id": {"type": "integer"}, "lines": {"type": "array", "items": {"type": "string"}}}, "required": ["id"]}
    with pytest.raises(RecordMismatch) as err:
        check_record({"id": 1, "lines": ["a", 2]}, schema_type="JSON", schema=schema, subject="s", topic="t")
    assert err.value.fields == ["lines.1"]


def test_writer_bytes_are_read_in_the_reader_schema():
    writer = {**ORDER, "fields": ORDER["fields"][:2]}  # no coupon: the reader's default fills it
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(writer), {"id": 1, "customer": "ann"})
    assert decode(buf.getvalue(), schema_type="AVRO", reader=ORDER, writer=writer) == {"id": 1, "customer": "ann", "coupon": None}


def test_confluent_prefix_only_for_the_named_schema_id():
    body = encode({"id": 0, "customer": ""}, schema_type="AVRO", schema=ORDER)
    framed = encode({"id": 0, "customer": ""}, schema_type="AVRO", schema=ORDER, confluent_id=42)
    assert split_confluent(framed, 42) == (42, body)
    assert split_confluent(body, 42) == (None, body)  # plain Avro starting with a zero byte stays whole


def test_json_safe_values():
    assert json_safe({"b": b"\x00\x01", "n": [1]}) == {"b": "AAE=", "n": [1]}


def test_message_ids_are_written_as_dagpact_writes_them():
    from types import SimpleNamespace

    from dagpact_airflow.codec import message_id_text

    mid = SimpleNamespace(ledger_id=lambda: 12, entry_id=lambda: 3, partition=lambda: -1, batch_index=lambda: -1)
    assert message_id_text(mid) == "12:3:-1:-1"
