"""The few reads of dagpact's registry the Airflow side needs, over its Confluent-compatible API
(schemas by id, subject versions, "which id has this schema"). Schemas by id never change: cached."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from dagpact_airflow.connections import DagpactEndpoint
from dagpact_airflow.http_json import HttpCallError, call_json


class RegistryError(HttpCallError):
    """dagpact's registry refused a call or could not be reached."""


@dataclass(frozen=True)
class RegisteredSchema:
    id: int
    schema: Any  # the parsed document
    schema_type: str  # AVRO | JSON


@dataclass
class RegistryClient:
    endpoint: DagpactEndpoint
    timeout: float = 10.0
    _by_id: dict[int, RegisteredSchema] = field(default_factory=dict)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        return call_json(
            self.endpoint.url, method, path, who="dagpact", error=RegistryError, timeout=self.timeout,
            data=None if body is None else json.dumps(body).encode("utf-8"),
            content_type="application/vnd.schemaregistry.v1+json", bearer=self.endpoint.token,
        )

    @staticmethod
    def _schema_of(body: dict[str, Any], schema_id: int) -> RegisteredSchema:
        return RegisteredSchema(id=schema_id, schema=json.loads(body["schema"]), schema_type=body.get("schemaType") or "AVRO")

    def schema_by_id(self, schema_id: int) -> RegisteredSchema:
        if schema_id not in self._by_id:
            self._by_id[schema_id] = self._schema_of(self._call("GET", f"/ccompat/schemas/ids/{schema_id}"), schema_id)
        return self._by_id[schema_id]

    def subject_version(self, subject: str, version: int | str) -> RegisteredSchema:
        body = self._call("GET", f"/ccompat/subjects/{urllib.parse.quote(subject, safe='')}/versions/{version}")
        return self._schema_of(body, int(body["id"]))

    def lookup(self, subject: str, schema: Any, schema_type: str) -> RegisteredSchema:
        """The id of a schema already registered under the subject (404 when it is not)."""
        body: dict[str, Any] = {"schema": json.dumps(schema)}
        if schema_type != "AVRO":
            body["schemaType"] = schema_type
        answer = self._call("POST", f"/ccompat/subjects/{urllib.parse.quote(subject, safe='')}", body)
        return RegisteredSchema(id=int(answer["id"]), schema=schema, schema_type=schema_type)
