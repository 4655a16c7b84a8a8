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
            producer = client.create_producer(batch["topic"], schema=schema, batching_enabled=False,
                                              send_timeout_millis=30000)
            for m in batch["messages"]:
                kwargs = {"properties": m.get("properties", {})}
                if m.get("key"):
                    kwargs["partition_key"] = m["key"]
                if mode == "avro":
                    content = m["value"]
                elif mode == "json":
                    content = record_cls(**m["value"])
                else:
                    content = base64.b64decode(m["payload_b64"])
                producer.send_async(content, None, **kwargs)
            producer.flush()
            producer.close()
            print(json.dumps({"topic": batch["topic"], "sent": len(batch["messages"])}), flush=True)
    finally:
        client.close()


if __name__ == "__main__":
    main()
