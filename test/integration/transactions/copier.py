"""An exactly-once copier on confluent-kafka (librdkafka), run by the EOS tests as a child process:

    /usr/bin/python3 copier.py <bootstrap> <input> <output> <group> <transactional.id> <max-batch> <stall-at>

Consume-transform-produce: a read_committed group consumer (no auto commit) on <input>; per batch one
transaction that writes every record to the same partition of <output> with its value upper-cased and
a header src=<partition>:<offset>, then commits the consumed positions through the transaction
(send_offsets_to_transaction with the consumer's group metadata) and commits. The producer's
init_transactions runs before the consumer joins, so a previous incarnation's open transaction is
aborted (and its pending offsets dropped) before offsets are read.

<stall-at> > 0: the stall-at-th transaction of this run stops after its records were sent and flushed
(open transaction, offsets not sent) and waits to be killed. Prints JSON lines on stdout:
{"ready":true} after init_transactions, {"assigned":[...]}, {"sent":n,"txn":k} once a transaction's
records are flushed, {"committed":n,"txn":k} after commit_transaction returned, {"stalled":k},
{"error":"..."} before exiting 3 on any error (the test restarts the copier: always safe for EOS).
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

bootstrap, in_topic, out_topic, group, txn_id = sys.argv[1:6]
max_batch = int(sys.argv[6])
stall_at = int(sys.argv[7])


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def fail(what, e):
    emit({"error": f"{what}: {e}"})
    sys.exit(3)


producer = Producer({
    "bootstrap.servers": bootstrap,
    "transactional.id": txn_id,
    "transaction.timeout.ms": 20000,
    "linger.ms": 5,
    "client.id": "eos-copier-confluent",
})
try:
    producer.init_transactions(30)
except KafkaException as e:
    fail("init_transactions", e)
emit({"ready": True})


def on_assign(consumer, partitions):
    emit({"assigned": sorted(p.partition for p in partitions)})


consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "isolation.level": "read_committed",
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 3000,
    "heartbeat.interval.ms": 300,
    "partition.assignment.strategy": "range",
    "client.id": "eos-copier-confluent",
})
consumer.subscribe([in_topic], on_assign=on_assign)

txn = 0
while True:
    msgs = consumer.consume(num_messages=max_batch, timeout=0.3)
    msgs = [m for m in msgs if m.error() is None]
    if not msgs:
        continue
    txn += 1
    try:
        producer.begin_transaction()
        next_offsets = {}
        for m in msgs:
            producer.produce(out_topic, key=m.key(), value=m.value().upper(), partition=m.partition(),
                             headers=[("src", f"{m.partition()}:{m.offset()}".encode())])
            next_offsets[m.partition()] = m.offset() + 1
        producer.flush(30)
        emit({"sent": len(msgs), "txn": txn})
        if txn == stall_at:
            emit({"stalled": txn})
            while True:
                time.sleep(1)
        producer.send_offsets_to_transaction([TopicPartition(in_topic, p, o) for p, o in sorted(next_offsets.items())],
                                             consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
    except KafkaException as e:
        fail(f"transaction {txn}", e)
    emit({"committed": len(msgs), "txn": txn})
