"""Event-driven scheduling, Airflow 3's way: an asset-watcher trigger on the DAG's trigger topic.

The gatekeeper forwards each accepted message to the DAG's trigger topic (the message's bytes as the
producer wrote them, plus ``dagpact-*`` properties naming the writer schema and the source message).
``DagpactTrigger`` consumes that topic with the official Python client, decodes each message into the
contract's reader schema, and yields one ``TriggerEvent`` per message, whose payload the asset event
keeps and the run reads (``dagpact_airflow.get_message``).

Two pacings (the ``pacing`` argument), both on the triggerer's shared-stream *ack mode* (Airflow 3.3,
``airflow.triggers.shared_stream``), where the triggerer confirms that an asset event is stored:

* ``"run"`` (default): **one DAG run per message**. After emitting the event for a message the trigger
  waits, reading Airflow's REST API (connection ``airflow_api_default``), until the scheduler has turned
  that event into a DAG run; only then does it acknowledge the message and take the next one. Airflow
  3.3.2 merges the asset events queued before the scheduler creates a run into that run and leaves an
  event stored just after the run's queue entry without a run until the next event: with one event in
  flight neither happens. Before emitting, the trigger looks for an asset event of the same message
  (same source topic and message id, or trigger message id) stored in the last ``dedup_window_s``
  seconds: a redelivered message (triggerer restarted after storing, before acknowledging) or one the
  gatekeeper forwarded twice is not emitted again; the trigger waits for that event's run and
  acknowledges. An event Airflow will never give a run (stored while the DAG was paused: Airflow
  queues nothing for a paused DAG) is emitted again once a DAG on the asset is unpaused; that run
  takes both events and ``get_messages`` reads the message once. Throughput: one message per
  scheduler loop (about a second or two).
* ``"stored"``: acknowledge as soon as the event is stored and take the next message at once (no REST
  API needed). Faster, but runs may carry several messages (``get_messages``), an event may wait for the
  next one to get a run, and a message redelivered after a triggerer restart is emitted again (the
  events carry the same source message id; ``get_messages`` drops repeats within one run).

Either way a message is acknowledged only after its event is stored; one whose event was not
confirmed (triggerer killed, database down, ack timeout) is redelivered by Pulsar: **at least once**."""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Hashable, Sequence
from datetime import datetime
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent
from airflow.triggers.shared_stream import AdvanceItem, SharedStreamProducer, reject_shared_stream_event

from dagpact_airflow.airflow_api import AIRFLOW_API_DEFAULT_CONN_ID, AirflowApi, AirflowApiError, airflow_api_endpoint
from dagpact_airflow.codec import decode, json_safe, message_id_text, split_confluent
from dagpact_airflow.connections import (
    DAGPACT_DEFAULT_CONN_ID,
    PULSAR_DEFAULT_CONN_ID,
    dagpact_endpoint,
    pulsar_endpoint,
)
from dagpact_airflow.contract import Contract, normalize_topic, topic_local_name
from dagpact_airflow.message import message_identity
from dagpact_airflow.registry import RegistryError

DEFAULT_TRIGGER_TOPIC_PATTERN = "persistent://public/default/dagpact-trigger-{dag_id}"
_UNDECODABLE = "__dagpact_undecodable__"
PACINGS = ("run", "stored")
log = logging.getLogger(__name__)


def _epoch(iso_time: str) -> float:
    """Epoch seconds of an ISO 8601 time as Airflow's REST API writes it (``...Z`` or an offset)."""
    return datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp()


def _properties_provenance(props: dict[str, str]) -> dict[str, Any]:
    version = props.get("dagpact-contract-version")
    writer = props.get("dagpact-writer-schema-id")
    return {
        "source_topic": props.get("dagpact-source-topic"),
        "message_id": props.get("dagpact-source-message-id"),
        "dag_id": props.get("dagpact-dag-id"),
        "dag_version": props.get("dagpact-dag-version"),
        "contract_subject": props.get("dagpact-contract-subject"),
        "contract_version": int(version) if version and version.isdigit() else None,
        "writer_schema_id": int(writer) if writer and writer.isdigit() else None,
        "properties": props,
    }


