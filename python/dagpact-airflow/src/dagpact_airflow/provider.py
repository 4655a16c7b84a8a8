"""Airflow provider metadata: registers the ``pulsar`` and ``dagpact`` connection types (the UI's
connection form and ``airflow connections`` know them)."""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "dagpact-airflow",
        "name": "dagpact",
        "description": "Contracts between Airflow DAGs and the Pulsar messages they read and write (dagpact).",
        "versions": ["0.1.0"],
        "connection-types": [
            {"connection-type": "pulsar", "hook-class-name": "dagpact_airflow.hooks.PulsarConnectionHook"},
            {"connection-type": "dagpact", "hook-class-name": "dagpact_airflow.hooks.DagpactConnectionHook"},
        ],
    }
