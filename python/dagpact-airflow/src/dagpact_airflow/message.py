"""Inside a task: the message that triggered the run, as the contract reads it, with its provenance.

Both ways a run starts carry the same document, ``{"message": <value>, "dagpact": {<provenance>}}``:

* the gatekeeper's REST path (``forward_to: airflow``) puts it in the run's ``conf``;
* the asset-watcher path (:class:`~dagpact_airflow.trigger.DagpactTrigger`) puts it in the asset
  event's ``extra["payload"]``, which Airflow hands to the run as a triggering asset event.

With the trigger's default pacing (``pacing="run"``) every asset-triggered run carries exactly one
message. With ``pacing="stored"`` Airflow creates one run for all the asset events queued since the
DAG's previous run, so one run may receive several. ``get_messages`` returns them all (oldest first,
a message repeated within the run once: same source topic and message id); ``get_message`` returns
the one message and refuses a run that has several.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


class NoDagpactMessage(LookupError):
    """The run was not started by a dagpact message (neither conf nor a dagpact asset event)."""


class SeveralDagpactMessages(LookupError):
    """The run received several messages (Airflow merged queued asset events into one run)."""


@dataclass(frozen=True)
class DagpactMessage:
    """A checked message and where it came from."""

    value: Any
    source_topic: str | None
    message_id: str | None
    dag_id: str | None
    dag_version: str | None
    contract_subject: str | None
    contract_version: int | None
    via: Literal["rest", "asset"]
    properties: dict[str, str] = field(default_factory=dict)
    trigger_topic: str | None = None
    trigger_message_id: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Any, via: Literal["rest", "asset"]) -> DagpactMessage | None:
        if not isinstance(doc, dict) or not isinstance(doc.get("dagpact"), dict) or "message" not in doc:
            return None
        p = doc["dagpact"]
        version = p.get("contract_version")
        return cls(
            value=doc["message"], source_topic=p.get("source_topic"), message_id=p.get("message_id"),
            dag_id=p.get("dag_id"), dag_version=p.get("dag_version"), contract_subject=p.get("contract_subject"),
            contract_version=int(version) if version not in (None, "") else None, via=via,
            properties=dict(p.get("properties") or {}), trigger_topic=p.get("trigger_topic"),
            trigger_message_id=p.get("trigger_message_id"), provenance=dict(p),
        )


def message_identity(provenance: Any) -> str | None:
    """What makes two deliveries the same message: the source topic and message id the gatekeeper
    read it from, else (no source recorded) the trigger topic's message id."""
    if not isinstance(provenance, dict):
        return None
    if provenance.get("source_topic") and provenance.get("message_id"):
        return f"{provenance['source_topic']}#{provenance['message_id']}"
    if provenance.get("trigger_topic") and provenance.get("trigger_message_id"):
        return f"{provenance['trigger_topic']}#{provenance['trigger_message_id']}"
    return None


def _asset_events(context: Any) -> list[tuple[Any, Any]]:
    events = context.get("triggering_asset_events") if hasattr(context, "get") else None
    out: list[tuple[Any, Any]] = []
    if not events:
        return out
    for _asset, evs in events.items():
        for ev in evs:
            out.append((getattr(ev, "timestamp", None), getattr(ev, "extra", None) or {}))
    out.sort(key=lambda t: (t[0] is None, t[0]))
    return out


def get_messages(context: Any) -> list[DagpactMessage]:
    """Every dagpact message that triggered this run (REST conf, or asset events oldest first)."""
    dag_run = context.get("dag_run")
    conf = getattr(dag_run, "conf", None) if dag_run is not None else None
    found = DagpactMessage.from_document(conf, "rest")
    if found is not None:
        return [found]
    out = []
    seen: set[str] = set()
    for _ts, extra in _asset_events(context):
        m = DagpactMessage.from_document(extra.get("payload") if isinstance(extra, dict) else None, "asset")
        if m is None:
            continue
        identity = message_identity(m.provenance)
        if identity is not None and identity in seen:
            continue  # the same message stored twice (redelivered with pacing="stored"): once
        if identity is not None:
            seen.add(identity)
        out.append(m)
    return out


def get_message(context: Any) -> DagpactMessage:
    """The message that triggered this run. Raises NoDagpactMessage or SeveralDagpactMessages."""
    found = get_messages(context)
    if not found:
        run_id = getattr(context.get("dag_run"), "run_id", None)
        raise NoDagpactMessage(f"run {run_id} was not started by a dagpact message: no dagpact conf and no dagpact asset event")
    if len(found) > 1:
        ids = ", ".join(str(m.message_id) for m in found)
        raise SeveralDagpactMessages(
            f"this run was triggered by {len(found)} messages ({ids}): Airflow merged asset events queued before the run was created; "
            "use dagpact_airflow.get_messages(context) to process them all"
        )
    return found[0]
