"""One JSON-over-HTTP call with the standard library, for the two REST clients of this package
(dagpact's registry and Airflow's API): an answer decoded from JSON, or an error naming the server,
the status and the start of its body."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class HttpCallError(RuntimeError):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def call_json(
    base_url: str, method: str, path: str, *, who: str, error: type[HttpCallError], timeout: float,
    data: bytes | None = None, content_type: str = "application/json", bearer: str | None = None,
) -> Any:
    req = urllib.request.Request(f"{base_url}{path}", data=data, method=method)
    req.add_header("accept", "application/json")
    if data is not None:
        req.add_header("content-type", content_type)
    if bearer:
        req.add_header("authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:  # noqa: S310 - URL from a connection
            return json.loads(res.read().decode("utf-8"))
    except urllib.error.HTTPError as failure:
        detail = failure.read().decode("utf-8", "replace")[:300]
        raise error(f"{who} at {base_url} answered {failure.code} to {method} {path}: {detail}", failure.code) from failure
    except (urllib.error.URLError, TimeoutError) as failure:
        raise error(f"{who} at {base_url} is unreachable ({method} {path}): {failure}") from failure
