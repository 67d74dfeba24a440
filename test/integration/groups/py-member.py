"""A Python group member for the consumer-group tests:
python3 py-member.py <kafka-python|confluent> <bootstrap> <group> <topic> [session=<ms>] [assignor=range|roundrobin|cooperative-sticky (confluent)]
  [instance=<group.instance.id> (confluent only: kafka-python 2.0.2 has no static membership)]
  [conf.<librdkafka property>=<value> ... (confluent only; set over the defaults below)]
Prints JSON lines: {"assigned": [...]} on every assignment, {"consumed": "<value>"} per record,
{"error": "<text>"} per client error. Commits synchronously after each poll; exits cleanly (leaving
the group) on SIGTERM, printing {"closed": true}."""
import json
import signal
import sys

kind, bootstrap, group, topic = sys.argv[1:5]
opts = dict(kv.split("=", 1) for kv in sys.argv[5:])
session_ms = int(opts.get("session", "6000"))
assignor = opts.get("assignor", "range")
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
    from kafka.coordinator.assignors.range import RangePartitionAssignor
    from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            pass

        def on_partitions_assigned(self, assigned):
            emit({"assigned": sorted(tp.partition for tp in assigned)})

    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, session_timeout_ms=session_ms, heartbeat_interval_ms=300,
                      client_id="kafka-python-member", fetch_max_wait_ms=200,
                      partition_assignment_strategy=[RangePartitionAssignor if assignor == "range"
                                                     else RoundRobinPartitionAssignor])
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
    from confluent_kafka import Consumer, KafkaError, KafkaException

    # Ownership as a set: with cooperative-sticky the callbacks carry increments, not the whole assignment.
    owned = set()

    def on_assign(consumer, partitions):
        owned.update(p.partition for p in partitions)
        emit({"assigned": sorted(owned)})

    def on_revoke(consumer, partitions):
        owned.difference_update(p.partition for p in partitions)
        if partitions:
            emit({"assigned": sorted(owned)})

    conf = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
            "enable.auto.commit": False, "session.timeout.ms": session_ms, "heartbeat.interval.ms": 300,
            "client.id": "confluent-member", "partition.assignment.strategy": assignor,
            "fetch.wait.max.ms": 200}
    if "instance" in opts:
        conf["group.instance.id"] = opts["instance"]
    conf.update((k[len("conf."):], v) for k, v in opts.items() if k.startswith("conf."))
    c = Consumer(conf)
    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    while running:
        msgs = c.consume(num_messages=100, timeout=0.2)
        got = False
        fatal = False
        for m in msgs:
            err = m.error()
            if err is None:
                emit({"consumed": m.value().decode()})
                got = True
            elif err.code() != KafkaError._PARTITION_EOF:
                emit({"error": "%s: %s" % (err.name(), err.str())})
                fatal = fatal or err.fatal()
        if fatal:
            break
        if got:
            try:
                c.commit(asynchronous=False)
            except KafkaException as e:
                emit({"error": str(e)})
                if e.args[0].fatal():
                    break
    c.close()
emit({"closed": True})
