"""orders_etl: runs on the order messages the gatekeeper accepted; publishes each enriched order.

Its asset watcher paces itself (pacing="run", the default): one run per message, so the task reads
get_message(). With pacing="stored" (more throughput) a run may carry several: use get_messages().
"""

import dagpact_airflow
from airflow.sdk import DAG, task

contract = dagpact_airflow.manifest("manifests/orders_etl.yaml")

with DAG("orders_etl", schedule=[dagpact_airflow.contract_asset(contract)], catchup=False, tags=["dagpact-example"]) as dag:

    @task
    def enrich(**context):
        done = []
        with dagpact_airflow.DagpactPublishHook(contract) as hook:
            # The Order as the contract reads it, and where it came from.
            for msg in [dagpact_airflow.get_message(context)]:
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
