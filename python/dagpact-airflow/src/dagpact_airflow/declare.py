"""The DAG file declares its contract: ``declare(dag, "manifests/x.yaml")``.

The declaration puts the contract hash where Airflow's REST API shows it for the DAG version Airflow
runs: the DAG tag ``dagpact-contract:<contract_hash>`` (tags are part of the serialized DAG, so a new
contract makes a new Airflow DAG version). Not a param: params are inputs a user may change per run.
The parsed contract is also kept in a per-process registry that ``dagpact-airflow export`` reads.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from dagpact_airflow.contract import TAG_PREFIX, Contract, load_contract

# dag_id -> (contract, the DAG file that declared it); filled while DAG files are imported.
_DECLARED: dict[str, tuple[Contract, str]] = {}


class DeclarationError(ValueError):
    """The DAG and its manifest disagree (dag_id), or a DAG declares two contracts."""


def _resolve(manifest: str | Path, caller_file: str | None) -> Path:
    p = Path(manifest)
    if p.is_absolute() or caller_file is None:
        return p
    # Relative to the DAG file, so the DAG processor's working directory does not matter.
    return Path(caller_file).resolve().parent / p


def manifest(path: str | Path) -> Contract:
    """Loads a manifest given relative to the calling DAG file (or absolute)."""
    return load_contract(_resolve(path, inspect.stack()[1].filename))


def declare(dag: Any, manifest: str | Path | Contract) -> Contract:
    """Binds ``dag`` to the contract in ``manifest`` (a path relative to the calling DAG file, or a
    Contract) and tags it ``dagpact-contract:<hash>``. Returns the contract, for the tasks' use."""
    caller = inspect.stack()[1].filename
    if isinstance(manifest, Contract):
        contract = manifest
    else:
        contract = load_contract(_resolve(manifest, caller))
    if contract.dag_id != dag.dag_id:
        raise DeclarationError(
            f"{contract.source} is the contract of dag_id {contract.dag_id!r}, but it is declared for DAG {dag.dag_id!r}: "
            "set dag_id in the manifest to the DAG's id"
        )
    tags = dag.tags if isinstance(dag.tags, (set, list)) else set(dag.tags or ())
    stale = {t for t in tags if t.startswith(TAG_PREFIX) and t != contract.tag}
    if stale:
        raise DeclarationError(f"DAG {dag.dag_id!r} already declares {sorted(stale)}: one contract per DAG")
    if isinstance(tags, list):
        if contract.tag not in tags:
            tags.append(contract.tag)
    else:
        tags.add(contract.tag)
    dag.tags = tags
    _DECLARED[dag.dag_id] = (contract, str(Path(caller).resolve()))
    return contract


def declared_contract_hash(tags: Any) -> str | None:
    """The contract hash a DAG's tags declare, or None."""
    for t in tags or ():
        name = t if isinstance(t, str) else getattr(t, "name", str(t))
        if name.startswith(TAG_PREFIX):
            return name[len(TAG_PREFIX):]
    return None


def declared() -> dict[str, tuple[Contract, str]]:
    """Every contract declared in this process so far: dag_id -> (contract, DAG file)."""
    return dict(_DECLARED)


def reset_declarations() -> None:
    _DECLARED.clear()
