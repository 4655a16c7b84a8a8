"""Publishes orders as a Pulsar user would: the official client, the Avro schema declared on the broker.

    python examples/airflow/producer.py --service-url pulsar://127.0.0.1:6650 \
        --topic persistent://public/orders-demo/orders o-1:alice:1200 o-2:bob:900:SPRING

Each ORDER is order_id:customer:amount_cents[:coupon]; prints one JSON line per message sent.
"""

import argparse
import json
from pathlib import Path

import pulsar
import yaml
from pulsar.schema import AvroSchema

MANIFEST = Path(__file__).parent / "dags" / "manifests" / "orders_etl.yaml"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--service-url", default="pulsar://127.0.0.1:6650")
    parser.add_argument("--topic", required=True)
    parser.add_argument("orders", nargs="+")
    args = parser.parse_args()
    schema = yaml.safe_load(MANIFEST.read_text())["consumes"][0]["schema"]
    client = pulsar.Client(args.service_url, logger=pulsar.FileLogger(pulsar.LoggerLevel.Warn, "/dev/stderr"))
    try:
        producer = client.create_producer(args.topic, schema=AvroSchema(None, schema_definition=schema))
        for spec in args.orders:
            order_id, customer, amount, *coupon = spec.split(":")
            value = {"order_id": order_id, "customer": customer, "amount_cents": int(amount), "coupon": coupon[0] if coupon else None}
            mid = producer.send(value)
            # ledger:entry:partition:batch, as dagpact and the DAG's provenance write message ids
            message_id = f"{mid.ledger_id()}:{mid.entry_id()}:{mid.partition()}:{mid.batch_index()}"
            print(json.dumps({"order_id": order_id, "message_id": message_id}), flush=True)
    finally:
        client.close()


if __name__ == "__main__":
    main()
