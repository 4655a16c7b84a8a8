"""The load of bench/gatekeeper-soak.ts with BENCH_WRITERS=pulsar: Avro records produced by the official
Pulsar client (C++ core, through the Python `pulsar-client` wheel), each writer schema registered on the
broker by its own producer, as Pulsar users produce. Every message then carries its writer's
schema_version, and the gatekeeper reads the writer from the broker.

Usage: soak_produce.py SERVICE_URL TOPIC PLAN.json
PLAN = {"good": [<Avro definition dict>, ...], "bad": <Avro definition dict>, "held_every": N, "block": B}
Message i is written with "bad" when i % held_every == held_every - 1, otherwise with good[(i // block) %
len(good)]: runs of B messages per good writer, in turn. Its value is {"id": i, "sku": "SKU-<i % 100>",
"amount": i / 3} (amount as a string for "bad"), plus "" for any other field a good writer has.

Prints "ready" once every producer is connected. Then reads lines "START COUNT" from stdin, sends
messages START .. START+COUNT-1, and prints {"sent": COUNT, "errors": E} once every receipt is in.
"""
import json
import sys
import threading

import pulsar
from pulsar.schema import AvroSchema


def main():
    url, topic, plan_file = sys.argv[1], sys.argv[2], sys.argv[3]
    plan = json.load(open(plan_file))
    held_every, block = plan["held_every"], plan["block"]
    # Warn and above to stderr: stdout is this script's data channel.
    client = pulsar.Client(url, operation_timeout_seconds=30,
                           logger=pulsar.FileLogger(pulsar.LoggerLevel.Warn, "/dev/stderr"))

    def producer(definition):
        return client.create_producer(
            topic, schema=AvroSchema(None, schema_definition=definition), batching_enabled=True,
            batching_max_messages=200, batching_max_publish_delay_ms=5, block_if_queue_full=True,
            max_pending_messages=5000, send_timeout_millis=120000)

    goods = [producer(d) for d in plan["good"]]
    extra = [[f["name"] for f in d["fields"] if f["name"] not in ("id", "sku", "amount")] for d in plan["good"]]
    bad = producer(plan["bad"])
    print("ready", flush=True)

    for line in sys.stdin:
        start, count = (int(x) for x in line.split())
        state = {"left": count, "errors": 0}
        lock = threading.Lock()
        done = threading.Event()

        def receipt(result, _msg_id):
            with lock:
                state["left"] -= 1
                if result != pulsar.Result.Ok:
                    state["errors"] += 1
                if state["left"] == 0:
                    done.set()

        for i in range(start, start + count):
            if i % held_every == held_every - 1:
                bad.send_async({"id": i, "sku": f"SKU-{i % 100}", "amount": str(i / 3)}, receipt)
            else:
                k = (i // block) % len(goods)
                value = {"id": i, "sku": f"SKU-{i % 100}", "amount": i / 3}
                for name in extra[k]:
                    value[name] = ""
                goods[k].send_async(value, receipt)
        for p in goods + [bad]:
            p.flush()
        if not done.wait(300):
            raise SystemExit(f"only {count - state['left']} of {count} receipts after 300 s")
        print(json.dumps({"sent": count, "errors": state["errors"]}), flush=True)

    for p in goods + [bad]:
        p.close()
    client.close()


if __name__ == "__main__":
    main()
