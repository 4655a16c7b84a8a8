"""Produces the messages of the writer-schema differential test with the official Python Pulsar client.

Usage: writer_reader_pairs.py PLAN.json [--dry-run]
PLAN = {"service_url": "...", "pairs": [{"id": "p17", "topic": "persistent://...", "writer": {<Avro record>},
        "count": 3, "seed": 17}]}
Each pair's writer is registered on the broker the way Pulsar users do it: a producer with
AvroSchema(None, schema_definition=writer), so every message carries the broker's schema version of
that writer. Pairs naming the same topic are produced in plan order, each with its own producer (the
topic's schema evolves: the namespace must allow it). Values come from fastavro.utils.generate_many
on the writer with `random` seeded per pair (uuid4, which fastavro's generator calls for uuid strings,
is drawn from the same seeded generator), so a plan always produces the same bytes.

Prints one JSON line per message: {"pair", "topic", "seq", "payload_b64"}: `payload_b64` is exactly the
Avro binary the producer sent (the schema's own encode(), which send() calls). Each message has the
property seq = "<pair id>-<n>". With --dry-run nothing is sent (the lines are printed all the same).
"""
import base64
import json
import random
import sys
import uuid

import pulsar
from fastavro.utils import generate_many
from pulsar.schema import AvroSchema


def seeded_uuid4():
    return uuid.UUID(int=random.getrandbits(128), version=4)


def quiet_logger():
    # The C++ client logs INFO lines to stdout by default, and stdout is this script's data channel.
    return pulsar.FileLogger(pulsar.LoggerLevel.Warn, "/dev/stderr")


def main():
    plan = json.load(open(sys.argv[1]))
    dry_run = "--dry-run" in sys.argv[2:]
    uuid.uuid4 = seeded_uuid4  # fastavro.utils calls uuid.uuid4() for uuid strings: make it deterministic
    client = None if dry_run else pulsar.Client(plan["service_url"], operation_timeout_seconds=30, logger=quiet_logger())
    out = sys.stdout
    try:
        for pair in plan["pairs"]:
            schema = AvroSchema(None, schema_definition=pair["writer"])
            random.seed(pair["seed"])
            values = list(generate_many(json.loads(json.dumps(pair["writer"])), pair["count"]))
            producer = None
            if client is not None:
                producer = client.create_producer(pair["topic"], schema=schema, batching_enabled=False, send_timeout_millis=60000)
            for n, value in enumerate(values):
                seq = f"{pair['id']}-{n}"
                payload = schema.encode(value)
                if producer is not None:
                    producer.send(value, properties={"seq": seq})
                out.write(json.dumps({"pair": pair["id"], "topic": pair["topic"], "seq": seq,
                                      "payload_b64": base64.b64encode(payload).decode()}) + "\n")
            if producer is not None:
                producer.close()
        out.flush()
    finally:
        if client is not None:
            client.close()


if __name__ == "__main__":
    main()
