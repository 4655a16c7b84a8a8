"""The publish hook refuses a wrong record before it touches a connection or Pulsar, and tags what it sends."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dagpact_airflow import DagpactPublishHook, RecordMismatch, load_contract
from dagpact_airflow.trigger import _properties_provenance

MANIFEST = """
dag_id: orders_etl
version: v7
produces:
  - topic: enriched
    schemaType: AVRO
    schema: { type: record, name: E, fields: [{ name: id, type: long }, { name: total_cents, type: long }] }
"""


@pytest.fixture
def hook(manifest_file):
    # Connection ids that do not exist: any attempt to reach Pulsar or dagpact would raise.
    return DagpactPublishHook(load_contract(manifest_file(MANIFEST)), pulsar_conn_id="nope", dagpact_conn_id="nope")


def test_a_wrong_record_is_refused_before_anything_is_contacted(hook):
    with pytest.raises(RecordMismatch) as err:
        hook.publish({"id": 1, "total_cents": "12"})
    assert err.value.fields == ["total_cents"]
    assert hook._client is None and hook._producers == {}


def test_messages_are_tagged_for_lineage(hook):
    upstream = {"message": {"id": 1}, "dagpact": {"source_topic": "persistent://public/default/orders", "message_id": "5:1:-1:0", "dag_version": "abc123"}}
    context = {"dag_run": SimpleNamespace(run_id="run-1", conf=upstream), "ti": SimpleNamespace(task_id="enrich")}
    props = hook.properties(hook.contract.produced(), context)
    assert props == {
        "dagpact-producer-dag-id": "orders_etl", "dagpact-producer-dag-version": "abc123",
        "dagpact-producer-contract-hash": hook.contract.contract_hash, "dagpact-producer-subject": "enriched-value",
        "dagpact-producer-subject-version": "inline", "dagpact-producer-run-id": "run-1", "dagpact-producer-task-id": "enrich",
        "dagpact-upstream-topic": "persistent://public/default/orders", "dagpact-upstream-message-id": "5:1:-1:0",
    }


def test_forward_properties_become_provenance():
    p = _properties_provenance({"dagpact-source-topic": "t", "dagpact-source-message-id": "1:2:-1:0", "dagpact-dag-id": "d",
                                "dagpact-dag-version": "v", "dagpact-contract-subject": "s", "dagpact-contract-version": "3",
                                "dagpact-writer-schema-id": "9", "team": "x"})
    assert (p["source_topic"], p["message_id"], p["contract_version"], p["writer_schema_id"], p["properties"]["team"]) == ("t", "1:2:-1:0", 3, 9, "x")
