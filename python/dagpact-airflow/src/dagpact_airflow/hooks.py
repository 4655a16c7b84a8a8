"""Hooks that name the two connection types (Airflow lists connection types through hook classes)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from dagpact_airflow.connections import (
    DAGPACT_DEFAULT_CONN_ID,
    PULSAR_DEFAULT_CONN_ID,
    DagpactEndpoint,
    PulsarEndpoint,
    dagpact_endpoint_from,
    pulsar_endpoint_from,
)


class PulsarConnectionHook(BaseHook):
    conn_name_attr = "pulsar_conn_id"
    default_conn_name = PULSAR_DEFAULT_CONN_ID
    conn_type = "pulsar"
    hook_name = "Apache Pulsar (dagpact)"

    def __init__(self, pulsar_conn_id: str = PULSAR_DEFAULT_CONN_ID, **kwargs: Any):
        super().__init__(**kwargs)
        self.pulsar_conn_id = pulsar_conn_id

    def endpoint(self) -> PulsarEndpoint:
        return pulsar_endpoint_from(self.get_connection(self.pulsar_conn_id))

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {"hidden_fields": ["login"], "relabeling": {"password": "Token"},
                "placeholders": {"host": "127.0.0.1", "port": "6650", "extra": '{"service_url": "pulsar+ssl://broker:6651"}'}}


class DagpactConnectionHook(BaseHook):
    conn_name_attr = "dagpact_conn_id"
    default_conn_name = DAGPACT_DEFAULT_CONN_ID
    conn_type = "dagpact"
    hook_name = "dagpact API"

    def __init__(self, dagpact_conn_id: str = DAGPACT_DEFAULT_CONN_ID, **kwargs: Any):
        super().__init__(**kwargs)
        self.dagpact_conn_id = dagpact_conn_id

    def endpoint(self) -> DagpactEndpoint:
        return dagpact_endpoint_from(self.get_connection(self.dagpact_conn_id))

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {"hidden_fields": ["login"], "relabeling": {"password": "API token"},
                "placeholders": {"host": "dagpact.internal", "extra": '{"url": "https://dagpact.internal"}'}}
