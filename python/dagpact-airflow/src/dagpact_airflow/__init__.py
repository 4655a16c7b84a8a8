"""dagpact for Airflow DAG files: declare the contract, trigger on checked messages, publish under it.

    contract = dagpact_airflow.manifest("manifests/orders_etl.yaml")   # beside this DAG file
    with DAG("orders_etl", schedule=[dagpact_airflow.contract_asset(contract)]) as dag:
        ...
    dagpact_airflow.declare(dag, contract)

Heavy imports (Airflow's trigger machinery, the Pulsar client) load on first use.
"""

from __future__ import annotations

from typing import Any

from dagpact_airflow.codec import RecordMismatch
from dagpact_airflow.contract import TAG_PREFIX, Contract, ContractEntry, ManifestError, load_contract
from dagpact_airflow.declare import DeclarationError, declare, declared_contract_hash, manifest
from dagpact_airflow.message import DagpactMessage, NoDagpactMessage, SeveralDagpactMessages, get_message, get_messages

__version__ = "0.1.0"

__all__ = [
    "TAG_PREFIX", "Contract", "ContractEntry", "DagpactMessage", "DagpactPublishHook", "DagpactTrigger",
    "DeclarationError", "ManifestError", "NoDagpactMessage", "RecordMismatch", "SeveralDagpactMessages",
    "contract_asset", "declare", "declared_contract_hash", "get_message", "get_messages", "load_contract", "manifest",
]


def __getattr__(name: str) -> Any:
    if name in ("DagpactTrigger", "contract_asset"):
        from dagpact_airflow import trigger

        return getattr(trigger, name)
    if name == "DagpactPublishHook":
        from dagpact_airflow.publish import DagpactPublishHook

        return DagpactPublishHook
    raise AttributeError(name)
