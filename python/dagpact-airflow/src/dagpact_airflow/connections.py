"""Endpoints and credentials from Airflow connections (and so from Airflow's secrets backends).

Two connection types, registered by this package's provider entry point:

* ``pulsar`` (default id ``pulsar_default``): host and port of the broker (``pulsar://host:6650``),
  or ``extra.service_url`` for a full URL (``pulsar+ssl://...``); the password, when set, is a
  token (``AuthenticationToken``).
* ``dagpact`` (default id ``dagpact_default``): the dagpact API server, ``extra.url`` or
  ``http(s)://host:port`` (``schema`` field: ``https`` for TLS); the password, when set, is an API
  token sent as ``Authorization: Bearer``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PULSAR_DEFAULT_CONN_ID = "pulsar_default"
DAGPACT_DEFAULT_CONN_ID = "dagpact_default"


@dataclass(frozen=True)
class PulsarEndpoint:
    service_url: str
    token: str | None = None

    def client(self) -> Any:
        import pulsar

        kwargs: dict[str, Any] = {"operation_timeout_seconds": 30, "logger": pulsar.ConsoleLogger(pulsar.LoggerLevel.Warn)}
        if self.token:
            kwargs["authentication"] = pulsar.AuthenticationToken(self.token)
        return pulsar.Client(self.service_url, **kwargs)


@dataclass(frozen=True)
class DagpactEndpoint:
    url: str
    token: str | None = None


def _extra(conn: Any) -> dict[str, Any]:
    raw = getattr(conn, "extra", None)
    if isinstance(raw, dict):
        return raw
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def pulsar_endpoint_from(conn: Any) -> PulsarEndpoint:
    extra = _extra(conn)
    url = extra.get("service_url")
    if not url:
        if not conn.host:
            raise ValueError(f"connection {conn.conn_id!r} (pulsar) has neither a host nor extra.service_url")
        scheme = "pulsar+ssl" if extra.get("tls") or conn.schema == "pulsar+ssl" else "pulsar"
        url = f"{scheme}://{conn.host}:{conn.port or (6651 if scheme == 'pulsar+ssl' else 6650)}"
    return PulsarEndpoint(service_url=url, token=conn.password or extra.get("token") or None)


def http_url_of(conn: Any, what: str) -> str:
    """An HTTP connection's base URL: extra.url, else scheme (default http), host and port."""
    url = _extra(conn).get("url")
    if url:
        return str(url)
    if not conn.host:
        raise ValueError(f"connection {conn.conn_id!r} ({what}) has neither a host nor extra.url")
    host = conn.host if "://" in conn.host else f"{conn.schema or 'http'}://{conn.host}"
    return f"{host}:{conn.port}" if conn.port else host


def dagpact_endpoint_from(conn: Any) -> DagpactEndpoint:
    extra = _extra(conn)
    url = http_url_of(conn, "dagpact")
    return DagpactEndpoint(url=url.rstrip("/"), token=conn.password or extra.get("token") or None)


def get_connection(conn_id: str) -> Any:
    """The connection, through the Task SDK in tasks and triggers (Airflow 3)."""
    from airflow.sdk import BaseHook

    return BaseHook.get_connection(conn_id)


def pulsar_endpoint(conn_id: str = PULSAR_DEFAULT_CONN_ID) -> PulsarEndpoint:
    return pulsar_endpoint_from(get_connection(conn_id))


def dagpact_endpoint(conn_id: str = DAGPACT_DEFAULT_CONN_ID) -> DagpactEndpoint:
    return dagpact_endpoint_from(get_connection(conn_id))
