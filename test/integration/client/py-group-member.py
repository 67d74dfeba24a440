"""A librdkafka (confluent-kafka) group member for the client's mixed-group tests:
python3 py-group-member.py <bootstrap> <group> <topic> <strategy>.
Prints JSON lines: {"assigned": [...]} with the whole assignment after every change, {"consumed": "<value>"}
per record. Commits synchronously after each batch; closes cleanly (leaving the group) on SIGTERM."""
import json
import signal
import sys

from confluent_kafka import Consumer

bootstrap, group, topic, strategy = sys.argv[1:5]
running = True
owned = set()


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def on_assign(consumer, partitions):
    for p in partitions:
        owned.add(p.partition)
    emit({"assigned": sorted(owned)})


def on_revoke(consumer, partitions):
    for p in partitions:
        owned.discard(p.partition)
    emit({"assigned": sorted(owned)})


c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 200,
              "client.id": "librdkafka-member", "partition.assignment.strategy": strategy,
              "topic.metadata.refresh.interval.ms": 1000})
c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
while running:
    msgs = c.consume(num_messages=100, timeout=0.1)
    got = False
    for m in msgs:
        if m.error():
            continue
        emit({"consumed": m.value().decode()})
        got = True
    if got:
        c.commit(asynchronous=False)
c.close()
emit({"closed": True})
