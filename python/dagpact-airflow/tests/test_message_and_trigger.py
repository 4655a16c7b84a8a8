"""What a task reads, from either path, and the trigger's wiring into Airflow's asset watchers."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from dagpact_airflow import NoDagpactMessage, SeveralDagpactMessages, get_message, get_messages, load_contract
from dagpact_airflow.trigger import _UNDECODABLE, DagpactTrigger, contract_asset

DOC = {"message": {"id": 1}, "dagpact": {"source_topic": "persistent://public/default/orders", "message_id": "1:2:-1:0",
                                          "dag_id": "orders_etl", "dag_version": "v1", "contract_subject": "orders-value", "contract_version": 3}}


def test_a_rest_run_reads_its_conf():
    m = get_message({"dag_run": SimpleNamespace(conf=DOC, run_id="r1")})
    assert (m.value, m.message_id, m.contract_version, m.via) == ({"id": 1}, "1:2:-1:0", 3, "rest")


def test_an_asset_run_reads_its_event_payload():
    ev = SimpleNamespace(timestamp=1, extra={"from_trigger": True, "payload": DOC})
    m = get_message({"dag_run": SimpleNamespace(conf={}, run_id="r1"), "triggering_asset_events": {"asset": [ev]}})
    assert (m.value, m.source_topic, m.via) == ({"id": 1}, "persistent://public/default/orders", "asset")


def test_several_events_in_one_run():
    evs = [SimpleNamespace(timestamp=t, extra={"payload": {**DOC, "message": {"id": t}}}) for t in (2, 1)]
    ctx = {"dag_run": SimpleNamespace(conf={}, run_id="r"), "triggering_asset_events": {"a": evs}}
    assert [m.value["id"] for m in get_messages(ctx)] == [1, 2]
    with pytest.raises(SeveralDagpactMessages, match="get_messages"):
        get_message(ctx)


def test_a_run_without_a_message():
    with pytest.raises(NoDagpactMessage, match="run r9"):
        get_message({"dag_run": SimpleNamespace(conf={"x": 1}, run_id="r9")})


@pytest.fixture
def contract(manifest_file):
    return load_contract(manifest_file("""
        dag_id: orders_etl
        version: v1
        consumes:
          - topic: orders
            trigger_topic: orders-etl-trigger
            schemaType: AVRO
            schema: { type: record, name: O, fields: [{ name: id, type: long }] }
          - { topic: other, subject: other-value, version: 2 }
    """))


def test_trigger_for_a_contract_topic(contract):
    t = DagpactTrigger.for_contract(contract, "orders")
    classpath, kwargs = t.serialize()
    assert classpath == "dagpact_airflow.trigger.DagpactTrigger"
    assert kwargs["topic"] == "persistent://public/default/orders-etl-trigger"
    assert kwargs["reader_schema"]["name"] == "O" and kwargs["schema_type"] == "AVRO"
    assert kwargs["contract_hash"] == contract.contract_hash
    assert DagpactTrigger(**kwargs).serialize() == (classpath, kwargs)
    by_ref = DagpactTrigger.for_contract(contract, "other").serialize()[1]
    assert by_ref["topic"] == "persistent://public/default/dagpact-trigger-orders_etl"
    assert (by_ref["subject"], by_ref["subject_version"], by_ref["reader_schema"]) == ("other-value", 2, None)
    assert t.shared_stream_key() == ("dagpact", "pulsar_default", kwargs["topic"], "dagpact-airflow-orders_etl")


def test_contract_asset_is_an_airflow_asset_with_a_watcher(contract):
    asset = contract_asset(contract, "orders")
    assert asset.uri == "pulsar://public/default/orders-etl-trigger"
    assert isinstance(asset.watchers[0].trigger, DagpactTrigger)


def test_undecodable_messages_are_refused_not_yielded(contract, monkeypatch):
    refused = []
    monkeypatch.setattr("dagpact_airflow.trigger.reject_shared_stream_event", lambda: refused.append(1))

    async def stream():
        yield {_UNDECODABLE: "bad", "dagpact": {"trigger_message_id": "1"}}
        yield DOC

    async def collect():
        return [e async for e in DagpactTrigger.for_contract(contract, "orders").filter_shared_stream(stream())]

    events = asyncio.run(collect())
    assert [e.payload for e in events] == [DOC] and refused == [1]
