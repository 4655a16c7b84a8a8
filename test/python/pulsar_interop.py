"""Interop peer for dagpact's Pulsar client tests: the official Python client (C++ core) produces and
consumes, so dagpact's binary-protocol code is checked against an implementation no one here wrote.

Usage:
  pulsar_interop.py produce PLAN.json   PLAN = {"service_url", "cases": [{"topic", "mode": "avro"|"json",
                                         "batching": bool, "compression": "NONE"|"LZ4"|"ZLIB"|"ZSTD"|"SNAPPY",
                                         "count": N}]}
      Per case: one message with schema v1 (Reading1: id, name), then `count` messages with v2 (Reading2:
      id, name, value), each with properties {"id": ..., "case": ...} and key "k<id>". Then reads the topic
      back with its own subscription and prints one JSON line per case:
      {"topic", "messages": [{"id", "payload_b64", "properties", "key", "schema_version_hex"}]}
  pulsar_interop.py consume PLAN.json   PLAN = {"service_url", "topic", "subscription", "count", "timeout_ms"}
      Prints {"messages": [{"payload_b64", "properties", "key", "schema_version_hex"}]} with what it received
      (earliest position).
  pulsar_interop.py produce-chunked PLAN.json   PLAN = {"service_url", "topic", "size"}
      Sends one schema-less message of `size` bytes (byte i = i % 251) from a producer with chunking on and
      batching off, so a message larger than the broker's maxMessageSize is split into chunks. Prints
      {"message_id": "..."}.
"""
import base64
import json
import os
import sys

import pulsar
from pulsar.schema import AvroSchema, Double, Integer, JsonSchema, Record, String


# Two versions of one record (same full name): v2 adds a nullable field with a default, which every
# compatibility strategy accepts, so the topic ends up with schema versions 0 and 1.
Reading1 = type("Reading", (Record,), {"_avro_namespace": "dagpact.test", "id": Integer(required=True), "name": String()})
Reading2 = type("Reading", (Record,), {"_avro_namespace": "dagpact.test", "id": Integer(required=True), "name": String(),
                                       "value": Double(required_default=True)})


COMPRESSION = {
    "NONE": pulsar.CompressionType.NONE, "LZ4": pulsar.CompressionType.LZ4, "ZLIB": pulsar.CompressionType.ZLib,
    "ZSTD": pulsar.CompressionType.ZSTD, "SNAPPY": pulsar.CompressionType.SNAPPY,
}


def version_hex(v):
    if v is None:
        return None
    if isinstance(v, str):
        v = v.encode("latin-1")
    return bytes(v).hex()


def produce_case(client, case):
    topic = case["topic"]
    schema_of = AvroSchema if case["mode"] == "avro" else JsonSchema
    options = dict(compression_type=COMPRESSION[case["compression"]], batching_enabled=case["batching"],
                   batching_max_messages=50, batching_max_publish_delay_ms=20, block_if_queue_full=True)
    # Read the topic back with a subscription created before anything is written.
    reader = client.subscribe(topic, "python-check", initial_position=pulsar.InitialPosition.Earliest)
    first = client.create_producer(topic, schema=schema_of(Reading1), **options)
    first.send(Reading1(id=0, name="v1"), properties={"id": "0", "case": topic}, partition_key="k0")
    first.close()
    producer = client.create_producer(topic, schema=schema_of(Reading2), **options)
    for i in range(1, case["count"] + 1):
        producer.send_async(Reading2(id=i, name="n%d" % i, value=i / 4), None,
                            properties={"id": str(i), "case": topic}, partition_key="k%d" % i)
    producer.flush()
    producer.close()
    out = []
    for _ in range(case["count"] + 1):
        msg = reader.receive(timeout_millis=20000)
        reader.acknowledge(msg)
        out.append({"id": msg.properties()["id"], "payload_b64": base64.b64encode(msg.data()).decode(),
                    "properties": msg.properties(), "key": msg.partition_key(),
                    "schema_version_hex": version_hex(msg.schema_version())})
    reader.close()
    return {"topic": topic, "messages": out}


def consume(client, plan):
    consumer = client.subscribe(plan["topic"], plan["subscription"], initial_position=pulsar.InitialPosition.Earliest)
    out = []
    try:
        while len(out) < plan["count"]:
            msg = consumer.receive(timeout_millis=plan.get("timeout_ms", 20000))
            consumer.acknowledge(msg)
            out.append({"payload_b64": base64.b64encode(msg.data()).decode(), "properties": msg.properties(),
                        "key": msg.partition_key(), "schema_version_hex": version_hex(msg.schema_version())})
    except pulsar.Timeout:
        pass
    consumer.close()
    return {"messages": out}


def produce_chunked(client, plan):
    producer = client.create_producer(plan["topic"], chunking_enabled=True, batching_enabled=False)
    msg_id = producer.send(bytes(i % 251 for i in range(plan["size"])))
    producer.close()
    return {"message_id": str(msg_id)}


def main():
    command, plan_path = sys.argv[1], sys.argv[2]
    plan = json.load(open(plan_path))
    # The C++ core logs to stdout by default; route it to stderr so stdout carries only JSON. (A Python
    # logging.Logger makes pulsar-client 3.x abort at interpreter exit.)
    logger = pulsar.FileLogger(pulsar.LoggerLevel.Warn, "/dev/stderr")
    client = pulsar.Client(plan["service_url"], operation_timeout_seconds=30, logger=logger)
    try:
        if command == "produce":
            for case in plan["cases"]:
                print(json.dumps(produce_case(client, case)), flush=True)
        elif command == "consume":
            print(json.dumps(consume(client, plan)), flush=True)
        elif command == "produce-chunked":
            print(json.dumps(produce_chunked(client, plan)), flush=True)
        else:
            raise SystemExit("unknown command " + command)
    finally:
        client.close()


if __name__ == "__main__":
    main()
    # Skip interpreter teardown: the C++ client's static destructors occasionally crash at exit,
    # which would turn a successful run into a signal exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
