"""Reads every partition of a topic from the beginning to its end with confluent-kafka (librdkafka):

    /usr/bin/python3 eos-read.py <bootstrap> <topic> <partitions> <read_committed|read_uncommitted>

No group (assign). The end is librdkafka's partition EOF (the last stable offset under read_committed).
Prints one JSON line {"partitions": [[[offset, value], ...], ...]}, or {"error": ...} and exits 3.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

bootstrap, topic, partitions, isolation = sys.argv[1:5]
n = int(partitions)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "eos-read-unused", "isolation.level": isolation,
              "enable.auto.commit": False, "enable.partition.eof": True, "client.id": "eos-read"})
c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(n)])
out = [[] for _ in range(n)]
at_eof = set()
deadline = time.time() + 60
while len(at_eof) < n:
    if time.time() > deadline:
        print(json.dumps({"error": f"no EOF on partitions {sorted(set(range(n)) - at_eof)} within 60 s"}))
        sys.exit(3)
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error() is not None:
        if m.error().code() == KafkaError._PARTITION_EOF:
            at_eof.add(m.partition())
            continue
        print(json.dumps({"error": str(m.error())}))
        sys.exit(3)
    at_eof.discard(m.partition())
    out[m.partition()].append([m.offset(), m.value().decode() if m.value() is not None else None])
c.close()
print(json.dumps({"partitions": out}))
