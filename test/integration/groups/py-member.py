"""A Python group member for the consumer-group tests: python3 py-member.py <kafka-python|confluent> <bootstrap> <group> <topic>.
Prints JSON lines: {"assigned": [...]} on every assignment, {"consumed": "<value>"} per record. Commits
synchronously after each poll; exits cleanly (leaving the group) on SIGTERM."""
import json
import signal
import sys

kind, bootstrap, group, topic = sys.argv[1:5]
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if kind == "kafka-python":
    from kafka import KafkaConsumer, ConsumerRebalanceListener

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            pass

        def on_partitions_assigned(self, assigned):
            emit({"assigned": sorted(tp.partition for tp in assigned)})

    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=500,
                      client_id="kafka-python-member")
    c.subscribe([topic], listener=Listener())
    while running:
        batch = c.poll(timeout_ms=200)
        for records in batch.values():
            for r in records:
                emit({"consumed": r.value.decode()})
        if batch:
            c.commit()
    c.close()
else:
    from confluent_kafka import Consumer

    def on_assign(consumer, partitions):
        emit({"assigned": sorted(p.partition for p in partitions)})

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                  "client.id": "confluent-member", "partition.assignment.strategy": "range"})
    c.subscribe([topic], on_assign=on_assign)
    while running:
        msgs = c.consume(num_messages=100, timeout=0.2)
        got = False
        for m in msgs:
            if m.error() is None:
                emit({"consumed": m.value().decode()})
                got = True
        if got:
            c.commit(asynchronous=False)
    c.close()
emit({"closed": True})
