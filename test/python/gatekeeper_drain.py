"""Reads everything on some topics with the official Python Pulsar client and prints it.

Usage: gatekeeper_drain.py SERVICE_URL IDLE_SECONDS TOPIC [TOPIC ...]
Subscribes (Exclusive, from the earliest message, a fresh subscription name) to each topic and
prints one JSON line per message: {"topic", "properties", "key", "payload_b64"}; stops after IDLE_SECONDS
without a message. The subscription is deleted afterwards so the topic keeps no backlog.
"""
import base64
import json
import sys
import uuid

import pulsar


def quiet_logger():
    # The C++ client logs INFO lines to stdout by default, and stdout is this script's data channel.
    # (A Python logging.Logger aborts at interpreter exit in pulsar-client 3.x: "terminate called ...".)
    return pulsar.FileLogger(pulsar.LoggerLevel.Warn, "/dev/stderr")


def main():
    service_url, idle, topics = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    client = pulsar.Client(service_url, operation_timeout_seconds=30, logger=quiet_logger())
    sub = "drain-" + uuid.uuid4().hex[:8]
    try:
        consumer = client.subscribe(topics, sub, consumer_type=pulsar.ConsumerType.Exclusive,
                                    initial_position=pulsar.InitialPosition.Earliest,
                                    schema=pulsar.schema.BytesSchema())
        out = sys.stdout
        while True:
            try:
                msg = consumer.receive(timeout_millis=int(idle * 1000))
            except pulsar.Timeout:
                break
            out.write(json.dumps({"topic": msg.topic_name(), "properties": msg.properties(),
                                  "key": msg.partition_key() or None,
                                  "payload_b64": base64.b64encode(msg.data()).decode()}) + "\n")
            consumer.acknowledge(msg)
        out.flush()
        consumer.unsubscribe()
    finally:
        client.close()


if __name__ == "__main__":
    main()
