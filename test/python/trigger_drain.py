"""Reads everything on some topics with the official Python Pulsar client, with each message's schema.

Usage: trigger_drain.py SERVICE_URL IDLE_SECONDS [--min N] TOPIC [TOPIC ...]
Like gatekeeper_drain.py (Exclusive subscription from the earliest message under a fresh name, deleted
afterwards; stops after IDLE_SECONDS without a message, but not before N messages arrived or 120 s
passed: the caller knows N messages are there), and also reports which schema each message was
written with, as the broker knows it. A DAG reading its trigger topic with Pulsar's AvroSchema decodes by
this version, so the differential test checks that the schema behind it is the contract's reader.
Prints one JSON line per message:
  {"kind": "message", "topic", "properties", "payload_b64", "schema_version": int | null}
then one line per (topic, schema version) met:
  {"kind": "schema", "topic", "version", "type": "AVRO" | ..., "schema": "<definition>"} or with "error".
"""
import base64
import json
import sys
import time
import uuid

import pulsar


def quiet_logger():
    # The C++ client logs INFO lines to stdout by default, and stdout is this script's data channel.
    return pulsar.FileLogger(pulsar.LoggerLevel.Warn, "/dev/stderr")


def schema_version_of(msg):
    # The raw version is empty for a message written without a schema (BYTES producers).
    raw = msg._message.schema_version()
    return msg._message.int_schema_version() if raw else None


def main():
    service_url, idle, topics = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    at_least = 0
    if topics[:1] == ["--min"]:
        at_least, topics = int(topics[1]), topics[2:]
    deadline = time.monotonic() + 120
    client = pulsar.Client(service_url, operation_timeout_seconds=30, logger=quiet_logger())
    sub = "drain-" + uuid.uuid4().hex[:8]
    out = sys.stdout
    versions = set()
    received = 0
    try:
        consumer = client.subscribe(topics, sub, consumer_type=pulsar.ConsumerType.Exclusive,
                                    initial_position=pulsar.InitialPosition.Earliest,
                                    schema=pulsar.schema.BytesSchema())
        while True:
            try:
                msg = consumer.receive(timeout_millis=int(idle * 1000))
            except pulsar.Timeout:
                if received < at_least and time.monotonic() < deadline:
                    continue
                break
            received += 1
            version = schema_version_of(msg)
            if version is not None:
                versions.add((msg.topic_name(), version))
            out.write(json.dumps({"kind": "message", "topic": msg.topic_name(), "properties": msg.properties(),
                                  "payload_b64": base64.b64encode(msg.data()).decode(), "schema_version": version}) + "\n")
            consumer.acknowledge(msg)
        consumer.unsubscribe()
        for topic, version in sorted(versions):
            try:
                info = client._client.get_schema_info(topic, version)
                out.write(json.dumps({"kind": "schema", "topic": topic, "version": version,
                                      "type": str(info.schema_type()).split(".")[-1], "schema": info.schema()}) + "\n")
            except Exception as error:  # noqa: BLE001 - reported to the test
                out.write(json.dumps({"kind": "schema", "topic": topic, "version": version, "error": str(error)}) + "\n")
        out.flush()
    finally:
        client.close()


if __name__ == "__main__":
    main()
