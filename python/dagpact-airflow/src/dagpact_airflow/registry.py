"""The few reads of dagpact's registry the Airflow side needs, over its Confluent-compatible API
(schemas by id, subject versions, "which id has this schema"). Schemas by id never change: cached."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from dagpact_airflow.connections import DagpactEndpoint


class RegistryError(RuntimeError):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


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
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(f"{self.endpoint.url}{path}", data=data, method=method)
        req.add_header("accept", "application/json")
        if data is not None:
            req.add_header("content-type", "application/vnd.schemaregistry.v1+json")
        if self.endpoint.token:
            req.add_header("authorization", f"Bearer {self.endpoint.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:  # noqa: S310 - URL from a connection
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:300]
            raise RegistryError(f"dagpact at {self.endpoint.url} answered {error.code} to {method} {path}: {detail}", error.code) from error
        except (urllib.error.URLError, TimeoutError) as error:
            raise RegistryError(f"dagpact at {self.endpoint.url} is unreachable ({method} {path}): {error}") from error

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
