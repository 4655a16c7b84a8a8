"""Produces the messages of a gatekeeper test with the official Python Pulsar client.

Usage: gatekeeper_produce.py PLAN.json
PLAN = {"service_url": "...", "batches": [{"topic": "...", "mode": "avro"|"json"|"bytes",
         "schema": <Avro definition dict> (avro, json: the Pulsar-registered definition of the record),
         "messages": [{"value": {...}} | {"payload_b64": "..."}, "properties": {...}, "key": "..."}]}]}
mode avro: a registered Pulsar AVRO schema (per-message schema version); value is a dict.
mode json: a registered Pulsar JSON schema built from the Avro-style definition's fields.
mode bytes: no schema; payload_b64 is sent as is (Confluent wire format, schema-less JSON, ...).
Prints one JSON line per batch: {"topic": ..., "sent": N}.
"""
import base64
import json
import sys
import time

import pulsar
from pulsar.schema import AvroSchema, Boolean, Double, Integer, JsonSchema, Long, Record, String

JSON_FIELD_TYPES = {"string": String, "int": Integer, "long": Long, "double": Double, "boolean": Boolean}


def json_record_class(definition):
    attrs = {}
    for field in definition["fields"]:
        t = field["type"]
        optional = isinstance(t, list)
        base = [x for x in t if x != "null"][0] if optional else t
        attrs[field["name"]] = JSON_FIELD_TYPES[base](required=not optional)
    cls = type(definition["name"], (Record,), attrs)
    return cls


def quiet_logger():
    # The C++ client logs INFO lines to stdout by default, and stdout is this script's data channel.
    # (A Python logging.Logger aborts at interpreter exit in pulsar-client 3.x: "terminate called ...".)
    return pulsar.FileLogger(pulsar.LoggerLevel.Warn, "/dev/stderr")


def main():
    plan = json.load(open(sys.argv[1]))
    client = pulsar.Client(plan["service_url"], operation_timeout_seconds=30, logger=quiet_logger())
    try:
        for batch in plan["batches"]:
            mode = batch["mode"]
            record_cls = None
            if mode == "avro":
                schema = AvroSchema(None, schema_definition=batch["schema"])
            elif mode == "json":
                record_cls = json_record_class(batch["schema"])
                schema = JsonSchema(record_cls)
            else:
                schema = pulsar.schema.BytesSchema()
            # block_if_queue_full: with the default (False) send_async drops messages silently once
            # 1000 are pending. A long send timeout rides out a broker restart; sends that still fail
            # are retried one by one (a retried send may duplicate a message: counted downstream).
            producer = client.create_producer(batch["topic"], schema=schema, batching_enabled=False,
                                              send_timeout_millis=120000, block_if_queue_full=True,
                                              max_pending_messages=2000)
            failed = []
            completed = [0]

            def content_of(m):
                if mode == "avro":
                    return m["value"]
                if mode == "json":
                    return record_cls(**m["value"])
                return base64.b64decode(m["payload_b64"])

            def kwargs_of(m):
                kwargs = {"properties": m.get("properties", {})}
                if m.get("key"):
                    kwargs["partition_key"] = m["key"]
                return kwargs

            for m in batch["messages"]:
                def done(result, _msg_id, m=m):
                    completed[0] += 1
                    if result != pulsar.Result.Ok:
                        failed.append((m, str(result)))
                producer.send_async(content_of(m), done, **kwargs_of(m))
            producer.flush()
            deadline = time.time() + 300
            while completed[0] < len(batch["messages"]) and time.time() < deadline:
                time.sleep(0.05)
            if completed[0] < len(batch["messages"]):
                raise SystemExit(f"only {completed[0]} of {len(batch['messages'])} sends completed on {batch['topic']}")
            retried = 0
            while failed:
                m, why = failed.pop()
                for attempt in range(30):
                    try:
                        producer.send(content_of(m), **kwargs_of(m))
                        retried += 1
                        break
                    except Exception as error:  # noqa: BLE001 - reported below when it never succeeds
                        why = str(error)
                        time.sleep(2)
                else:
                    raise SystemExit(f"could not send {m.get('properties')} to {batch['topic']}: {why}")
            producer.close()
            print(json.dumps({"topic": batch["topic"], "sent": len(batch["messages"]), "retried": retried}), flush=True)
    finally:
        client.close()


if __name__ == "__main__":
    main()
