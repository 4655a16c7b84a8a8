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
    evs = [SimpleNamespace(timestamp=t, extra={"payload": {"message": {"id": t}, "dagpact": {**DOC["dagpact"], "message_id": f"1:{t}:-1:0"}}})
           for t in (2, 1)]
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


def test_a_message_stored_twice_in_one_run_is_read_once():
    # pacing="stored": a redelivered message becomes a second event with the same source message id.
    evs = [SimpleNamespace(timestamp=t, extra={"payload": {**DOC, "dagpact": {**DOC["dagpact"], "trigger_message_id": str(t)}}}) for t in (1, 2)]
    ctx = {"dag_run": SimpleNamespace(conf={}, run_id="r"), "triggering_asset_events": {"a": evs}}
    assert [m.trigger_message_id for m in get_messages(ctx)] == ["1"]
    assert get_message(ctx).message_id == "1:2:-1:0"


def test_message_identity_prefers_the_source_message():
    from dagpact_airflow.message import message_identity

    assert message_identity(DOC["dagpact"]) == "persistent://public/default/orders#1:2:-1:0"
    assert message_identity({"trigger_topic": "t", "trigger_message_id": "9:1:-1:0"}) == "t#9:1:-1:0"
    assert message_identity({"dag_id": "x"}) is None


def test_pacing_defaults_to_one_run_per_message(contract):
    asset = contract_asset(contract, "orders")
    kwargs = asset.watchers[0].trigger.serialize()[1]
    assert kwargs["pacing"] == "run" and kwargs["airflow_conn_id"] == "airflow_api_default"
    # The trigger finds its asset's events by the asset's name and uri.
    assert (kwargs["asset_name"], kwargs["asset_uri"]) == (asset.name, asset.uri)
    fast = contract_asset(contract, "orders", pacing="stored").watchers[0].trigger
    assert fast.serialize()[1]["pacing"] == "stored"
    with pytest.raises(ValueError, match="pacing must be one of run, stored"):
        DagpactTrigger.for_contract(contract, "orders", pacing="fast")
    # pacing "run" without the asset's name cannot find its events: refused when the stream starts.
    with pytest.raises(ValueError, match="asset_name"):
        DagpactTrigger.create_shared_stream_producer(DagpactTrigger.for_contract(contract, "orders").serialize()[1])


def test_airflow_api_endpoint_from_a_connection():
    from dagpact_airflow.airflow_api import airflow_api_endpoint_from

    conn = SimpleNamespace(conn_id="airflow_api_default", host="127.0.0.1", port=8080, schema=None, login="u", password="p", extra=None)
    assert airflow_api_endpoint_from(conn) == type(airflow_api_endpoint_from(conn))(url="http://127.0.0.1:8080", username="u", password="p", token=None)
    tokened = SimpleNamespace(conn_id="c", host=None, port=None, schema=None, login=None, password=None, extra='{"url": "https://af/", "token": "t"}')
    assert (airflow_api_endpoint_from(tokened).url, airflow_api_endpoint_from(tokened).token) == ("https://af", "t")
    with pytest.raises(ValueError, match="neither a login and password nor extra.token"):
        airflow_api_endpoint_from(SimpleNamespace(conn_id="c", host="h", port=None, schema=None, login=None, password=None, extra=None))


def test_airflow_api_times_read_as_epoch_seconds():
    from dagpact_airflow.trigger import _epoch

    assert _epoch("1970-01-01T00:00:10.500000Z") == 10.5
    assert _epoch("1970-01-01T01:00:00+01:00") == 0.0
