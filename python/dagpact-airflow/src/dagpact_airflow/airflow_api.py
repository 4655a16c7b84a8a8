"""The few reads of Airflow's own REST API the asset-watcher trigger needs to pace itself and to
recognise a message it already turned into an asset event (``DagpactTrigger(pacing="run")``).

Credentials come from an Airflow connection (default id ``airflow_api_default``, any connection type,
e.g. ``http``): ``extra.url`` or ``http(s)://host:port`` (``schema`` field: ``https`` for TLS); a login
and password are exchanged for a token at ``POST /auth/token`` (SimpleAuthManager, FAB), or
``extra.token`` is sent as is.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dagpact_airflow.connections import _extra, get_connection, http_url_of
from dagpact_airflow.http_json import HttpCallError, call_json

AIRFLOW_API_DEFAULT_CONN_ID = "airflow_api_default"


class AirflowApiError(HttpCallError):
    """Airflow's REST API refused a call or could not be reached."""


@dataclass(frozen=True)
class AirflowApiEndpoint:
    url: str
    username: str | None = None
    password: str | None = None
    token: str | None = None


def airflow_api_endpoint_from(conn: Any) -> AirflowApiEndpoint:
    extra = _extra(conn)
    url = http_url_of(conn, "Airflow REST API")
    token = extra.get("token") or None
    if not token and not (conn.login and conn.password):
        raise ValueError(f"connection {conn.conn_id!r} (Airflow REST API) has neither a login and password nor extra.token")
    return AirflowApiEndpoint(url=url.rstrip("/"), username=conn.login or None, password=conn.password or None, token=token)


def airflow_api_endpoint(conn_id: str = AIRFLOW_API_DEFAULT_CONN_ID) -> AirflowApiEndpoint:
    return airflow_api_endpoint_from(get_connection(conn_id))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class AirflowApi:
    """Blocking client (call it from a thread in async code)."""

    endpoint: AirflowApiEndpoint
    timeout: float = 10.0
    _token: str | None = None
    _token_at: float = 0.0
    _asset_ids: dict[tuple[str, str], int] = field(default_factory=dict)

    def _bearer(self, refresh: bool = False) -> str:
        if self.endpoint.token:
            return self.endpoint.token
        # Tokens from /auth/token live 24 h by default; take a new one every 10 minutes or on a 401.
        if refresh or self._token is None or time.monotonic() - self._token_at > 600:
            body = json.dumps({"username": self.endpoint.username, "password": self.endpoint.password}).encode("utf-8")
            answer = self._send("POST", "/auth/token", body, None)
            self._token, self._token_at = str(answer["access_token"]), time.monotonic()
        return self._token

    def _send(self, method: str, path: str, body: bytes | None, bearer: str | None) -> Any:
        return call_json(self.endpoint.url, method, path, who="Airflow", error=AirflowApiError, timeout=self.timeout, data=body, bearer=bearer)

    def get(self, path: str, **query: Any) -> Any:
        qs = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        full = f"{path}?{qs}" if qs else path
        try:
            return self._send("GET", full, None, self._bearer())
        except AirflowApiError as error:
            if error.status != 401 or self.endpoint.token:
                raise
            return self._send("GET", full, None, self._bearer(refresh=True))

    def asset_id(self, name: str, uri: str) -> int:
        key = (name, uri)
        if key not in self._asset_ids:
            offset = 0
            while key not in self._asset_ids:
                page = self.get("/api/v2/assets", name_pattern=name, limit=100, offset=offset)
                for a in page.get("assets", []):
                    if a.get("name") == name and a.get("uri") == uri:
                        self._asset_ids[key] = int(a["id"])
                offset += 100
                if offset >= int(page.get("total_entries", 0)):
                    break
            if key not in self._asset_ids:
                raise AirflowApiError(f"Airflow has no asset named {name!r} with uri {uri!r} (has the DAG been parsed?)", 404)
        return self._asset_ids[key]

    def asset_events(self, asset_id: int, since: float) -> list[dict[str, Any]]:
        """The asset's events stored at or after ``since`` (epoch seconds), oldest first."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.get("/api/v2/assets/events", asset_id=asset_id, timestamp_gte=iso(since), order_by="timestamp", limit=100, offset=offset)
            events = page.get("asset_events", [])
            out.extend(events)
            offset += len(events)
            if not events or offset >= int(page.get("total_entries", 0)):
                return out
