"""orders_report: reads the enriched orders orders_etl publishes (checked against this DAG's contract)."""

import dagpact_airflow
from airflow.sdk import DAG, task

contract = dagpact_airflow.manifest("manifests/orders_report.yaml")

with DAG("orders_report", schedule=[dagpact_airflow.contract_asset(contract)], catchup=False, tags=["dagpact-example"]) as dag:

    @task
    def report(**context):
        msg = dagpact_airflow.get_message(context)
        return {"enriched": msg.value, "message_id": msg.message_id, "contract_subject": msg.contract_subject,
                "contract_version": msg.contract_version, "producer_run_id": msg.properties.get("dagpact-producer-run-id")}

    report()

dagpact_airflow.declare(dag, contract)