class _PulsarStream(SharedStreamProducer):
    """One Pulsar consumer per shared stream; acks what Airflow confirmed, redelivers the rest."""

    def __init__(self, kwargs: dict[str, Any]):
        self.kwargs = kwargs
        self.client: Any = None
        self.consumer: Any = None
        self._readers: dict[tuple[str, int], tuple[Any, str]] = {}
        self._emitted = 0
        self._api: AirflowApi | None = None
        # pacing "run": the event in flight, resolved by advance() with whether Airflow stored it.
        self._handled: dict[int, asyncio.Future[bool]] = {}

    @property
    def _paced(self) -> bool:
        return self.kwargs.get("pacing", "run") == "run"

    async def _airflow(self) -> AirflowApi:
        if self._api is None:
            endpoint = await asyncio.to_thread(airflow_api_endpoint, self.kwargs.get("airflow_conn_id") or AIRFLOW_API_DEFAULT_CONN_ID)
            self._api = AirflowApi(endpoint)
        return self._api

    async def _api_call(self, fn: Any, *args: Any) -> Any:
        """Calls Airflow's REST API; an Airflow that is away or not coping (unreachable, 5xx, 429) is
        waited for (the message stays unacknowledged meanwhile), a refusal is raised."""
        delay = 1.0
        while True:
            try:
                return await asyncio.to_thread(fn, *args)
            except AirflowApiError as error:
                if error.status is not None and error.status < 500 and error.status != 429:
                    raise
                log.warning("dagpact: %s; retrying in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _stored_event(self, identity: str, since: float) -> dict[str, Any] | None:
        """The asset event already stored for this message (same identity), if any."""
        api = await self._airflow()
        asset_id = await self._api_call(api.asset_id, self.kwargs["asset_name"], self.kwargs["asset_uri"])
        for ev in await self._api_call(api.asset_events, asset_id, since):
            payload = (ev.get("extra") or {}).get("payload")
            if isinstance(payload, dict) and isinstance(payload.get("dagpact"), dict) and message_identity(payload["dagpact"]) == identity:
                return ev
        return None

    async def _scheduling_dags_paused(self, api: AirflowApi, asset_id: int) -> bool:
        """Whether every DAG scheduled on the asset is paused (Airflow queues no run for a paused DAG)."""
        asset = await self._api_call(api.get, f"/api/v2/assets/{asset_id}")
        dag_ids = [d["dag_id"] for d in asset.get("scheduled_dags") or []]
        for dag_id in dag_ids:
            dag = await self._api_call(api.get, f"/api/v2/dags/{urllib.parse.quote(dag_id, safe='')}")
            if not dag.get("is_paused"):
                return False
        return bool(dag_ids)

    async def _await_run(self, identity: str, since: float) -> str:
        """Polls Airflow until the asset event of this message has a DAG run ("run"), or Airflow will
        never give it one ("stranded"): no run, and no run queued for the asset while a DAG scheduled on
        it is unpaused (the event was stored while the DAG was paused, or after a run took the queue
        entry). The queue is read before the event: a run created between the two reads shows on the event."""
        interval = float(self.kwargs.get("pace_poll_interval_s", 0.5))
        api = await self._airflow()
        asset_id = await self._api_call(api.asset_id, self.kwargs["asset_name"], self.kwargs["asset_uri"])
        log_at = time.monotonic() + 60
        unseen = 0
        while True:
            queued = await self._api_call(api.get, f"/api/v2/assets/{asset_id}/queuedEvents")
            ev = await self._stored_event(identity, since)
            if ev is not None and ev.get("created_dagruns"):
                return "run"
            if ev is not None:
                # Found: from now on list only the events from its time on (a cheap poll on a busy asset).
                since = max(since, _epoch(str(ev["timestamp"])) - 1)
            if not queued.get("total_entries"):
                paused = await self._scheduling_dags_paused(api, asset_id)
                unseen = unseen + 1 if ev is None else 0
                if not paused and (ev is not None or unseen >= 3):
                    return "stranded"
            if time.monotonic() > log_at:
                log.warning("dagpact: message %s: its asset event %s has no DAG run yet (is the DAG paused?); still waiting",
                            identity, ev.get("id") if ev else "(not visible)")
                log_at = time.monotonic() + 60
            await asyncio.sleep(interval)

    async def _connect(self) -> None:
        import pulsar

        endpoint = await asyncio.to_thread(pulsar_endpoint, self.kwargs["pulsar_conn_id"])

        def connect() -> tuple[Any, Any]:
            client = endpoint.client()
            consumer = client.subscribe(
                self.kwargs["topic"], self.kwargs["subscription"],
                consumer_type=pulsar.ConsumerType.Shared,
                initial_position=pulsar.InitialPosition.Earliest,
                receiver_queue_size=self.kwargs.get("receiver_queue_size", 10),
                negative_ack_redelivery_delay_ms=self.kwargs.get("redelivery_delay_ms", 1000),
                schema=pulsar.schema.BytesSchema(),
                # A message refused (it does not decode in the reader schema) is redelivered a few
                # times, then parked on <trigger topic>-<subscription>-DLQ instead of looping.
                dead_letter_policy=pulsar.ConsumerDeadLetterPolicy(
                    max_redeliver_count=self.kwargs.get("max_redeliveries", 3),
                    dead_letter_topic=f"{self.kwargs['topic']}-{self.kwargs['subscription']}-DLQ",
                ),
            )
            return client, consumer

        self.client, self.consumer = await asyncio.to_thread(connect)

    async def _registry(self) -> Any:
        if not self.kwargs.get("dagpact_conn_id"):
            return None
        from dagpact_airflow.registry import RegistryClient

        return RegistryClient(await asyncio.to_thread(dagpact_endpoint, self.kwargs["dagpact_conn_id"]))

    async def _reader(self, registry: Any, subject: str | None, version: int | None) -> tuple[Any, str]:
        """The contract's reader schema: the subject version the gatekeeper routed the message by (its
        ``dagpact-contract-*`` properties: the version the active contract pinned), else the manifest's
        inline schema, else the manifest's reference."""
        kw = self.kwargs
        if registry is not None and subject and version is not None:
            key = (subject, version)
            if key not in self._readers:
                found = await asyncio.to_thread(registry.subject_version, subject, version)
                self._readers[key] = (found.schema, found.schema_type)
            return self._readers[key]
        if kw.get("reader_schema") is not None:
            return kw["reader_schema"], kw.get("schema_type") or "AVRO"
        if registry is None:
            raise ValueError(f"the contract names {kw['subject']} v{kw['subject_version']} by reference: give dagpact_conn_id to fetch it")
        found = await asyncio.to_thread(registry.subject_version, kw["subject"], kw["subject_version"])
        return found.schema, found.schema_type

    async def open_stream(self) -> AsyncIterator[tuple[Any, Any]]:
        import pulsar

        await self._connect()
        registry = await self._registry()
        kw = self.kwargs
        while True:
            try:
                msg = await asyncio.to_thread(self.consumer.receive, 1000)
            except pulsar.Timeout:
                continue
            props = dict(msg.properties())
            provenance = _properties_provenance(props)
            provenance.update({
                "trigger_topic": kw["topic"], "trigger_message_id": message_id_text(msg.message_id()),
                "key": msg.partition_key() or None, "publish_time": msg.publish_timestamp(),
                "contract_hash": kw.get("contract_hash"),
            })
            try:
                reader, schema_type = await self._reader(registry, provenance["contract_subject"], provenance["contract_version"])
                writer_id = provenance["writer_schema_id"]
                _, body = split_confluent(msg.data(), writer_id)
                writer = None
                if schema_type == "AVRO" and writer_id is not None and registry is not None:
                    writer = (await asyncio.to_thread(registry.schema_by_id, writer_id)).schema
                value = json_safe(decode(body, schema_type=schema_type, reader=reader, writer=writer))
                event: dict[str, Any] = {"message": value, "dagpact": provenance}
            except RegistryError:
                raise  # dagpact unreachable or refusing: fail the stream, nothing acked, Pulsar redelivers
            except Exception as error:  # noqa: BLE001 - reported per message, not fatal to the stream
                event = {_UNDECODABLE: f"{type(error).__name__}: {error}", "dagpact": provenance}
            if not self._paced:
                yield event, msg.message_id()
                continue
            # pacing "run": one event in flight; the next message is taken once this one has its run.
            identity = message_identity(provenance)
            # Events are stored after the message reached the trigger topic; a gatekeeper that forwarded
            # the same source message twice did so within the window.
            since = msg.publish_timestamp() / 1000 - float(kw.get("dedup_window_s", 600))
            stored = None
            if identity is not None and _UNDECODABLE not in event:
                stored = await self._stored_event(identity, since)
            if stored is not None:
                # Redelivered (the triggerer stopped after storing, before acknowledging) or forwarded
                # again: not emitted twice. Acknowledged once its event has a run.
                log.info("dagpact: message %s is already asset event %s: not emitted again", identity, stored.get("id"))
            else:
                self._emitted += 1
                key = self._emitted
                handled = self._handled[key] = asyncio.get_running_loop().create_future()
                yield event, (msg.message_id(), key)
                if not await handled:
                    continue  # not stored or refused: advance() nacked it, Pulsar delivers it again
                if identity is None or _UNDECODABLE in event:
                    await asyncio.to_thread(self.consumer.acknowledge, msg.message_id())
                    continue
            assert identity is not None
            while True:
                state = await self._await_run(identity, since)
                if state == "run":
                    await asyncio.to_thread(self.consumer.acknowledge, msg.message_id())
                    break
                # Stranded: emitted again, the new event queues a run that also takes the stranded one
                # (get_messages reads the message once).
                log.warning("dagpact: message %s: its asset event got no DAG run from Airflow; emitting it again", identity)
                self._emitted += 1
                key = self._emitted
                handled = self._handled[key] = asyncio.get_running_loop().create_future()
                yield event, (msg.message_id(), key)
                if not await handled:
                    break

    async def advance(self, batch: Sequence[AdvanceItem]) -> None:
        for item in batch:
            message_id, key = item.broker_payload if self._paced else (item.broker_payload, None)
            try:
                if item.outcome.is_clean:
                    # pacing "run": open_stream acknowledges once the event has its run.
                    if key is None:
                        await asyncio.to_thread(self.consumer.acknowledge, message_id)
                else:
                    # Not confirmed (failed) or refused (rejected): Pulsar delivers it again; rejects reach the
                    # dead-letter topic after max_redeliveries when the subscription has a dead-letter policy.
                    await asyncio.to_thread(self.consumer.negative_acknowledge, message_id)
            finally:
                handled = self._handled.pop(key, None) if key is not None else None
                if handled is not None and not handled.done():
                    handled.set_result(item.outcome.is_clean)

    async def aclose(self) -> None:
        if self.client is not None:
            await asyncio.to_thread(self.client.close)


class DagpactTrigger(BaseEventTrigger):
    """Yields one TriggerEvent per message on a dagpact trigger topic, acked once Airflow stored it.

    Use :meth:`for_contract` (or :func:`dagpact_airflow.contract_asset`) rather than the constructor.
    """

    def __init__(
        self, *, topic: str, subscription: str, schema_type: str | None, subject: str,
        subject_version: int | str | None = None, reader_schema: Any = None, dag_id: str | None = None,
        contract_hash: str | None = None, pulsar_conn_id: str = PULSAR_DEFAULT_CONN_ID,
        dagpact_conn_id: str | None = DAGPACT_DEFAULT_CONN_ID, receiver_queue_size: int = 10,
        redelivery_delay_ms: int = 1000, pacing: str = "run", airflow_conn_id: str = AIRFLOW_API_DEFAULT_CONN_ID,
        asset_name: str | None = None, asset_uri: str | None = None, dedup_window_s: float = 600,
        pace_poll_interval_s: float = 0.5, **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if pacing not in PACINGS:
            raise ValueError(f"pacing must be one of {', '.join(PACINGS)}, not {pacing!r}")
        self.topic = normalize_topic(topic)
        self.subscription = subscription
        self.schema_type = schema_type
        self.subject = subject
        self.subject_version = subject_version
        self.reader_schema = reader_schema
        self.dag_id = dag_id
        self.contract_hash = contract_hash
        self.pulsar_conn_id = pulsar_conn_id
        self.dagpact_conn_id = dagpact_conn_id
        self.receiver_queue_size = receiver_queue_size
        self.redelivery_delay_ms = redelivery_delay_ms
        self.pacing = pacing
        self.airflow_conn_id = airflow_conn_id
        # pacing "run" finds the asset's events by the asset's name and uri (contract_asset sets them).
        self.asset_name = asset_name
        self.asset_uri = asset_uri or f"pulsar://{self.topic.split('://', 1)[1]}"
        self.dedup_window_s = dedup_window_s
        self.pace_poll_interval_s = pace_poll_interval_s

    @classmethod
    def for_contract(
        cls, contract: Contract, source_topic: str | None = None, *, subscription: str | None = None,
        trigger_topic_pattern: str = DEFAULT_TRIGGER_TOPIC_PATTERN, **kwargs: Any,
    ) -> DagpactTrigger:
        """The trigger for a consumed topic of the contract: its trigger topic, in its reader schema."""
        entry = contract.consumed(source_topic)
        if entry.forward_to == "airflow":
            raise ValueError(f"{contract.source}: {entry.topic} is forwarded to Airflow's REST API (forward_to: airflow), not to a trigger topic")
        topic = entry.trigger_topic or trigger_topic_pattern.replace("{dag_id}", contract.dag_id)
        return cls(
            topic=topic, subscription=subscription or f"dagpact-airflow-{contract.dag_id}",
            schema_type=entry.schema_type if entry.inline else None,
            subject=entry.subject, subject_version=None if entry.inline else entry.version,
            reader_schema=entry.schema if entry.inline else None, dag_id=contract.dag_id,
            contract_hash=contract.contract_hash, **kwargs,
        )

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}", {
            "topic": self.topic, "subscription": self.subscription, "schema_type": self.schema_type,
            "subject": self.subject, "subject_version": self.subject_version, "reader_schema": self.reader_schema,
            "dag_id": self.dag_id, "contract_hash": self.contract_hash, "pulsar_conn_id": self.pulsar_conn_id,
            "dagpact_conn_id": self.dagpact_conn_id, "receiver_queue_size": self.receiver_queue_size,
            "redelivery_delay_ms": self.redelivery_delay_ms, "pacing": self.pacing, "airflow_conn_id": self.airflow_conn_id,
            "asset_name": self.asset_name, "asset_uri": self.asset_uri, "dedup_window_s": self.dedup_window_s,
            "pace_poll_interval_s": self.pace_poll_interval_s,
        })

    def shared_stream_key(self) -> Hashable | None:
        return ("dagpact", self.pulsar_conn_id, self.topic, self.subscription)

    @classmethod
    def create_shared_stream_producer(cls, kwargs: dict[str, Any]) -> SharedStreamProducer:
        if kwargs.get("pacing", "run") == "run" and not kwargs.get("asset_name"):
            raise ValueError("DagpactTrigger(pacing='run') needs asset_name (the watched Asset's name; contract_asset sets it)")
        return _PulsarStream(kwargs)

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        async for raw in shared_stream:
            if _UNDECODABLE in raw:
                self.log.error("dagpact: message %s on %s does not decode with the contract's reader schema (%s): refused",
                               raw["dagpact"].get("trigger_message_id"), self.topic, raw[_UNDECODABLE])
                reject_shared_stream_event()
                continue
            yield TriggerEvent(raw)

    async def run(self) -> AsyncIterator[TriggerEvent]:  # pragma: no cover - the triggerer uses the shared stream
        # Only reached where the triggerer does not support shared streams: same events, no ack gating.
        raise NotImplementedError("DagpactTrigger needs Airflow 3.3's shared-stream ack mode (airflow.triggers.shared_stream)")
        yield  # noqa


def contract_asset(contract: Contract, source_topic: str | None = None, *, name: str | None = None, **trigger_kwargs: Any) -> Any:
    """An Asset watched by the contract's DagpactTrigger: ``schedule=[contract_asset(contract)]``."""
    from airflow.sdk import Asset, AssetWatcher

    probe = DagpactTrigger.for_contract(contract, source_topic, **trigger_kwargs)
    asset_name = name or f"dagpact-{contract.dag_id}-{topic_local_name(probe.topic)}"
    trigger = DagpactTrigger.for_contract(contract, source_topic, asset_name=asset_name, **trigger_kwargs)
    return Asset(
        name=asset_name, uri=trigger.asset_uri,
        watchers=[AssetWatcher(name=f"dagpact-{contract.dag_id}", trigger=trigger)],
    )

