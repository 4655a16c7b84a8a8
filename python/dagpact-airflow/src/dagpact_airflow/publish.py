"""Publishing results under the contract: only to a topic the manifest ``produces``, only records that
match that topic's schema (checked before anything is sent), tagged for lineage.

Encodings: ``pulsar`` (Avro only): the producer declares the schema on the broker (Pulsar's
``AvroSchema``), so Pulsar enforces it and the gatekeeper identifies it by the message's schema
version. ``confluent``: Confluent's wire format (magic byte 0 + the schema id dagpact assigned +
the Avro or JSON body), the id looked up in dagpact's registry; the only choice for JSON Schema
contracts (Pulsar's JSON schema type is Avro-shaped, not JSON Schema).

Every message carries ``dagpact-producer-dag-id``, ``dagpact-producer-dag-version`` (the version
label dagpact routed the triggering message by, else the manifest's), ``dagpact-producer-contract-hash``,
``dagpact-producer-subject``/``-subject-version``, ``dagpact-producer-run-id`` and
``dagpact-producer-task-id``, and, when the run was triggered by a dagpact message, its source topic
and message id as ``dagpact-upstream-topic``/``-message-id``. (``producer-``: the gatekeeper sets
``dagpact-dag-id`` and friends on what it forwards to the *consuming* DAG; these survive beside them.)
"""

from __future__ import annotations

from typing import Any, Literal

from dagpact_airflow.codec import check_record, encode, message_id_text
from dagpact_airflow.connections import DAGPACT_DEFAULT_CONN_ID, PULSAR_DEFAULT_CONN_ID, dagpact_endpoint, pulsar_endpoint
from dagpact_airflow.contract import Contract, ContractEntry

Encoding = Literal["pulsar", "confluent"]


class DagpactPublishHook:
    """Publishes records to the topics a contract produces. Credentials come from Airflow connections."""

    conn_name_attr = "pulsar_conn_id"
    default_conn_name = PULSAR_DEFAULT_CONN_ID
    conn_type = "pulsar"
    hook_name = "dagpact publisher (Pulsar)"

    def __init__(self, contract: Contract, *, pulsar_conn_id: str = PULSAR_DEFAULT_CONN_ID,
                 dagpact_conn_id: str | None = DAGPACT_DEFAULT_CONN_ID, encoding: Encoding | None = None):
        self.contract = contract
        self.pulsar_conn_id = pulsar_conn_id
        self.dagpact_conn_id = dagpact_conn_id
        self.encoding = encoding
        self._client: Any = None
        self._producers: dict[str, Any] = {}
        self._registry: Any = None
        self._schemas: dict[str, tuple[Any, str, int | None]] = {}

    def _registry_client(self) -> Any:
        if self._registry is None:
            if not self.dagpact_conn_id:
                raise ValueError("this needs dagpact's registry: give dagpact_conn_id")
            from dagpact_airflow.registry import RegistryClient

            self._registry = RegistryClient(dagpact_endpoint(self.dagpact_conn_id))
        return self._registry

    def schema_for(self, entry: ContractEntry) -> tuple[Any, str, int | None]:
        """(schema document, AVRO|JSON, registry id or None) of a produced topic."""
        if entry.topic not in self._schemas:
            if entry.inline:
                self._schemas[entry.topic] = (entry.schema, entry.schema_type or "AVRO", None)
            else:
                found = self._registry_client().subject_version(entry.subject, entry.version)
                self._schemas[entry.topic] = (found.schema, found.schema_type, found.id)
        return self._schemas[entry.topic]

    def _encoding_for(self, schema_type: str) -> Encoding:
        enc = self.encoding or ("pulsar" if schema_type == "AVRO" else "confluent")
        if enc == "pulsar" and schema_type != "AVRO":
            raise ValueError("encoding 'pulsar' is for Avro contracts; JSON Schema contracts publish in the Confluent wire format")
        return enc

    def _producer(self, topic: str, schema_type: str, schema: Any, encoding: Encoding) -> Any:
        if topic not in self._producers:
            import pulsar
            from pulsar.schema import AvroSchema, BytesSchema

            if self._client is None:
                self._client = pulsar_endpoint(self.pulsar_conn_id).client()
            pulsar_schema = AvroSchema(None, schema_definition=schema) if encoding == "pulsar" else BytesSchema()
            self._producers[topic] = self._client.create_producer(
                topic, schema=pulsar_schema, block_if_queue_full=True,
                compression_type=pulsar.CompressionType.NONE,
            )
        return self._producers[topic]

    def properties(self, entry: ContractEntry, context: Any = None) -> dict[str, str]:
        props = {
            "dagpact-producer-dag-id": self.contract.dag_id, "dagpact-producer-dag-version": self.contract.version,
            "dagpact-producer-contract-hash": self.contract.contract_hash, "dagpact-producer-subject": entry.subject,
            "dagpact-producer-subject-version": "inline" if entry.inline else str(entry.version),
        }
        if context is not None:
            run = context.get("dag_run")
            ti = context.get("ti") or context.get("task_instance")
            if run is not None:
                props["dagpact-producer-run-id"] = str(run.run_id)
            if ti is not None:
                props["dagpact-producer-task-id"] = str(ti.task_id)
            from dagpact_airflow.message import get_messages

            upstream = get_messages(context)
            if len(upstream) == 1 and upstream[0].message_id:
                props["dagpact-upstream-topic"] = str(upstream[0].source_topic)
                props["dagpact-upstream-message-id"] = str(upstream[0].message_id)
                if upstream[0].dag_version:
                    # The version label dagpact routed this run by (the registered one, e.g. a git sha).
                    props["dagpact-producer-dag-version"] = upstream[0].dag_version
        return props

    def publish(self, record: dict[str, Any], *, topic: str | None = None, context: Any = None,
                key: str | None = None, properties: dict[str, str] | None = None) -> str:
        """Checks the record against the produced topic's schema (RecordMismatch names the fields) and
        sends it; returns the Pulsar message id (``ledger:entry:partition:batch``)."""
        entry = self.contract.produced(topic)
        schema, schema_type, schema_id = self.schema_for(entry)
        check_record(record, schema_type=schema_type, schema=schema, subject=entry.subject, topic=entry.topic)
        encoding = self._encoding_for(schema_type)
        props = {**(properties or {}), **self.properties(entry, context)}
        producer = self._producer(entry.topic, schema_type, schema, encoding)
        extra: dict[str, Any] = {"properties": props}
        if key is not None:
            extra["partition_key"] = key
        if encoding == "pulsar":
            return message_id_text(producer.send(record, **extra))
        if schema_id is None:
            schema_id = self._registry_client().lookup(entry.subject, schema, schema_type).id
            self._schemas[entry.topic] = (schema, schema_type, schema_id)
        return message_id_text(producer.send(encode(record, schema_type=schema_type, schema=schema, confluent_id=schema_id), **extra))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
            self._producers.clear()

    def __enter__(self) -> DagpactPublishHook:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
