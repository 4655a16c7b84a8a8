"""The manifest as the server reads it, and the hash it stores (the cross-language equality itself is
proved by test/integration/airflow-package/contract-hash.test.ts in the repository)."""

from __future__ import annotations

import hashlib
import json

import pytest

from dagpact_airflow.contract import ManifestError, _js_number, load_contract, normalize_topic, stable_stringify
from dagpact_airflow.yaml12 import load_yaml12


@pytest.mark.parametrize(("text", "expected"), [
    ("a: on", {"a": "on"}), ("a: yes", {"a": "yes"}), ("a: true", {"a": True}), ("a: 010", {"a": 10}),
    ("a: 0o10", {"a": 8}), ("a: 0x1f", {"a": 31}), ("a: 1e3", {"a": 1000.0}), ("a: 2026-11-25", {"a": "2026-11-25"}),
    ("a: ~", {"a": None}), ("a: .inf", {"a": float("inf")}), ("<<: 1", {"<<": 1}), ("a: 1_000", {"a": "1_000"}),
])
def test_yaml_12_core_schema(text, expected):
    assert load_yaml12(text) == expected


def test_yaml_duplicate_keys_are_refused():
    with pytest.raises(Exception, match="unique"):
        load_yaml12("a: 1\na: 2\n")


@pytest.mark.parametrize(("value", "js"), [
    (1, "1"), (1.0, "1"), (-0.0, "0"), (1.5, "1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (1e-7, "1e-7"), (0.000001, "0.000001"), (123456789.125, "123456789.125"), (2**53 + 1, "9007199254740992"),
    (1.2345e-10, "1.2345e-10"), (float("nan"), "null"),
])
def test_numbers_as_javascript_writes_them(value, js):
    assert _js_number(value) == js


def test_stable_stringify_sorts_keys_by_utf16_and_keeps_unicode():
    assert stable_stringify({"b": [1, {"é": "ü", "a": None}], "a": "x\n\u0001"}) == '{"a":"x\\n\\u0001","b":[1,{"a":null,"é":"ü"}]}'


@pytest.mark.parametrize(("name", "full"), [
    ("orders", "persistent://public/default/orders"), ("t/ns/x", "persistent://t/ns/x"),
    ("non-persistent://t/ns/x", "non-persistent://t/ns/x"),
])
def test_topics_are_normalized(name, full):
    assert normalize_topic(name) == full


def test_identity_applies_the_servers_defaults(manifest_file):
    c = load_contract(manifest_file("""
        dag_id: orders_etl
        version: v1
        on_mismatch: reject
        consumes:
          - { topic: orders, subject: orders-value, version: latest, trigger_topic: orders-trigger }
          - { topic: a/b/customers, subject: customers-value, version: 2, on_mismatch: quarantine }
        produces:
          - topic: enriched
            schemaType: AVRO
            schema: { type: record, name: E, fields: [{ name: id, type: long }] }
    """))
    identity = c.identity()
    assert identity == {
        "airflow_version_number": None,
        "consumes": [
            {"topic": "persistent://a/b/customers", "subject": "customers-value", "version": 2, "on_mismatch": "quarantine"},
            {"topic": "persistent://public/default/orders", "subject": "orders-value", "version": "latest", "on_mismatch": "reject",
             "trigger_topic": "persistent://public/default/orders-trigger"},
        ],
        "produces": [{"topic": "persistent://public/default/enriched", "subject": "enriched-value", "schemaType": "AVRO",
                      "schema": {"type": "record", "name": "E", "fields": [{"name": "id", "type": "long"}]}}],
    }
    assert c.contract_hash == hashlib.sha256(stable_stringify(identity).encode()).hexdigest()
    assert c.tag == f"dagpact-contract:{c.contract_hash}"


def test_the_version_label_is_not_part_of_the_hash(manifest_file):
    a = load_contract(manifest_file("dag_id: d\nversion: v1\nproduces: [{topic: x, subject: s, version: 1}]\n", "a.yaml"))
    b = load_contract(manifest_file("dag_id: d\nversion: v2\nproduces: [{topic: x, subject: s, version: 1}]\n", "b.yaml"))
    assert a.contract_hash == b.contract_hash
    assert a.with_version("v9").contract_hash == a.contract_hash


def test_inline_schema_given_as_json_text_hashes_like_the_object(manifest_file):
    schema = {"type": "record", "name": "E", "fields": [{"name": "id", "type": "long"}]}
    a = load_contract(manifest_file(f"dag_id: d\nversion: v\nproduces: [{{topic: x, schemaType: AVRO, schema: {json.dumps(json.dumps(schema))}}}]\n", "a.yaml"))
    b = load_contract(manifest_file(f"dag_id: d\nversion: v\nproduces: [{{topic: x, schemaType: AVRO, schema: {json.dumps(schema)}}}]\n", "b.yaml"))
    assert a.contract_hash == b.contract_hash


@pytest.mark.parametrize(("text", "path"), [
    ("dag_id: d\nversion: v\nconsumes: [{topic: x, subject: s}]\n", "$.consumes[0]"),
    ("dag_id: d\nversion: v\nconsumes: [{topic: x, subject: s, version: 1, colour: red}]\n", "$.consumes[0]"),
    ("dag_id: d\nversion: v\nconsumes: []\n", "$.consumes"),
    ("dag_id: d\nversion: v\nconsumes: [{topic: x, subject: s, version: 1}, {topic: persistent://public/default/x, subject: s, version: 1}]\n", "$.consumes[1].topic"),
    ("dag_id: d\nversion: v\nconsumes: [{topic: x, subject: s, version: 1, forward_to: airflow, trigger_topic: t}]\n", "$.consumes[0].trigger_topic"),
])
def test_invalid_manifests_name_the_path(manifest_file, text, path):
    with pytest.raises(ManifestError) as err:
        load_contract(manifest_file(text))
    assert path in [p for p, _ in err.value.problems], err.value.problems


def test_entries_by_topic(manifest_file):
    c = load_contract(manifest_file("dag_id: d\nversion: v\nconsumes: [{topic: a, subject: s, version: 1}]\nproduces: [{topic: b, subject: s, version: 1}, {topic: c, subject: t, version: 2}]\n"))
    assert c.consumed().topic == "persistent://public/default/a"
    assert c.produced("c").subject == "t"
    with pytest.raises(KeyError, match="name the topic"):
        c.produced()
    with pytest.raises(KeyError, match="does not list persistent://public/default/z under produces"):
        c.produced("z")
