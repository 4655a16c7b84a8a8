"""orders_etl: runs on the order messages the gatekeeper accepted; publishes each enriched order.

Airflow starts one run per asset event, except that events queued before the scheduler creates the
run share one run: so this task reads get_messages() (orders_report shows get_message()).
"""

import dagpact_airflow
from airflow.sdk import DAG, task

contract = dagpact_airflow.manifest("manifests/orders_etl.yaml")

with DAG("orders_etl", schedule=[dagpact_airflow.contract_asset(contract)], catchup=False, tags=["dagpact-example"]) as dag:

    @task
    def enrich(**context):
        done = []
        with dagpact_airflow.DagpactPublishHook(contract) as hook:
            # Each Order as the contract reads it, and where it came from.
            for msg in dagpact_airflow.get_messages(context):
                order = msg.value
                total = order["amount_cents"] - (500 if order["coupon"] else 0)
                record = {"order_id": order["order_id"], "customer": order["customer"], "total_cents": total,
                          "source_message_id": msg.message_id or ""}
                if order["customer"] == "mallory":
                    record["total_cents"] = str(total)  # the example's deliberate bug: refused before sending
                published = hook.publish(record, context=context)
                done.append({"order": order, "message_id": msg.message_id, "source_topic": msg.source_topic,
                             "dag_version": msg.dag_version, "contract_subject": msg.contract_subject,
                             "contract_version": msg.contract_version, "via": msg.via, "published": published})
        return done

    enrich()

dagpact_airflow.declare(dag, contract)
