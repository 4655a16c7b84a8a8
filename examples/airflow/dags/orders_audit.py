"""orders_audit: started by the gatekeeper through Airflow's REST API (forward_to: airflow)."""

import dagpact_airflow
from airflow.sdk import DAG, task

contract = dagpact_airflow.manifest("manifests/orders_audit.yaml")

with DAG("orders_audit", schedule=None, catchup=False, tags=["dagpact-example"]) as dag:

    @task
    def audit(**context):
        msg = dagpact_airflow.get_message(context)  # from the run's conf this time
        return {"order": msg.value, "message_id": msg.message_id, "via": msg.via, "dag_version": msg.dag_version,
                "contract_subject": msg.contract_subject, "contract_version": msg.contract_version}

    audit()

dagpact_airflow.declare(dag, contract)
