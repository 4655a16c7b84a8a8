"""declare() on real Airflow DAGs, and `dagpact-airflow export` over a DAGs folder."""

from __future__ import annotations

import textwrap

import pytest
from airflow.sdk import DAG

from dagpact_airflow import DeclarationError, declare, declared_contract_hash, load_contract
from dagpact_airflow.export import ExportError, export, main

MANIFEST = "dag_id: {dag}\nversion: v1\nconsumes: [{{topic: orders, subject: orders-value, version: 1}}]\n"


def test_declare_tags_the_dag_with_the_contract_hash(manifest_file):
    path = manifest_file(MANIFEST.format(dag="orders_etl"))
    with DAG("orders_etl", schedule=None, tags=["etl"]) as dag:
        pass
    contract = declare(dag, path)
    assert f"dagpact-contract:{contract.contract_hash}" in dag.tags and "etl" in dag.tags
    assert declared_contract_hash(dag.tags) == contract.contract_hash == load_contract(path).contract_hash
    assert len(contract.tag) <= 100  # Airflow's tag column


def test_declare_refuses_another_dags_manifest(manifest_file):
    with DAG("billing", schedule=None) as dag:
        pass
    with pytest.raises(DeclarationError, match="contract of dag_id 'orders_etl'"):
        declare(dag, manifest_file(MANIFEST.format(dag="orders_etl")))


def test_declare_refuses_a_second_contract(manifest_file):
    with DAG("d", schedule=None) as dag:
        pass
    declare(dag, manifest_file(MANIFEST.format(dag="d"), "a.yaml"))
    with pytest.raises(DeclarationError, match="one contract per DAG"):
        declare(dag, manifest_file(MANIFEST.format(dag="d").replace("version: 1", "version: 2"), "b.yaml"))


DAG_FILE = '''
import dagpact_airflow
from airflow.sdk import DAG
contract = dagpact_airflow.manifest("manifests/{dag}.yaml")
with DAG("{dag}", schedule=None) as dag:
    pass
dagpact_airflow.declare(dag, contract)
'''


def test_export_writes_one_manifest_per_declared_dag(tmp_path, capsys):
    dags = tmp_path / "dags"
    (dags / "manifests").mkdir(parents=True)
    for name in ("orders_etl", "billing"):
        (dags / f"{name}.py").write_text(textwrap.dedent(DAG_FILE.format(dag=name)))
        (dags / "manifests" / f"{name}.yaml").write_text(MANIFEST.format(dag=name))
    (dags / "plain.py").write_text("x = 1\n")
    written = export(dags, tmp_path / "out", version="abc123")
    assert [w["dag_id"] for w in written] == ["billing", "orders_etl"]
    for w in written:
        exported = load_contract(w["manifest"])
        assert exported.version == "abc123"
        assert exported.contract_hash == load_contract(dags / "manifests" / f"{w['dag_id']}.yaml").contract_hash == w["contract_hash"]
    assert main(["export", str(dags), "--out", str(tmp_path / "out2")]) == 0
    assert "orders_etl: " in capsys.readouterr().out


def test_export_fails_on_a_dag_file_that_does_not_import(tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "broken.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ExportError, match="broken.py"):
        export(dags, tmp_path / "out")
    assert main(["export", str(dags), "--out", str(tmp_path / "out")]) == 1
