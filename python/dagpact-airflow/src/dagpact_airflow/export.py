"""``dagpact-airflow export <dags folder> --out <dir>``: the manifests of the DAGs in a folder, for CI.

Each DAG file is imported the way Airflow's DAG processor would (a fresh module per file, the folder
on sys.path), so every ``declare()`` in it runs; each declared contract is written to
``<out>/<dag_id>.yaml`` as its manifest, optionally with the DAG version label CI chose
(``--version``: the label is not part of the contract hash). ``dagpact check`` / ``deploy`` /
``register`` take these files unchanged.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import traceback
from pathlib import Path

from dagpact_airflow.contract import Contract, ManifestError, load_contract
from dagpact_airflow.declare import declared, reset_declarations


class ExportError(RuntimeError):
    pass


def _import_file(path: Path, index: int) -> None:
    name = f"dagpact_export_{index}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ExportError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def collect(dags_folder: str | Path) -> dict[str, tuple[Contract, str]]:
    """Imports every .py file under the folder; returns dag_id -> (contract, DAG file)."""
    folder = Path(dags_folder).resolve()
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder")
    reset_declarations()
    sys.path.insert(0, str(folder))
    failures: list[str] = []
    try:
        for i, path in enumerate(sorted(folder.rglob("*.py"))):
            if any(part.startswith((".", "__")) for part in path.relative_to(folder).parts):
                continue
            try:
                _import_file(path, i)
            except ManifestError as error:
                failures.append(f"{path}: {error}")
            except Exception:  # a broken DAG file must not pass CI silently
                failures.append(f"{path}: {traceback.format_exc(limit=3).strip()}")
    finally:
        sys.path.remove(str(folder))
    if failures:
        raise ExportError("DAG files failed to import:\n" + "\n".join(failures))
    return declared()


def export(dags_folder: str | Path, out: str | Path, version: str | None = None) -> list[dict[str, str]]:
    """Writes one manifest per declared contract; returns what was written."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for dag_id, (contract, dag_file) in sorted(collect(dags_folder).items()):
        c = contract.with_version(version) if version else contract
        target = out_dir / f"{dag_id}.yaml"
        header = f"# Exported by dagpact-airflow from {dag_file} (contract {c.contract_hash}); do not edit: edit the DAG's manifest.\n"
        target.write_text(header + c.to_yaml(), "utf-8")
        if load_contract(target).contract_hash != c.contract_hash:  # what CI will send must hash the same
            raise ExportError(f"{target}: the written manifest does not hash as the declared one")
        written.append({"dag_id": dag_id, "manifest": str(target), "contract_hash": c.contract_hash, "dag_file": dag_file})
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dagpact-airflow", description="dagpact tools for Airflow DAG files")
    sub = parser.add_subparsers(dest="command", required=True)
    p_export = sub.add_parser("export", help="write the manifests the DAGs of a folder declare")
    p_export.add_argument("dags_folder")
    p_export.add_argument("--out", required=True, help="folder for <dag_id>.yaml manifests")
    p_export.add_argument("--version", help="the DAG version label to write into every manifest (e.g. the git sha)")
    p_export.add_argument("--json", action="store_true", help="print what was written as JSON")
    p_hash = sub.add_parser("hash", help="print the contract hash of manifest files (what the DAG tag holds)")
    p_hash.add_argument("manifests", nargs="+")
    args = parser.parse_args(argv)
    try:
        if args.command == "hash":
            for m in args.manifests:
                print(f"{load_contract(m).contract_hash}  {m}")
            return 0
        written = export(args.dags_folder, args.out, args.version)
    except (ExportError, ManifestError, OSError) as error:
        print(f"dagpact-airflow: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(written, indent=2))
    else:
        for w in written:
            print(f"{w['dag_id']}: {w['manifest']} (contract {w['contract_hash'][:12]}, from {w['dag_file']})")
        if not written:
            print("no DAG in this folder declares a contract", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
