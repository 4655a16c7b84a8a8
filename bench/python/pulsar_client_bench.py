"""The reference side of bench/pulsar-client.ts: the official Pulsar client (C++ core, through the
Python `pulsar-client` wheel) producing and consuming on the same broker as dagpact's client.

Usage:
  pulsar_client_bench.py produce SERVICE_URL TOPIC COUNT PAYLOAD_B64 BATCHING(0|1) COMPRESSION(NONE|LZ4)
      send_async() COUNT messages with at most 1,000 pending (block_if_queue_full); prints
      {"count", "seconds", "rate", "errors"}: first send to last receipt.
  pulsar_client_bench.py consume SERVICE_URL TOPIC SUBSCRIPTION COUNT
      Shared subscription from the earliest position, receive() + acknowledge() one message at a time
      (acks grouped by the client's default 100 ms window); prints {"count", "seconds", "rate", "cpu_us",
      "sleeps"}: first message received to last acknowledge() call, and over it the process's CPU per
      message and its threads' voluntary context switches per message (each a thread going to sleep).
"""
import base64
import json
import resource
import sys
import threading
import time

import pulsar


def produce(url, topic, count, payload_b64, batching, compression):
    payload = base64.b64decode(payload_b64)
    client = pulsar.Client(url, io_threads=1, message_listener_threads=1)
    producer = client.create_producer(
        topic, block_if_queue_full=True, max_pending_messages=1000, batching_enabled=batching,
        batching_max_messages=1000, batching_max_publish_delay_ms=10,
        compression_type=pulsar.CompressionType.LZ4 if compression == "LZ4" else pulsar.CompressionType.NONE)
    done = threading.Event()
    state = {"acked": 0, "errors": 0, "last": 0.0}
    lock = threading.Lock()

    def on_receipt(res, _msg_id):
        with lock:
            state["acked"] += 1
            if res != pulsar.Result.Ok:
                state["errors"] += 1
            if state["acked"] == count:
                state["last"] = time.perf_counter()
                done.set()

    started = time.perf_counter()
    for _ in range(count):
        producer.send_async(payload, on_receipt)
    producer.flush()
    done.wait(300)
    seconds = state["last"] - started
    print(json.dumps({"count": state["acked"], "seconds": seconds, "rate": count / seconds, "errors": state["errors"]}), flush=True)
    producer.close()
    client.close()


def consume(url, topic, subscription, count):
    client = pulsar.Client(url, io_threads=1, message_listener_threads=1)
    consumer = client.subscribe(topic, subscription, consumer_type=pulsar.ConsumerType.Shared,
                                initial_position=pulsar.InitialPosition.Earliest, receiver_queue_size=1000)
    got = 0
    started = None
    cpu_started = 0.0
    while got < count:
        msg = consumer.receive(30000)
        if started is None:
            started = time.perf_counter()
            cpu_started = time.process_time()
            sleeps_started = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
        consumer.acknowledge(msg)
        got += 1
    seconds = time.perf_counter() - started
    # CPU of the whole process (the C++ client's threads and this loop) over the same span.
    cpu_us = (time.process_time() - cpu_started) * 1e6 / count
    sleeps = (resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - sleeps_started) / count
    print(json.dumps({"count": got, "seconds": seconds, "rate": count / seconds, "cpu_us": cpu_us, "sleeps": sleeps}), flush=True)
    consumer.close()
    client.close()


if __name__ == "__main__":
    if sys.argv[1] == "produce":
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6] == "1", sys.argv[7])
    elif sys.argv[1] == "consume":
        consume(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        raise SystemExit(f"unknown command {sys.argv[1]}")
