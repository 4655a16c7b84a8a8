"""orders_report: reads the enriched orders orders_etl publishes (checked against this DAG's contract)."""

import dagpact_airflow
from airflow.sdk import DAG, task

contract = dagpact_airflow.manifest("manifests/orders_report.yaml")

with DAG("orders_report", schedule=[dagpact_airflow.contract_asset(contract)], catchup=False, tags=["dagpact-example"]) as dag:

    @task
    def report(**context):
        # One message per run with the watcher's default pacing; get_messages() also reads a run that has several.
        return [{"enriched": msg.value, "message_id": msg.message_id, "contract_subject": msg.contract_subject,
                 "contract_version": msg.contract_version, "producer_run_id": msg.properties.get("dagpact-producer-run-id")}
                for msg in dagpact_airflow.get_messages(context)]

    report()

dagpact_airflow.declare(dag, contract)
