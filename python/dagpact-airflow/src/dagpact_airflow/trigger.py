"""Event-driven scheduling, Airflow 3's way: an asset-watcher trigger on the DAG's trigger topic.

The gatekeeper forwards each accepted message to the DAG's trigger topic (the message's bytes as the
producer wrote them, plus ``dagpact-*`` properties naming the writer schema and the source message).
``DagpactTrigger`` consumes that topic with the official Python client, decodes each message into the
contract's reader schema, and yields one ``TriggerEvent`` per message, whose payload the asset event
keeps and the run reads (``dagpact_airflow.get_message``).

Acknowledgement uses the triggerer's shared-stream *ack mode* (Airflow 3.3,
``airflow.triggers.shared_stream``): the Pulsar message is acknowledged only after the triggerer
confirmed that the asset event derived from it is stored in Airflow's metadata database. A message
whose event was not confirmed (triggerer killed, database down, ack timeout) is never acknowledged,
so Pulsar delivers it again: delivery is **at least once**. The window for a duplicate is between the
event being stored and the acknowledgement reaching the broker (a triggerer killed in that window
re-emits the message after restart). Every event carries the source topic and message id (and the
trigger topic's message id), so a duplicate is recognisable deterministically; see
``dagpact_airflow.get_message``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable, Sequence
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent
from airflow.triggers.shared_stream import AdvanceItem, SharedStreamProducer, reject_shared_stream_event

from dagpact_airflow.codec import decode, json_safe, message_id_text, split_confluent
from dagpact_airflow.connections import (
    DAGPACT_DEFAULT_CONN_ID,
    PULSAR_DEFAULT_CONN_ID,
    dagpact_endpoint,
    pulsar_endpoint,
)
from dagpact_airflow.contract import Contract, normalize_topic, topic_local_name
from dagpact_airflow.registry import RegistryError

DEFAULT_TRIGGER_TOPIC_PATTERN = "persistent://public/default/dagpact-trigger-{dag_id}"
_UNDECODABLE = "__dagpact_undecodable__"


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
            yield event, msg.message_id()

    async def advance(self, batch: Sequence[AdvanceItem]) -> None:
        for item in batch:
            if item.outcome.is_clean:
                await asyncio.to_thread(self.consumer.acknowledge, item.broker_payload)
            else:
                # Not confirmed (failed) or refused (rejected): Pulsar delivers it again; rejects reach the
                # dead-letter topic after max_redeliveries when the subscription has a dead-letter policy.
                await asyncio.to_thread(self.consumer.negative_acknowledge, item.broker_payload)

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
        redelivery_delay_ms: int = 1000, **kwargs: Any,
    ):
        super().__init__(**kwargs)
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
            "redelivery_delay_ms": self.redelivery_delay_ms,
        })

    def shared_stream_key(self) -> Hashable | None:
        return ("dagpact", self.pulsar_conn_id, self.topic, self.subscription)

    @classmethod
    def create_shared_stream_producer(cls, kwargs: dict[str, Any]) -> SharedStreamProducer:
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

    trigger = DagpactTrigger.for_contract(contract, source_topic, **trigger_kwargs)
    local = topic_local_name(trigger.topic)
    path = trigger.topic.split("://", 1)[1]
    return Asset(
        name=name or f"dagpact-{contract.dag_id}-{local}", uri=f"pulsar://{path}",
        watchers=[AssetWatcher(name=f"dagpact-{contract.dag_id}", trigger=trigger)],
    )

